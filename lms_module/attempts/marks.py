"""Instructors' changes to marks: manual grading of an answer and overrides of any question's
marks. Plain values in; the views commit. Every mark is logged in MarkChange. (The reports call
these; they belong here because the attempt's marks and its regrade are this room's.)"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from . import services
from ..extensions import db
from .models import Answer, Attempt, MarkChange

MAX_COMMENT = 5000


class ChangeRefused(Exception):
    """An instructor's change refused with a reason code; the view tells the instructor what to do,
    nothing is changed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_marks(text: str | None, max_marks: float) -> float:
    """Marks as typed: '1.5' or '1,5', from 0 to the question's maximum, kept to four decimals."""
    raw = (text or "").strip().replace(",", ".")
    if not raw:
        raise ChangeRefused("marks_missing")
    try:
        value = float(raw)
    except ValueError:
        raise ChangeRefused("marks_not_a_number") from None
    if not math.isfinite(value):
        raise ChangeRefused("marks_not_a_number")
    if value < 0 or value > max_marks + 1e-9:
        raise ChangeRefused("marks_out_of_range")
    return round(min(value, max_marks), 4)


def clean_comment(text: str | None) -> str:
    comment = (text or "").replace("\r\n", "\n").strip()
    if len(comment) > MAX_COMMENT:
        raise ChangeRefused("comment_too_long")
    return comment


@dataclass(frozen=True)
class MarkResult:
    attempt: Attempt
    previous_marks: float | None
    notified: bool  # the graded listeners were called (the LMS gets the new grade)


def set_mark(answer_id: int, marks: float, comment: str, by_user_id: int, now: datetime, *,
             only_if_pending: bool = False) -> MarkResult:
    """Give an answer its marks (grading an essay, or overriding any question's marks), log who
    and when, and regrade the attempt. `only_if_pending`: refuse if someone graded it meanwhile
    (the grading queue), instead of overriding their mark."""
    attempt_id = db.session.scalar(select(Answer.attempt_id).where(Answer.id == answer_id))
    if attempt_id is None:
        raise ChangeRefused("unknown_answer")
    # Lock the attempt row: two instructors grading the same attempt regrade one after the other.
    attempt = db.session.scalars(
        select(Attempt).where(Attempt.id == attempt_id).with_for_update().execution_options(populate_existing=True)
    ).one()
    answer = db.session.scalars(
        select(Answer).where(Answer.id == answer_id).execution_options(populate_existing=True)
    ).one()
    if attempt.status not in services.FINISHED:
        raise ChangeRefused("attempt_not_finished")
    if only_if_pending and not (answer.needs_manual and answer.manual_marks is None):
        raise ChangeRefused("already_graded")
    if marks < 0 or marks > answer.max_marks + 1e-9:
        raise ChangeRefused("marks_out_of_range")
    previous = services.effective_marks(answer)
    answer.manual_marks = marks
    answer.manual_comment = comment or None
    answer.graded_by = by_user_id
    answer.graded_at = now
    db.session.add(MarkChange(answer_id=answer.id, previous_marks=previous, new_marks=marks, comment=comment,
                              changed_by=by_user_id, changed_at=now))
    db.session.flush()
    notified = services.regrade_attempt(attempt)
    return MarkResult(attempt, previous, notified)
