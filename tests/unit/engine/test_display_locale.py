"""Reviews follow the page's locale (issue 13): expected numbers, amounts and dates in the
locale's format, tolerances only where they mean something, the source line in the page's language."""
from __future__ import annotations

from decimal import Decimal

import pytest

from lms_module.engine import Quiz, handler_for, plan_attempt
from lms_module.engine.display import expected_entry, number_text, tolerance_matters


def _review(quiz: Quiz, question_id: str, response: dict, locale: str) -> dict:
    planned = {p.question_id: p for p in plan_attempt(quiz, 3, False, True)}
    question = quiz.question(question_id)
    return handler_for(question).review(question, planned[question_id].layout, locale, response)


@pytest.mark.parametrize("locale, date, amount, source", [
    ("de", "03.11.2026", "1.190,00", "allgemeine Praxis"),
    ("en", "3 Nov 2026", "1,190.00", "general practice"),
])
def test_data_entry_review_in_the_page_locale(quiz: Quiz, locale, date, amount, source) -> None:
    review = _review(quiz, "delivery-entry", {"fields": {"date": "3.11.2026", "total": "1190"}}, locale)
    expected = {r["given"]: r["expected"] for r in review["rows"] if r["given"]}
    assert expected == {"3.11.2026": date, "1190": amount}  # not 2026-11-03 and 1190.00
    assert str(review["source"]).count(source) == 1


def test_tolerances_only_where_they_mean_something() -> None:
    assert not tolerance_matters(Decimal("0.001"), 2)  # ± 0,001 on euro amounts
    assert not tolerance_matters(Decimal("0.005"), 2)  # half a cent: rounding
    assert tolerance_matters(Decimal("0.01"), 2)  # a cent either way
    assert tolerance_matters(Decimal("2"), 0)
    assert not tolerance_matters(Decimal("0"), 0)


def test_numbers_and_dates() -> None:
    assert number_text(Decimal("3415.50"), "de", 2) == "3.415,50" and number_text(Decimal("3415.5"), "en", 2) == "3,415.50"
    assert expected_entry("2026-11-09", "date", "de") == "09.11.2026"
    assert expected_entry("3415.50", "amount", "de") == "3.415,50"
    assert expected_entry("B-2026-1088", "code", "de") == "B-2026-1088"
