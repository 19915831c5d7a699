"""Each student's grade delivery state on one activity, for the instructor's page."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select, union

from ..attempts.models import AWAITING_GRADING, SUBMITTED, Attempt
from ..extensions import db
from ..lti import ags
from ..courses.models import User
from .models import FAILED, PENDING, SENDING, SENT, SUPERSEDED, GradeOutbox

# What the table shows: sent, pending (also while being sent or waiting for a retry), failed,
# not_accepted (failed for good: the LMS refuses a grade for this person, e.g. Canvas's 422 for
# someone who is not an active student), or not_sent (nothing to send yet: practice attempts, or
# no finished attempt).
SHOWN = {SENT: "sent", PENDING: "pending", SENDING: "pending", FAILED: "failed"}


@dataclass(frozen=True)
class SyncState:
    user_id: int
    name: str
    state: str  # "sent" | "pending" | "failed" | "not_accepted" | "not_sent"
    at: datetime | None  # sent: when; pending: next try; failed: when it was given up
    reason: str | None  # failed: the LMS's answer; pending after a failed try: why it is retried
    tries: int
    score_given: float | None
    score_maximum: float | None
    grading_progress: str | None
    # A finished attempt (submitted, or awaiting grading): a grade "send again" can queue, also
    # when none was ever queued (the link had no grade service in the LMS when it was submitted).
    finished: bool = False

    @property
    def sendable(self) -> bool:
        """Whether "Send again" has something to queue (an attempt in progress alone has not)."""
        return self.state != "not_sent" or self.finished


def sync_states(link_id: int) -> list[SyncState]:
    """One entry per student who attempted the activity or has a grade row for it, by name."""
    people = union(
        select(Attempt.user_id.label("user_id")).where(Attempt.resource_link_id == link_id,
                                                       Attempt.is_preview.is_(False)),
        select(GradeOutbox.user_id.label("user_id")).where(GradeOutbox.resource_link_id == link_id),
    ).subquery("people")
    latest = (
        select(GradeOutbox.user_id, func.max(GradeOutbox.id).label("row_id"))
        .where(GradeOutbox.resource_link_id == link_id, GradeOutbox.status != SUPERSEDED)
        .group_by(GradeOutbox.user_id)
        .subquery("latest")
    )
    rows = db.session.execute(
        select(User, GradeOutbox)
        .join(people, people.c.user_id == User.id)
        .outerjoin(latest, latest.c.user_id == User.id)
        .outerjoin(GradeOutbox, GradeOutbox.id == latest.c.row_id)
    ).all()
    finished = set(db.session.scalars(
        select(Attempt.user_id).distinct().where(Attempt.resource_link_id == link_id, Attempt.is_preview.is_(False),
                                                 Attempt.status.in_((SUBMITTED, AWAITING_GRADING)))
    ))
    states = [replace(_state(user, row), finished=user.id in finished) for user, row in rows]
    return sorted(states, key=lambda s: (s.name.casefold(), s.user_id))


def _state(user: User, row: GradeOutbox | None) -> SyncState:
    name = user.name or " ".join(p for p in (user.given_name, user.family_name) if p) or user.subject
    if row is None:
        return SyncState(user.id, name, "not_sent", None, None, 0, None, None, None)
    state = SHOWN.get(row.status, "pending")
    # Sent: when it arrived. Pending: when it is (re)tried. Failed: when it was last tried.
    at = row.sent_at if state == "sent" else row.next_attempt_at
    reason = row.last_error
    if state == "failed" and reason and reason.startswith(ags.NOT_ACCEPTED_PREFIX):
        state, reason = "not_accepted", reason[len(ags.NOT_ACCEPTED_PREFIX):]
    return SyncState(user.id, name, state, at, reason, row.tries, row.score_given, row.score_maximum,
                     row.grading_progress)


def listed_user(link_id: int, user_id: int) -> bool:
    """Whether `user_id` appears in the link's sync table (ids from URLs are checked against it)."""
    attempted = select(Attempt.id).where(Attempt.resource_link_id == link_id, Attempt.user_id == user_id,
                                         Attempt.is_preview.is_(False)).limit(1)
    queued = select(GradeOutbox.id).where(GradeOutbox.resource_link_id == link_id,
                                          GradeOutbox.user_id == user_id).limit(1)
    return db.session.scalar(attempted) is not None or db.session.scalar(queued) is not None
