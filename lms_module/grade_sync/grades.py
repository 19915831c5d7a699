"""What the LMS should hold for one student on one activity: the link's grade, as a score to send.

Rules (docs/grade-sync.md):
- only attempts taken while the activity was graded count (exams always; practice only when the
  instructor turned grading on); instructors' previews never count;
- the grade is the grading method applied to the fully graded attempts (engine.activity_grade);
  it is sent as the points and maximum marks the attempts hold (23 of 30 goes out as 23/30, never
  as a rounded fraction multiplied back); the LMS rescales to its column;
- while an essay waits for the instructor, the best grade so far goes out as FullyGraded (any
  other gradingProgress makes Moodle wipe the grade it holds); PendingManual only when there is
  no grade at all yet (the outbox checks whether the LMS may already hold one).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.numbers import format_decimal
from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import Integer, bindparam, select

from ..attempts.grades import ActivityResult
from ..courses.models import LaunchSession
from ..extensions import db
from ..lti import ags
from ..web.numbers import percent_value
from ..web.template_helpers import grading_label


@dataclass(frozen=True)
class PlannedGrade:
    score_given: float | None
    score_maximum: float
    activity_progress: str
    grading_progress: str
    comment: str
    submitted_at: datetime | None

    @property
    def fully_graded(self) -> bool:
        return self.grading_progress == ags.FULLY_GRADED


def plan_grade(result: ActivityResult) -> PlannedGrade:
    """The score the LMS should hold for the student's `result` (plain values from attempts/)."""
    if result.in_progress:
        activity = ags.IN_PROGRESS
    elif result.awaiting:
        activity = ags.SUBMITTED
    else:
        activity = ags.COMPLETED
    locale = _student_locale(result.user_id)
    grade, method = result.grade, result.method
    if grade is None:
        return PlannedGrade(None, result.maximum, ags.SUBMITTED, ags.PENDING_MANUAL,
                            _comment(locale, None, method, True), result.submitted_at)
    return PlannedGrade(
        score_given=grade.points,
        score_maximum=grade.maximum,
        activity_progress=activity,
        grading_progress=ags.FULLY_GRADED,
        comment=_comment(locale, grade.fraction, method, result.awaiting),
        submitted_at=result.submitted_at,
    )


def _student_locale(user_id: int) -> str:
    locale = db.session.scalar(_LATEST_LOCALE, {"locale_user": user_id})
    return locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "de")


# Built once and run with the user's id (every graded submission asks).
_LATEST_LOCALE = (
    select(LaunchSession.locale).where(LaunchSession.user_id == bindparam("locale_user", type_=Integer))
    .order_by(LaunchSession.created_at.desc()).limit(1)
)


def _comment(locale: str, fraction: float | None, method: str, awaiting: bool) -> str:
    """The short note the LMS shows as feedback, in the student's language."""
    with force_locale(locale):
        if fraction is None:
            return _("Awaiting grading by the instructor.")
        percent = format_decimal(percent_value(fraction), format="#,##0.#", locale=locale)
        text = _("Kontor: %(percent)s %% (%(method)s).", percent=percent, method=str(grading_label(method)))
        if awaiting:
            text += " " + _("Another attempt awaits grading by the instructor.")
        return text
