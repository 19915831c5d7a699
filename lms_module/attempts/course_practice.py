"""Practice attempts that belong to a course rather than to one of its activities: the
"practise my weak spots" quiz of the student's progress page.

Storage (docs/reports.md, "Practise my weak spots"): every course gets one activity row of its own,
a resource link with the link id `kontor-practice:<course id>` that no LMS placed. Such a link has
no gradebook column (no line item), so nothing on it is ever sent to the LMS; its attempts are
practice attempts with grading off, so they never enter a grade either. Because the attempts live
on their own link, they neither use up an activity's attempts nor appear in an activity's reports,
and the normal attempt pages (questions, checking, summary, result) serve them under any launch of
the course. The quiz each attempt takes is a generated quiz version owned by the course
(library/models.Quiz with origin "generated"), which the quiz pickers never list.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..courses.models import Course, ResourceLink
from ..engine import plan_attempt
from ..extensions import db
from ..library.models import QuizVersion
from . import policy
from .models import IN_PROGRESS, Attempt
from .services import AttemptError, _lock_starts, content_for

PRACTICE_LINK_PREFIX = "kontor-practice:"

# A generated practice quiz: practice with immediate feedback, never graded, never sent.
PRACTICE_SETTINGS = policy.EffectiveSettings(
    mode="practice", attempts=0, grading="highest", time_limit_minutes=None, pass_mark=0.5,
    shuffle_questions=False, shuffle_options=True, feedback="immediate", questions_per_attempt=None,
    layout="one_per_page", graded=False, close_at=None,
)


def practice_link_id(course_id: int) -> str:
    return f"{PRACTICE_LINK_PREFIX}{course_id}"


def is_practice_link(link: ResourceLink) -> bool:
    return link.link_id.startswith(PRACTICE_LINK_PREFIX)


def find_practice_link(course_id: int) -> ResourceLink | None:
    return db.session.scalars(
        select(ResourceLink).where(ResourceLink.course_id == course_id,
                                   ResourceLink.link_id == practice_link_id(course_id))
    ).first()


def practice_link(course_id: int) -> ResourceLink:
    """The course's own practice link, created on first use (a parallel first use takes the other's)."""
    link = find_practice_link(course_id)
    if link is not None:
        return link
    course = db.session.get(Course, course_id)
    if course is None:
        raise AttemptError("unknown_course")
    try:
        with db.session.begin_nested():
            link = ResourceLink(platform_id=course.platform_id, deployment_id=course.deployment_id,
                                course_id=course.id, link_id=practice_link_id(course.id), title="", custom={},
                                ags_scopes=[])
            db.session.add(link)
    except IntegrityError:
        link = find_practice_link(course_id)
        if link is None:
            raise AttemptError("conflict") from None
    return link


def practice_attempt_of(public_id: str, user_id: int, course_id: int | None) -> Attempt | None:
    """The user's own attempt on the course's practice link (others' ids look unknown)."""
    if course_id is None:
        return None
    return db.session.scalars(
        select(Attempt)
        .join(ResourceLink, ResourceLink.id == Attempt.resource_link_id)
        .where(Attempt.public_id == public_id, Attempt.user_id == user_id, ResourceLink.course_id == course_id,
               ResourceLink.link_id == practice_link_id(course_id))
    ).first()


def start_practice_attempt(course_id: int, user_id: int, version: QuizVersion, now: datetime) -> Attempt:
    """A new ungraded practice attempt on the generated `version`, numbered under the start lock."""
    link = practice_link(course_id)
    _lock_starts(link.id, user_id, now)
    number = 1 + (db.session.scalar(
        select(func.max(Attempt.number)).where(Attempt.resource_link_id == link.id, Attempt.user_id == user_id)
    ) or 0)
    attempt = Attempt(
        public_id=secrets.token_urlsafe(16), resource_link_id=link.id, user_id=user_id, quiz_version_id=version.id,
        number=number, seed=secrets.randbits(63), plan=[], settings=PRACTICE_SETTINGS.to_json(), status=IN_PROGRESS,
        is_preview=False, started_at=now, deadline_at=None,
    )
    content = content_for(attempt)
    attempt.plan = [p.to_dict() for p in plan_attempt(content, attempt.seed, False, True, None)]
    db.session.add(attempt)
    db.session.flush()
    return attempt
