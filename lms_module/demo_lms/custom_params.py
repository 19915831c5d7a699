"""Moodle's handling of custom parameters (mod/lti/locallib.php), quirks included.

Moodle stores custom parameters as ``key=value`` lines. At launch it trims keys and values,
substitutes ``$Variables`` it knows, and maps each key to lower case with every character
outside ``[a-z0-9]`` replaced by ``_``. For LTI 1.3 it sends BOTH the mapped key and, when it
differs, the original key: ``quizId=7`` arrives as ``{"quizid": "7", "quizId": "7"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def to_lines(custom: Mapping[str, Any]) -> str:
    """What the add-activity form stores for a deep-linked item's ``custom`` object."""
    return "\n".join(f"{key}={_php_string(value)}" for key, value in custom.items())


def split_lines(text: str) -> dict[str, str]:
    """lti_split_parameters: one ``key=value`` per line, lines without a key are dropped."""
    result: dict[str, str] = {}
    for line in text.replace("\r\n", "\n").replace("\n\r", "\n").replace("\r", "\n").split("\n"):
        position = line.find("=")
        if position < 1:
            continue
        result[line[:position].strip()] = line[position + 1 :].strip()
    return result


def map_keyname(key: str) -> str:
    return "".join(char if ("a" <= char <= "z" or "0" <= char <= "9") else "_" for char in key.strip().lower())


def launch_custom_claim(text: str, variables: Mapping[str, str]) -> dict[str, str]:
    """lti_split_custom_parameters for an LTI 1.3 tool."""
    claim: dict[str, str] = {}
    for key, value in split_lines(text).items():
        substituted = variables.get(value, value) if value.startswith("$") else value
        mapped = map_keyname(key)
        claim[mapped] = substituted
        if mapped != key:
            claim[key] = substituted
    return claim


def _php_string(value: Any) -> str:
    # PHP's string conversion of JSON-decoded values, as the add-activity form receives them.
    if value is True:
        return "1"
    if value is False or value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
