"""A student's result on an activity as plain values: what `signals.attempt_graded` carries.

The grade comes from engine.activity_grade over the attempts taken while the activity sent grades
(exams; practice with grading on), never previews; the rest says where the student stands (an
attempt in progress, one awaiting the instructor) so that the grade sync can build the LMS's score
without reading attempts itself."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, bindparam, select

from ..courses.models import ResourceLink
from ..db_types import utcnow
from ..engine import GRADING_METHODS, ActivityGrade, activity_grade
from ..extensions import db
from ..signals import attempt_graded
from .models import AWAITING_GRADING, IN_PROGRESS, SUBMITTED, Attempt


@dataclass(frozen=True)
class ActivityResult:
    link_id: int
    user_id: int
    grade: ActivityGrade | None  # None while no graded attempt is fully graded
    method: str
    maximum: float  # the grade's maximum, else the latest graded attempt's (for a pending score)
    in_progress: bool
    awaiting: bool  # an attempt awaits the instructor's grading
    submitted_at: datetime | None
    at: datetime  # when the result was taken


def activity_result(link: ResourceLink, user_id: int, now: datetime | None = None) -> ActivityResult | None:
    """The student's result on `link`, or None when no graded attempt is finished."""
    from .services import counted_attempt

    attempts = list(db.session.scalars(_STUDENT_ATTEMPTS, {"ar_link": link.id, "ar_user": user_id}))
    graded = [a for a in attempts if (a.settings or {}).get("graded")]
    finished = [a for a in graded if a.status == SUBMITTED and a.fraction is not None]
    awaiting = [a for a in graded if a.status == AWAITING_GRADING]
    if not finished and not awaiting:
        return None
    method = grading_method(link, graded[-1])
    grade = activity_grade([counted_attempt(a) for a in finished], method)
    maximum = grade.maximum if grade else next((a.max_marks for a in reversed(graded) if a.max_marks), 0.0) or 1.0
    submitted = [a.submitted_at for a in graded if a.submitted_at is not None]
    return ActivityResult(
        link_id=link.id, user_id=user_id, grade=grade, method=method, maximum=maximum,
        in_progress=any(a.status == IN_PROGRESS for a in attempts), awaiting=bool(awaiting),
        submitted_at=max(submitted) if submitted else None, at=now or utcnow(),
    )


# The student's attempts on the activity by number, built once and run with values: every
# graded submission asks (building a statement and its cache key costs more than running it).
_STUDENT_ATTEMPTS = (
    select(Attempt)
    .where(Attempt.resource_link_id == bindparam("ar_link", type_=Integer),
           Attempt.user_id == bindparam("ar_user", type_=Integer), Attempt.is_preview.is_(False))
    .order_by(Attempt.number)
)


def grading_method(link: ResourceLink, latest: Attempt) -> str:
    """The link's grading method as the instructor set it now; the latest attempt's otherwise."""
    from .services import AttemptError, quiz_for_link

    try:
        method = quiz_for_link(link).settings.grading
    except AttemptError:
        method = (latest.settings or {}).get("grading", "highest")
    return method if method in GRADING_METHODS else "highest"


@dataclass(frozen=True)
class GradedAttempt:
    public_id: str
    user_id: int
    status: str
    marks: float | None
    fraction: float | None
    passed: bool | None


def announce_graded(attempt: Attempt) -> None:
    """Send `signals.attempt_graded` after `attempt` was graded (in the grading transaction): the
    attempt's outcome, and the student's activity result when the attempt counts for the LMS
    (not a preview, taken while the activity sent grades), else result=None."""
    outcome = GradedAttempt(attempt.public_id, attempt.user_id, attempt.status, attempt.marks, attempt.fraction,
                            attempt.passed)
    result = None
    if not attempt.is_preview and (attempt.settings or {}).get("graded"):
        link = db.session.get(ResourceLink, attempt.resource_link_id)
        result = activity_result(link, attempt.user_id) if link is not None else None
    attempt_graded.send("attempts", attempt=outcome, result=result)
