"""Turning what a person typed into comparable values.

Used twice: by the schema (an author's expected answer must normalise) and by scoring (the
student's input).  Every function returns a frozenset of candidate values, empty when the input
cannot be read: a lone separator followed by exactly three digits (``1.190``) reads as a thousands
separator to a German and as a decimal point to an English speaker, and both readings are
accepted rather than guessing which one the person meant.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

from .limits import MAX_NUMBER_ABS, MAX_NUMBER_DIGITS, digit_count

NormalizeRule = Literal["text", "exact", "code", "date", "amount", "number"]

_SPACES = re.compile(r"\s+")
# Sign, optional currency before the digits, the digits with separators, optional unit after.
_NUMBER = re.compile(
    r"^(?P<pre>[^0-9.,+\-\u2212]*?)\s*(?P<sign>[+\-\u2212]?)\s*(?P<pre2>[^0-9.,+\-\u2212]*?)\s*"
    r"(?P<digits>[0-9][0-9.,'\s\u00a0\u202f\u2009]*?|[.,][0-9]+)\s*(?P<unit>[^0-9]*)$"
)
_GROUPED = re.compile(r"^[0-9]{1,3}(?:[.,][0-9]{3})+$")


def fold_space(value: str) -> str:
    """Unicode NFC, trimmed, runs of white space folded to one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def text_key(value: str, case_sensitive: bool = False) -> str:
    """The comparison key for free text (short_text answers, cloze gaps, `text` fields)."""
    folded = fold_space(value)
    return folded if case_sensitive else folded.casefold()


def parse_decimal(raw: str, allow_affixes: bool = True) -> frozenset[Decimal]:
    """Read a number written with a decimal comma or point, thousands separators and spaces.

    With `allow_affixes`, a currency sign before and a unit after the number are ignored
    (``€ 1.190,00``, ``19 %``, ``1190 EUR``).  A number with more than MAX_NUMBER_DIGITS digits
    or a magnitude of MAX_NUMBER_ABS or more cannot be read (nobody types such an answer, and
    decimal arithmetic on it would lose digits or fail).
    """
    if digit_count(raw) > MAX_NUMBER_DIGITS:
        return frozenset()
    match = _NUMBER.match(raw.strip())
    if match is None:
        return frozenset()
    if not allow_affixes and (match["pre"] or match["pre2"] or match["unit"].strip()):
        return frozenset()
    digits = re.sub(r"[\s'\u00a0\u202f\u2009]", "", match["digits"])
    negative = match["sign"] in ("-", "\u2212")
    readings = {_read_digits(digits, decimal_mark) for decimal_mark in _decimal_marks(digits)}
    return frozenset(
        -value if negative else value for value in readings if value is not None and value < MAX_NUMBER_ABS
    )


def _decimal_marks(digits: str) -> tuple[str | None, ...]:
    """Which character may be the decimal mark; None means 'no decimal part'."""
    has_point, has_comma = "." in digits, "," in digits
    if has_point and has_comma:
        return (max((".", ","), key=digits.rindex),)
    if not (has_point or has_comma):
        return (None,)
    mark = "." if has_point else ","
    if digits.count(mark) > 1:
        return (None,)
    if _GROUPED.match(digits) and not digits.startswith("0"):
        return (None, mark)  # 1.190: thousands or decimals; accept both readings
    return (mark,)


def _read_digits(digits: str, decimal_mark: str | None) -> Decimal | None:
    whole, fraction = digits, ""
    if decimal_mark is not None:
        whole, _, fraction = digits.rpartition(decimal_mark)
        if not fraction.isdigit():
            return None
    if whole and any(sep in whole for sep in ".,"):
        if not _GROUPED.match(whole):
            return None
        whole = re.sub(r"[.,]", "", whole)
    try:
        return Decimal(f"{whole or '0'}.{fraction or '0'}")
    except InvalidOperation:
        return None


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})\s*([./])\s*(\d{1,2})\s*\2\s*(\d{2}|\d{4})$")


def parse_date(raw: str) -> date | None:
    """ISO (2026-11-03), German (3.11.2026, 03.11.26) or day/month/year (03/11/2026); a two-digit
    year is read in this century (back-office documents are current: '26 means 2026)."""
    readings = parse_date_readings(raw)
    return max(readings) if readings else None


def parse_date_readings(raw: str) -> frozenset[date]:
    """Every date `raw` can mean. A two-digit year has two readings, this century and the last:
    '26 is 2026 on an invoice, '58 is 1958 in a birth date; the expected answer decides (as with
    1.190 for numbers, both readings are accepted rather than guessing)."""
    text = raw.strip()
    if match := _ISO_DATE.match(text):
        candidates = [(int(match[1]), int(match[2]), int(match[3]))]
    elif match := _DAY_FIRST.match(text):
        year, month, day = int(match[4]), int(match[3]), int(match[1])
        years = (2000 + year, 1900 + year) if len(match[4]) == 2 else (year,)
        candidates = [(y, month, day) for y in years]
    else:
        return frozenset()
    readings = set()
    for year, month, day in candidates:
        try:
            readings.add(date(year, month, day))
        except ValueError:
            continue  # 31.02.2026 and the like; 29.02.00 exists in 2000 only
    return frozenset(readings)


def normalize(raw: str, rule: NormalizeRule) -> frozenset[str]:
    """All comparable forms of `raw` under `rule`; empty when `raw` cannot be read that way."""
    if rule in ("amount", "number"):
        values = parse_decimal(raw, allow_affixes=rule == "amount")
        if rule == "amount":
            return frozenset(str(v.quantize(_CENTS, rounding=ROUND_HALF_UP)) for v in values)
        return frozenset(_canonical_number(v) for v in values)
    if rule == "date":
        return frozenset(d.isoformat() for d in parse_date_readings(raw))
    text = unicodedata.normalize("NFC", raw)
    if rule == "exact":
        result = text.strip()
    elif rule == "code":
        result = re.sub(r"[\s\-\u2010\u2011\u2012\u2013]", "", text).upper()
    else:
        result = text_key(text)
    return frozenset({result}) if result else frozenset()


_CENTS = Decimal("0.01")


def _canonical_number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def normalize_expected(answer: str, rule: NormalizeRule) -> str:
    """The single comparable form of an author's expected answer; ValueError if there is none."""
    if rule == "date" and not _ISO_DATE.match(answer.strip()):
        raise ValueError(f"write the expected date in ISO form YYYY-MM-DD, not {answer!r}")
    forms = normalize(answer, rule)
    if not forms:
        raise ValueError(f"{answer!r} cannot be read as {rule}")
    if len(forms) > 1:
        raise ValueError(f"{answer!r} is ambiguous as {rule}; write it like 1190.00")
    return next(iter(forms))
