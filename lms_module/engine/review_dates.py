"""Facts that expire: questions whose `review_by` date has passed.

A question whose key depends on the law or a standard on a date carries `valid_as_of` and
`review_by` (quizzes/README.md). Once `review_by` has passed the question is listed for review:
as a warning at first; for the built-in library as an error once the date is more than one month
past (`GRACE_MONTHS`), so that CI fails and the fact is checked. `today` is always passed in.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .loader import QuizFileError, format_field, source_of
from .schema import Quiz

GRACE_MONTHS = 1


@dataclass(frozen=True)
class DueReview:
    """A question whose review date has passed. `overdue`: more than the grace period ago."""

    slug: str
    question_id: str
    review_by: date
    overdue: bool
    error: QuizFileError  # where and what, for the command line

    def __str__(self) -> str:
        return str(self.error)


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day where it has no such day (31 Jan -> 28 Feb)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_reviews(quizzes: Sequence[Quiz], today: date) -> list[DueReview]:
    """Every question whose `review_by` lies before `today`, in file order."""
    found: list[DueReview] = []
    for quiz in quizzes:
        source = source_of(quiz)
        path = source.path if source else f"<quiz {quiz.slug}>"
        for index, question in enumerate(quiz.questions):
            review_by = question.review_by
            if review_by is None or review_by >= today:
                continue
            overdue = today > add_months(review_by, GRACE_MONTHS)
            loc = ("questions", index, "review_by")
            as_of = f" (valid as of {question.valid_as_of.isoformat()})" if question.valid_as_of else ""
            message = (
                f"{quiz.slug}/{question.id}: the review date {review_by.isoformat()} has passed{as_of}; "
                "check the facts, then set valid_as_of and review_by anew"
            )
            error = QuizFileError(path, source.line(loc) if source else None, format_field(loc), message)
            found.append(DueReview(quiz.slug, question.id, review_by, overdue, error))
    return found
