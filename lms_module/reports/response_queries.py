"""The responses export: every answer of every finished attempt, streamed in batches."""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Text, cast, func, select

from ..attempts.models import Answer, Attempt
from ..extensions import db
from ..courses.models import User
from .scope import FINISHED, Scope, name_sql, own_attempts
from .sql import plain_plans

def response_rows(scope: Scope, batch: int = 5000) -> Iterator:
    """Every answer of every finished attempt, by student and attempt, streamed in batches. Rows
    are tuples in this order: user_id, name, subject, attempt_number, attempt_status, started_at,
    submitted_at, quiz_version_id, question_id, response (the stored JSON text), marks,
    manual_marks, max_marks, needs_manual, comment, answered_at, plan (the attempt's question order)."""
    plain_plans()
    name = name_sql().label("name")
    query = (
        select(Attempt.user_id, name, User.subject, Attempt.number.label("attempt_number"),
               Attempt.shown_status.label("attempt_status"), Attempt.started_at, Attempt.submitted_at,
               Attempt.quiz_version_id, Answer.question_id, cast(Answer.response, Text).label("response"),
               Answer.marks, Answer.manual_marks, Answer.max_marks, Answer.needs_manual,
               Answer.manual_comment.label("comment"), Answer.answered_at, Attempt.plan)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(User, User.id == Attempt.user_id)
        .where(own_attempts(scope), Attempt.status.in_(FINISHED))
        .order_by(func.lower(name), Attempt.user_id, Attempt.number, Answer.id)
    )
    # Core execution on the session's connection: a server-side cursor, no ORM row processing.
    result = db.session.connection().execution_options(stream_results=True).execute(query)
    for rows in result.partitions(batch):
        yield from rows
