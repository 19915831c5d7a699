"""What instructors change from the reports: marks (manual grading and overrides) and
accommodations. Plain values in; the views commit. Every mark is logged in MarkChange."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..attempts import policy
from ..attempts import services as attempts
from ..attempts.models import IN_PROGRESS, Accommodation, Answer, Attempt
from ..extensions import db
from .models import MarkChange

MAX_COMMENT = 5000
MAX_EXTRA_ATTEMPTS = 99
MAX_EXTRA_MINUTES = 7 * 24 * 60


class ReportError(Exception):
    """Refused with a reason code; the view tells the instructor what to do, nothing is changed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_marks(text: str | None, max_marks: float) -> float:
    """Marks as typed: '1.5' or '1,5', from 0 to the question's maximum, kept to four decimals."""
    raw = (text or "").strip().replace(",", ".")
    if not raw:
        raise ReportError("marks_missing")
    try:
        value = float(raw)
    except ValueError:
        raise ReportError("marks_not_a_number") from None
    if not math.isfinite(value):
        raise ReportError("marks_not_a_number")
    if value < 0 or value > max_marks + 1e-9:
        raise ReportError("marks_out_of_range")
    return round(min(value, max_marks), 4)


def clean_comment(text: str | None) -> str:
    comment = (text or "").replace("\r\n", "\n").strip()
    if len(comment) > MAX_COMMENT:
        raise ReportError("comment_too_long")
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
        raise ReportError("unknown_answer")
    # Lock the attempt row: two instructors grading the same attempt regrade one after the other.
    attempt = db.session.scalars(
        select(Attempt).where(Attempt.id == attempt_id).with_for_update().execution_options(populate_existing=True)
    ).one()
    answer = db.session.scalars(
        select(Answer).where(Answer.id == answer_id).execution_options(populate_existing=True)
    ).one()
    if attempt.status not in attempts.FINISHED:
        raise ReportError("attempt_not_finished")
    if only_if_pending and not (answer.needs_manual and answer.manual_marks is None):
        raise ReportError("already_graded")
    if marks < 0 or marks > answer.max_marks + 1e-9:
        raise ReportError("marks_out_of_range")
    previous = attempts.effective_marks(answer)
    answer.manual_marks = marks
    answer.manual_comment = comment or None
    answer.graded_by = by_user_id
    answer.graded_at = now
    db.session.add(MarkChange(answer_id=answer.id, previous_marks=previous, new_marks=marks, comment=comment,
                              changed_by=by_user_id, changed_at=now))
    db.session.flush()
    notified = attempts.regrade_attempt(attempt)
    return MarkResult(attempt, previous, notified)


# --- accommodations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccommodationInput:
    extra_attempts: int
    extra_minutes: int
    close_at: datetime | None


def parse_accommodation(extra_attempts: str | None, extra_minutes: str | None, close_at: str | None,
                        timezone) -> AccommodationInput:
    """Form values to an accommodation; `close_at` is a datetime-local value in `timezone`."""
    attempts_value = _whole_number(extra_attempts, MAX_EXTRA_ATTEMPTS, "extra_attempts_invalid")
    minutes_value = _whole_number(extra_minutes, MAX_EXTRA_MINUTES, "extra_minutes_invalid")
    moment = None
    if close_at and close_at.strip():
        try:
            local = datetime.fromisoformat(close_at.strip())
        except ValueError:
            raise ReportError("close_at_invalid") from None
        moment = local if local.tzinfo else _localize(local, timezone)
    return AccommodationInput(attempts_value, minutes_value, moment)


def _localize(value: datetime, timezone) -> datetime:
    localize = getattr(timezone, "localize", None)  # pytz zones; zoneinfo zones take tzinfo directly
    return localize(value) if localize else value.replace(tzinfo=timezone)


def _whole_number(text: str | None, maximum: int, reason: str) -> int:
    raw = (text or "").strip() or "0"
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:  # '²'.isdigit() is True; int('²') raises
        raise ReportError(reason)
    value = int(raw)
    if value > maximum:
        raise ReportError(reason)
    return value


def set_accommodation(link_id: int, user_id: int, values: AccommodationInput, by_user_id: int,
                      now: datetime) -> list[Attempt]:
    """Store (or clear, when everything is zero) the student's accommodation, and move the deadline
    of an attempt that runs right now. Returns the attempts whose deadline changed."""
    row = attempts.accommodation_for(link_id, user_id)
    empty = not values.extra_attempts and not values.extra_minutes and values.close_at is None
    if empty:
        if row is not None:
            db.session.delete(row)
    else:
        if row is None:
            row = Accommodation(resource_link_id=link_id, user_id=user_id)
            db.session.add(row)
        row.extra_attempts = values.extra_attempts
        row.extra_minutes = values.extra_minutes
        row.close_at = values.close_at
        row.updated_by = by_user_id
        row.updated_at = now
    changed = []
    running = db.session.scalars(
        select(Attempt).where(Attempt.resource_link_id == link_id, Attempt.user_id == user_id,
                              Attempt.status == IN_PROGRESS, Attempt.is_preview.is_(False))
    ).all()
    for attempt in running:
        settings = attempts.settings_of(attempt)
        deadline = policy.deadline_for(attempt.started_at, settings.time_limit_minutes, values.extra_minutes,
                                       values.close_at or settings.close_at)
        if deadline.at != attempt.deadline_at:
            attempt.deadline_at = deadline.at
            changed.append(attempt)
    db.session.flush()
    return changed
