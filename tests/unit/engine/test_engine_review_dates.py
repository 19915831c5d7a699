"""valid_as_of and review_by: the format (with lines), the dump, and which reviews are due."""

from __future__ import annotations

from datetime import date

import pytest

from lms_module.engine.loader import QuizLoadError, parse_quiz
from lms_module.engine.review_dates import add_months, due_reviews
from lms_module.engine.schema import Quiz

TEMPLATE = """slug: dated
title: T
topic: compliance
questions:
  - id: vat-rate
    type: true_false
    text: T
    answer: true
{dates}
  - id: other
    type: true_false
    text: T
    answer: false
"""


def _parse(dates: str) -> Quiz:
    return parse_quiz(TEMPLATE.format(dates=dates), "dated.yaml")


def _error(dates: str) -> tuple[int | None, str, str]:
    with pytest.raises(QuizLoadError) as info:
        _parse(dates)
    [error] = info.value.errors
    return error.line, error.field, error.message


def test_dates_unquoted_or_quoted_and_kept_through_the_stored_json() -> None:
    quiz = _parse('    valid_as_of: 2026-01-01\n    review_by: "2026-12-31"')
    question = quiz.questions[0]
    assert (question.valid_as_of, question.review_by) == (date(2026, 1, 1), date(2026, 12, 31))
    data = quiz.model_dump(mode="json", exclude_none=True)
    assert data["questions"][0]["valid_as_of"] == "2026-01-01" and "review_by" not in data["questions"][1]
    assert Quiz.model_validate(data) == quiz


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        ("    valid_as_of: 2026-01-01", (9, "questions[0].valid_as_of", "needs review_by")),
        ("    valid_as_of: 2026-01-01\n    review_by: 2026-01-01", (10, "questions[0].review_by", "after valid_as_of")),
        ("    valid_as_of: 1.1.2026\n    review_by: 2027-01-01", (9, "questions[0].valid_as_of", "YYYY-MM-DD")),
        ("    review_by: 20270101", (9, "questions[0].review_by", "YYYY-MM-DD")),
        ("    review_by: 2027-01-01 10:00:00", (9, "questions[0].review_by", "YYYY-MM-DD")),
        ('    review_by: "2027-02-30"', (9, "questions[0].review_by", "YYYY-MM-DD")),
    ],
)
def test_date_rules_point_at_the_line(dates: str, expected: tuple[int, str, str]) -> None:
    line, field, message = _error(dates)
    assert (line, field) == expected[:2] and expected[2] in message


def test_review_by_alone_is_allowed() -> None:
    assert _parse("    review_by: 2027-01-01").questions[0].valid_as_of is None


def test_add_months_keeps_the_day_or_takes_the_month_end() -> None:
    assert add_months(date(2026, 3, 15), 1) == date(2026, 4, 15)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 12, 5), 1) == date(2027, 1, 5)


def test_due_reviews_from_the_day_after_and_overdue_after_a_month() -> None:
    quiz = _parse("    valid_as_of: 2026-01-01\n    review_by: 2026-06-30")
    assert due_reviews([quiz], date(2026, 6, 30)) == []
    [due] = due_reviews([quiz], date(2026, 7, 1))
    assert (due.question_id, due.overdue, due.error.line, due.error.field) == ("vat-rate", False, 10, "questions[0].review_by")
    assert "dated/vat-rate: the review date 2026-06-30 has passed (valid as of 2026-01-01)" in str(due)
    assert not due_reviews([quiz], date(2026, 7, 30))[0].overdue
    assert due_reviews([quiz], date(2026, 7, 31))[0].overdue
