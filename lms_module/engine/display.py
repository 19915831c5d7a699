"""Values in a review as the learner's language writes them: numbers with the locale's decimal
mark and grouping, expected dates in the locale's date format, tolerances only where they mean
something. Plain functions (Babel's number and date formats, no Flask)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

from .schema import GAP_PLACEHOLDER
from .text import normalize_locale, plain

# Babel locales for the two page languages: British English writes 9 Nov 2026, German 09.11.2026.
BABEL_LOCALE = {"de": "de_DE", "en": "en_GB"}


def babel_locale(locale: str | None) -> str:
    """The Babel locale whose formats a language's dates and numbers are written in."""
    return BABEL_LOCALE[normalize_locale(locale)]


MONEY_UNITS = frozenset({"€", "EUR", "USD", "$", "£", "GBP", "CHF"})


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def shown_decimals(value: Decimal, unit: str = "") -> int:
    """The decimals an answer is shown with: as written (without trailing zeros), cents for money."""
    return max(_decimals(value), 2 if unit.strip() in MONEY_UNITS else 0)


def number_text(value: Decimal, locale: str | None, decimals: int | None = None) -> str:
    """3415.5 → '3,415.5' / '3.415,5' (or with `decimals` decimals: '3.415,50')."""
    digits = _decimals(value) if decimals is None else decimals
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=babel_locale(locale), decimal_quantization=True)


def date_text(value: date, locale: str | None) -> str:
    """2026-11-09 → '09.11.2026' / '9 Nov 2026'."""
    return format_date(value, "medium", locale=babel_locale(locale))


def tolerance_matters(tolerance: Decimal, decimals: int) -> bool:
    """A tolerance is shown only when it accepts answers written differently at the precision the
    answer is shown with: ± 0.001 on 3,415.50 only absorbs floating point and says nothing to the
    learner (nor does ± 0.005 on cents: half a unit is rounding); ± 0.01 on 10.72 (a cent either
    way) does."""
    return bool(tolerance) and tolerance > Decimal(5).scaleb(-decimals - 1)


def expected_entry(answer: str, rule: str, locale: str | None) -> str:
    """An expected data entry as the learner's language writes it: dates and amounts formatted
    (the author writes 2026-11-09 and 3415.50), codes and text as written."""
    try:
        if rule == "date":
            return date_text(date.fromisoformat(answer.strip()), locale)
        if rule == "amount":
            return number_text(Decimal(answer.strip()), locale, 2)
        if rule == "number":
            return number_text(Decimal(answer.strip()), locale)
    except (ValueError, ArithmeticError):
        pass  # the loader checks expected values; show anything else as written
    return answer


def listing_text(question, locale: str | None) -> str:
    """A question's text on one line for tables and exports: a cloze's gaps as [1], [2], … in the
    order the student sees them, never the author's {{placeholders}}."""
    text = plain(question.text, locale)
    if getattr(question, "type", None) != "cloze":
        return text
    numbers: dict[str, int] = {}

    def gap(match) -> str:
        return f"[{numbers.setdefault(match[1], len(numbers) + 1)}]"

    return GAP_PLACEHOLDER.sub(gap, text)


def quiz_numbers(content) -> dict[str, int]:
    """Each question's stable label: its number in the quiz (file order), whatever order an attempt
    shows it in."""
    return {question.id: number for number, question in enumerate(content.questions, start=1)}
