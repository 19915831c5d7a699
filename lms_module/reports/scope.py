"""What every report is limited to (the launch's course and resource link), who the reports list,
and the scoped look-ups of one student's attempts, an attempt or an answer named in a URL.
Only finished, non-preview attempts count (an instructor's preview never shows up).

The reports' reads are split by report (gradebook_queries, queue_queries, summary_queries,
item_queries, response_queries); none loads answers into Python objects: they are GROUP BY and
window-function queries whose results are one row per student or per question.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, false, func, literal, select, union

from ..attempts.models import AWAITING_GRADING, SUBMITTED, Answer, Attempt
from ..extensions import db
from ..courses.models import LaunchSession, Membership, User
from ..lti.roles import STUDENT

FINISHED = (SUBMITTED, AWAITING_GRADING)
EPS = 1e-9  # fractions are stored to four decimals; comparisons allow for float representation


@dataclass(frozen=True)
class Scope:
    """What every report query is limited to: the launch's course and resource link."""

    course_id: int | None
    link_id: int


def own_attempts(scope: Scope):
    return and_(Attempt.resource_link_id == scope.link_id, Attempt.is_preview.is_(false()))


def people(scope: Scope):
    """Everyone the reports list: the course's students from the roster, plus anyone who launched
    or attempted this activity (a roster can lag behind the launches)."""
    parts = [
        select(Attempt.user_id.label("user_id")).where(own_attempts(scope)),
        select(LaunchSession.user_id.label("user_id")).where(
            LaunchSession.resource_link_id == scope.link_id, LaunchSession.role == STUDENT
        ),
    ]
    if scope.course_id is not None:
        parts.append(
            select(Membership.user_id.label("user_id")).where(
                Membership.course_id == scope.course_id, Membership.role == STUDENT
            )
        )
    return union(*parts).subquery("people")


def is_listed(scope: Scope, user_id: int) -> bool:
    """Whether `user_id` is one of the students these reports may show (ids from URLs)."""
    people_q = people(scope)
    return db.session.scalar(select(func.count()).select_from(people_q).where(people_q.c.user_id == user_id)) > 0


def display_name(user: User | None) -> str:
    if user is None:
        return ""
    full = " ".join(part for part in (user.given_name, user.family_name) if part)
    return user.name or full or user.subject


def name_sql():
    full = func.trim(func.coalesce(User.given_name, "") + literal(" ") + func.coalesce(User.family_name, ""))
    return func.coalesce(func.nullif(User.name, ""), func.nullif(full, ""), User.subject)


def student_attempts(scope: Scope, user_id: int) -> list[Attempt]:
    return list(db.session.scalars(
        select(Attempt).where(own_attempts(scope), Attempt.user_id == user_id).order_by(Attempt.number)
    ))


def attempt_in_scope(scope: Scope, public_id: str) -> Attempt | None:
    return db.session.scalars(select(Attempt).where(own_attempts(scope), Attempt.public_id == public_id)).first()


def answer_in_scope(scope: Scope, answer_id: int) -> Answer | None:
    return db.session.scalars(
        select(Answer).join(Attempt, Attempt.id == Answer.attempt_id).where(own_attempts(scope), Answer.id == answer_id)
    ).first()
