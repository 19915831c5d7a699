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
from sqlalchemy import select

from ..attempts.models import AWAITING_GRADING, IN_PROGRESS, SUBMITTED, Attempt
from ..attempts.services import counted_attempt
from ..engine import GRADING_METHODS, activity_grade
from ..extensions import db
from ..lti import ags
from ..lti.models import LaunchSession, ResourceLink
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


def plan_grade(link: ResourceLink, user_id: int) -> PlannedGrade | None:
    """The score for `user_id` on `link` now, or None when nothing is to be sent."""
    attempts = list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.resource_link_id == link.id, Attempt.user_id == user_id, Attempt.is_preview.is_(False))
            .order_by(Attempt.number)
        )
    )
    graded = [a for a in attempts if (a.settings or {}).get("graded")]
    if not graded:
        return None
    finished = [a for a in graded if a.status == SUBMITTED and a.fraction is not None]
    awaiting = [a for a in graded if a.status == AWAITING_GRADING]
    if not finished and not awaiting:
        return None
    method = grading_method(link, graded[-1])
    grade = activity_grade([counted_attempt(a) for a in finished], method)
    maximum = grade.maximum if grade else next((a.max_marks for a in reversed(graded) if a.max_marks), 0.0) or 1.0
    if any(a.status == IN_PROGRESS for a in attempts):
        activity = ags.IN_PROGRESS
    elif awaiting:
        activity = ags.SUBMITTED
    else:
        activity = ags.COMPLETED
    submitted = [a.submitted_at for a in graded if a.submitted_at is not None]
    locale = _student_locale(user_id)
    if grade is None:
        return PlannedGrade(None, maximum, ags.SUBMITTED, ags.PENDING_MANUAL, _comment(locale, None, method, True),
                            max(submitted) if submitted else None)
    return PlannedGrade(
        score_given=grade.points,
        score_maximum=grade.maximum,
        activity_progress=activity,
        grading_progress=ags.FULLY_GRADED,
        comment=_comment(locale, grade.fraction, method, bool(awaiting)),
        submitted_at=max(submitted) if submitted else None,
    )


def grading_method(link: ResourceLink, latest: Attempt) -> str:
    """The link's grading method as the instructor set it now; the latest attempt's otherwise."""
    from ..attempts.services import AttemptError, quiz_for_link

    try:
        method = quiz_for_link(link).settings.grading
    except AttemptError:
        method = (latest.settings or {}).get("grading", "highest")
    return method if method in GRADING_METHODS else "highest"


def _student_locale(user_id: int) -> str:
    locale = db.session.scalar(
        select(LaunchSession.locale).where(LaunchSession.user_id == user_id).order_by(LaunchSession.created_at.desc()).limit(1)
    )
    return locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "de")


def _comment(locale: str, fraction: float | None, method: str, awaiting: bool) -> str:
    """The short note the LMS shows as feedback, in the student's language."""
    with force_locale(locale):
        if fraction is None:
            return _("Awaiting grading by the instructor.")
        percent = format_decimal(round(fraction * 100, 1), format="#,##0.#", locale=locale)
        text = _("Kontor: %(percent)s %% (%(method)s).", percent=percent, method=str(grading_label(method)))
        if awaiting:
            text += " " + _("Another attempt awaits grading by the instructor.")
        return text
