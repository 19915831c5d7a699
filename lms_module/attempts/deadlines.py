"""The deadline of attempts that run right now, moved when what fixed it at the start changes: the
activity's closing date (the settings page) or a student's accommodation (extra minutes, own closing
date). One rule for both, the start's: attempts.policy.deadline_for from the attempt's start and the
time limit it started with, the student's extra minutes and their closing date (close_at_for).
Plain values in; the views commit. The deadline sweep (services.sweep_overdue) then submits what is
overdue."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, bindparam, select, update

from ..extensions import db
from . import policy
from .models import IN_PROGRESS, Accommodation, Attempt

BATCH = 500  # rows read and written per round trip: a course with thousands of running attempts


def move_running_deadlines(link_id: int, activity_close_at: datetime | None, now: datetime, *,
                           user_id: int | None = None) -> int:
    """Give every running, non-preview attempt of the activity (only `user_id`'s when given) the
    deadline the rule gives it now, each student with their own accommodation; a deadline moved
    into the past becomes `now` (policy.moved_deadline: the grace runs from the change, nothing in
    flight is lost). The time limit stays the one the attempt started with (its settings).

    Bounded: one query reads the running attempts with their student's accommodation (a few
    columns, BATCH rows at a time), the new deadlines are computed here, and one statement per
    BATCH writes them, only while the attempt is still in progress (one submitted meanwhile is left
    as it is). Attempt objects already loaded in the session are not refreshed. Returns how many
    attempts got a new deadline."""
    query = (
        select(Attempt.id, Attempt.started_at, Attempt.settings, Attempt.deadline_at,
               Accommodation.extra_minutes, Accommodation.close_at)
        .outerjoin(Accommodation, (Accommodation.resource_link_id == Attempt.resource_link_id)
                   & (Accommodation.user_id == Attempt.user_id))
        .where(Attempt.resource_link_id == link_id, Attempt.status == IN_PROGRESS, Attempt.is_preview.is_(False))
        .order_by(Attempt.id)
    )
    if user_id is not None:
        query = query.where(Attempt.user_id == user_id)
    changes = []
    for row in db.session.execute(query.execution_options(yield_per=BATCH)):
        rule = policy.deadline_for(row.started_at, (row.settings or {}).get("time_limit_minutes"),
                                   row.extra_minutes or 0, policy.close_at_for(row.close_at, activity_close_at))
        moved = policy.moved_deadline(row.deadline_at, rule.at, now)
        if moved != row.deadline_at:
            changes.append({"m_id": row.id, "m_deadline": moved})
    for start in range(0, len(changes), BATCH):
        db.session.execute(_MOVE, changes[start:start + BATCH])
    return len(changes)


_MOVE = (
    update(Attempt.__table__)
    .where(Attempt.__table__.c.id == bindparam("m_id", type_=Integer), Attempt.__table__.c.status == IN_PROGRESS)
    .values(deadline_at=bindparam("m_deadline", type_=Attempt.__table__.c.deadline_at.type))
)
