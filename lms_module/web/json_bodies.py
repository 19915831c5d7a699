"""How request bodies in JSON are read: nesting too deep for Python is malformed JSON like any other."""
from __future__ import annotations

import re

from flask.json.provider import DefaultJSONProvider

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_character(value) -> str | None:
    """The first NUL or lone UTF-16 surrogate in a decoded JSON value's keys and strings, or None.
    PostgreSQL refuses a NUL in text (and keeps one in a JSON column as sent); json.loads decodes
    half a surrogate pair ("\\ud83d" alone) to a lone surrogate that both databases store and no page
    can encode. Walked without recursion: the value may be as deep as json.loads allows."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            found = _UNSTORABLE.search(item)
            if found:
                return found.group()
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return None


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
