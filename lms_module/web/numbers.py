"""The one rounding rule for numbers people read (stated in docs/reports.md):

- percentages (scores, grades, pass marks, shares) are rounded half up to one decimal, and a
  trailing zero is dropped: 97.727 % → "97.7 %" ("97,7 %" in German), 98.0 % → "98 %", with a
  no-break space before the sign (the label is one unit on the page);
- points are rounded half up to two decimals, trailing zeros dropped: 2.5 → "2.5" / "2,5".

The result page, every report and every export (which write the rounded number, not text) use
these functions; the LMS receives the exact grade (score given / maximum, unrounded)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import format_decimal

PERCENT_DIGITS = 1
POINT_DIGITS = 2


def _rounded(value: float, digits: int) -> Decimal:
    # str() first: the float's shortest repr, so 0.9775 is 97.75 and rounds up, not down
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def percent_value(fraction: float | None, digits: int = PERCENT_DIGITS) -> float | None:
    """A fraction (0.9773) as the percentage exports write (97.7)."""
    if fraction is None:
        return None
    return float(_rounded(float(Decimal(str(fraction)) * 100), digits))


def percent_label(fraction: float | None, digits: int = PERCENT_DIGITS, locale: str = "en") -> str:
    """A fraction as people read it: '97.7 %' / '97,7 %'; '–' when there is none."""
    if fraction is None:
        return "–"
    return _percent_label(fraction, digits, locale)


# The labels are kept per value and language (they depend on nothing else, and a page shows the
# same few again and again: a result page 40 point labels; Babel's formatting costs ~10 µs each).
@lru_cache(maxsize=4096)
def _percent_label(fraction: float, digits: int, locale: str) -> str:
    value = _rounded(float(Decimal(str(fraction)) * 100), digits)
    # A no-break space before the sign: the number and its % never end up on two lines ("0" at the
    # end of one line of a phone's sentence, "%" alone on the next).
    return format_decimal(value, format="#,##0." + "#" * digits if digits else "#,##0", locale=locale) + "\u00a0%"


def points_value(value: float | None) -> float | None:
    return None if value is None else float(_rounded(value, POINT_DIGITS))


def points_label(value: float | None, locale: str = "en") -> str:
    """Points: at most two decimals, '2.5' / '2,5'; '–' when there are none."""
    if value is None:
        return "–"
    return _points_label(value, locale)


@lru_cache(maxsize=4096)
def _points_label(value: float, locale: str) -> str:
    return format_decimal(_rounded(value, POINT_DIGITS), format="#,##0.##", locale=locale)
