"""Service functions the views and the CLI call (plain values in and out; the caller commits)."""
from __future__ import annotations

from sqlalchemy import select, union

from ..attempts.models import Attempt
from ..extensions import db
from ..signals import queue_work
from .models import GradeOutbox
from .outbox import enqueue_link_grade


def send_again(link_id: int, user_ids: list[int] | None = None) -> int:
    """Queue the current grade of the given students (default: everyone with attempts or rows on
    the link) again. Returns how many grades were queued; nothing goes over the network here."""
    if user_ids is None:
        people = union(
            select(Attempt.user_id).where(Attempt.resource_link_id == link_id, Attempt.is_preview.is_(False)),
            select(GradeOutbox.user_id).where(GradeOutbox.resource_link_id == link_id),
        )
        user_ids = sorted(db.session.scalars(people))
    queued = sum(1 for user_id in user_ids if enqueue_link_grade(link_id, user_id) is not None)
    if queued:
        queue_work("grade_sync")
    return queued
