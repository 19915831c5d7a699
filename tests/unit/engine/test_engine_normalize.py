from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lms_module.engine.normalize import normalize, normalize_expected, parse_date, parse_decimal


@pytest.mark.parametrize(
    "raw",
    ["1190,00", "1190.00", "1.190,00", "1,190.00", "1 190,00", "1190", " 1190 EUR ", "€ 1.190,00", "1\u00a0190,00"],
)
def test_decimal_forms(raw: str) -> None:
    assert Decimal("1190") in parse_decimal(raw)


def test_lone_group_of_three_reads_both_ways() -> None:
    assert parse_decimal("1.190") == {Decimal("1190"), Decimal("1.19")}
    assert parse_decimal("0,125") == {Decimal("0.125")}  # a leading 0 is never a thousands group


@pytest.mark.parametrize("raw", ["", "abc", "1.19.0", "1,1,1", "12a3", "--5", "1e5"])
def test_not_a_number(raw: str) -> None:
    assert parse_decimal(raw) == frozenset()


def test_signs() -> None:
    assert parse_decimal("-3,5") == {Decimal("-3.5")}
    assert parse_decimal("\u22122") == {Decimal("-2")}


def test_affixes_refused_when_not_allowed() -> None:
    assert parse_decimal("12 EUR", allow_affixes=False) == frozenset()
    assert parse_decimal("12,5", allow_affixes=False) == {Decimal("12.5")}


@pytest.mark.parametrize("raw", ["3.11.2026", "03.11.26", "2026-11-03", "03/11/2026", "3/11/26", "3. 11. 2026"])
def test_dates(raw: str) -> None:
    assert parse_date(raw) == date(2026, 11, 3)


@pytest.mark.parametrize("raw", ["31.02.2026", "11/2026", "2026-13-01", "tomorrow", "3.11"])
def test_invalid_dates(raw: str) -> None:
    assert parse_date(raw) is None


def test_rules() -> None:
    assert normalize("  Muster   GmbH ", "text") == {"muster gmbh"}
    assert normalize("  Muster  GmbH ", "exact") == {"Muster  GmbH"}
    assert normalize("de89 3704-0044 0532 0130 00", "code") == {"DE89370400440532013000"}
    assert normalize("1.190,00 €", "amount") == {"1190.00"}
    assert normalize("12,50", "number") == {"12.5"}
    assert normalize("", "text") == frozenset()


def test_expected_answers_must_be_unambiguous() -> None:
    assert normalize_expected("2026-11-03", "date") == "2026-11-03"
    with pytest.raises(ValueError, match="ISO"):
        normalize_expected("03.11.2026", "date")
    with pytest.raises(ValueError, match="ambiguous"):
        normalize_expected("1.190", "amount")
    with pytest.raises(ValueError):
        normalize_expected("twelve", "number")


def test_a_two_digit_year_has_both_centuries_so_a_birth_date_resolves_to_the_past():
    """a11y issue 16 (enter-admission-data): "07.11.58" typed for a birth date is 1958, not only 2058."""
    assert "1958-11-07" in normalize("07.11.58", "date")
    assert "2026-11-03" in normalize("03.11.26", "date")
    assert normalize("29.02.00", "date") == frozenset({"2000-02-29"})  # 1900 was no leap year
    assert normalize("2026-11-03", "date") == frozenset({"2026-11-03"})
