"""How request bodies in JSON are read: nesting too deep for Python is malformed JSON like any other."""
from __future__ import annotations

from flask.json.provider import DefaultJSONProvider


class JSONProvider(DefaultJSONProvider):
    """Flask's provider, except that `loads` raises ValueError for arrays or objects nested deeper
    than Python's recursion limit: json.loads raises RecursionError there, which request.get_json
    (silent or not) lets through, so a 200 KB body of brackets sent to the autosave was a 500 and a
    traceback in the log, not the autosave's refusal of a body it does not understand."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
