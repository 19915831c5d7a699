"""The manual grading queue: answers awaiting an instructor's marks, oldest submission first."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..attempts.models import AWAITING_GRADING, Answer, Attempt
from ..extensions import db
from ..courses.models import User
from .scope import Scope, name_sql, own_attempts

@dataclass(frozen=True)
class QueueEntry:
    answer_id: int
    attempt_public_id: str
    attempt_number: int
    user_id: int
    name: str
    question_id: str
    submitted_at: datetime | None
    quiz_version_id: int


def grading_queue(scope: Scope, limit: int | None = None) -> list[QueueEntry]:
    """Essay answers waiting for the instructor, oldest submission first."""
    query = (
        select(Answer.id, Attempt.public_id, Attempt.number, Attempt.user_id, name_sql().label("name"),
               Answer.question_id, Attempt.submitted_at, Attempt.quiz_version_id)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(User, User.id == Attempt.user_id)
        .where(own_attempts(scope), Attempt.status == AWAITING_GRADING, Answer.needs_manual.is_(True),
               Answer.manual_marks.is_(None))
        .order_by(Attempt.submitted_at, Answer.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [QueueEntry(*row) for row in db.session.execute(query)]


def queue_length(scope: Scope) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Answer).join(Attempt, Attempt.id == Answer.attempt_id).where(
            own_attempts(scope), Attempt.status == AWAITING_GRADING, Answer.needs_manual.is_(True),
            Answer.manual_marks.is_(None),
        )
    )
