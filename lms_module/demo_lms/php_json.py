"""JSON text as PHP's json_encode writes it, because tools see Moodle's bytes, not Python's.

PHP escapes slashes (``http:\\/\\/``) unless told not to, writes whole floats without ``.0`` in
the samples (``"scoreMaximum":100``) and pretty-prints with four spaces.
"""

from __future__ import annotations

import json
from typing import Any


def _phpish(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _phpish(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_phpish(item) for item in value]
    return value


def encode(value: Any, *, pretty: bool = False, escape_slashes: bool = True) -> str:
    """json_encode($value[, JSON_PRETTY_PRINT][ | JSON_UNESCAPED_SLASHES])."""
    if pretty:
        text = json.dumps(_phpish(value), indent=4)
    else:
        text = json.dumps(_phpish(value), separators=(",", ":"))
    # A "/" can only occur inside JSON strings, so a plain replace is exact.
    return text.replace("/", "\\/") if escape_slashes else text


def moodle_token_json(members: dict[str, str | int]) -> str:
    """token.php's hand-written JSON: two-space indent and ``" : "`` separators."""
    lines = [f'  "{key}" : {json.dumps(value)}' for key, value in members.items()]
    return "{\n" + ",\n".join(lines) + "\n}"
