"""The grade outbox: rows written with the result, claimed by workers, never lost.

States: pending → sending (claimed by one worker until claimed_until) → sent | failed, or back to
pending (retry later, or "not before" the next whole second). A pending or failed row becomes
superseded when a newer grade for the same student and activity is queued; a claimed row that
finds a newer grade behind it supersedes itself instead of sending.

Claiming: a compare-and-set UPDATE decides (on SQLite, one writer at a time, per row); on
PostgreSQL the candidates are first locked with `SELECT … FOR UPDATE SKIP LOCKED`. Either way a
row is only claimable when no other row for the same student and activity is being sent under a
live claim, so one student's grades leave in order.
A worker that dies leaves its claims behind; they expire and another worker takes the rows over.
"""
from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import ARRAY, BigInteger, Integer, String, and_, any_, bindparam, cast, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from ..attempts.grades import ActivityResult, activity_result
from ..db_types import utcnow
from ..extensions import db
from ..lti import ags
from ..courses.models import ResourceLink
from .grades import PlannedGrade, plan_grade
from .models import FAILED, PENDING, SENDING, SENT, SUPERSEDED, GradeOutbox

log = logging.getLogger("kontor.grade_sync")

STATES = (PENDING, SENDING, SENT, FAILED, SUPERSEDED)
# The smallest step between two grades of one student, so that graded_at orders them strictly.
TICK = timedelta(microseconds=1)


# --- writing rows (inside the transaction that produced the grade) ----------------------------------


def link_has_grade_service(link: ResourceLink) -> bool:
    return bool(link.lineitem_url or link.lineitems_url) and (
        not link.ags_scopes or ags.SCOPE_SCORE in link.ags_scopes
    )


def enqueue_link_grade(link_id: int, user_id: int, now: datetime | None = None) -> GradeOutbox | None:
    """Queue what the LMS should hold for the student now (also when it did not change): "send
    again" and the like, which ask attempts/ for the result themselves."""
    link = db.session.get(ResourceLink, link_id)
    if link is None or not link_has_grade_service(link):
        return None
    result = activity_result(link, user_id)
    return enqueue_result(result, now, link=link) if result is not None else None


def enqueue_result(result: ActivityResult, now: datetime | None = None, *, link: ResourceLink | None = None
                   ) -> GradeOutbox | None:
    """Queue the score for a result announced by attempts/ (signals.attempt_graded)."""
    link_id, user_id = result.link_id, result.user_id
    link = link or db.session.get(ResourceLink, link_id)
    if link is None or not link_has_grade_service(link):
        return None
    planned = plan_grade(result)
    if not planned.fully_graded and lms_may_hold_grade(link_id, user_id):
        # PendingManual would wipe the grade the LMS holds; the final grade follows the manual grading.
        log.info("grade of user %s on link %s awaits grading; the LMS keeps its grade", user_id, link_id)
        return None
    return queue_score(link_id, user_id, planned, now)


def queue_score(link_id: int, user_id: int, planned: PlannedGrade, now: datetime | None = None) -> GradeOutbox:
    """Add a row for `planned` and supersede the older rows that have not gone out."""
    now = now or utcnow()
    student = {"q_link": link_id, "q_user": user_id}
    latest = db.session.scalar(_LATEST_GRADED_AT, student)
    graded_at = max(now, latest + TICK) if latest is not None else now
    db.session.execute(_SUPERSEDE_OLDER, {**student, "q_graded_at": graded_at})
    row = GradeOutbox(
        resource_link_id=link_id,
        user_id=user_id,
        score_given=planned.score_given,
        score_maximum=planned.score_maximum,
        activity_progress=planned.activity_progress,
        grading_progress=planned.grading_progress,
        comment=planned.comment[:1000],
        graded_at=graded_at,
        submitted_at=planned.submitted_at,
        status=PENDING,
        tries=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row


# queue_score's two statements, built once and run with values (every graded submission runs them),
# on the table: the same SQL, without the ORM's bulk layer that an UPDATE on the mapped class runs
# through (and builds a new cache key in) on every execution.
_OUTBOX = GradeOutbox.__table__
_ROWS_OF_STUDENT = (_OUTBOX.c.resource_link_id == bindparam("q_link", type_=Integer),
                    _OUTBOX.c.user_id == bindparam("q_user", type_=Integer))
_LATEST_GRADED_AT = select(func.max(_OUTBOX.c.graded_at)).where(*_ROWS_OF_STUDENT)
_SUPERSEDE_OLDER = (
    update(_OUTBOX)
    .where(
        *_ROWS_OF_STUDENT,
        _OUTBOX.c.status.in_((PENDING, FAILED)),
        _OUTBOX.c.graded_at < bindparam("q_graded_at", type_=_OUTBOX.c.graded_at.type),
    )
    .values(status=SUPERSEDED, claimed_by=None, claimed_until=None)
)


def lms_may_hold_grade(link_id: int, user_id: int) -> bool:
    """Whether a FullyGraded score for the student may have reached the LMS."""
    return bool(
        db.session.scalar(
            select(GradeOutbox.id)
            .where(
                GradeOutbox.resource_link_id == link_id,
                GradeOutbox.user_id == user_id,
                GradeOutbox.grading_progress == ags.FULLY_GRADED,
                or_(GradeOutbox.status.in_((SENT, SENDING)), GradeOutbox.last_sent_timestamp.is_not(None)),
            )
            .limit(1)
        )
    )


# --- claiming ----------------------------------------------------------------------------------------


def _due_kinds(now: datetime) -> tuple:
    """The two kinds of due row: pending and due, or claimed by a worker whose claim expired."""
    return (and_(GradeOutbox.status == PENDING, GradeOutbox.next_attempt_at <= now),
            and_(GradeOutbox.status == SENDING, GradeOutbox.claimed_until < now))


def _due(now: datetime):
    return or_(*_due_kinds(now))


# Another row of the same student and activity (built once: building an alias per claim is slow).
_OTHER = aliased(GradeOutbox, name="other")


def _no_live_sibling(now: datetime):
    other = _OTHER
    return ~exists().where(
        other.resource_link_id == GradeOutbox.resource_link_id,
        other.user_id == GradeOutbox.user_id,
        other.id != GradeOutbox.id,
        other.status == SENDING,
        other.claimed_until >= now,
    )


# The claim's statements, built once and run with bound values (building the compare-and-set
# UPDATE with its sibling subquery cost more CPU per claim than running it).
_MOMENT = GradeOutbox.__table__.c.next_attempt_at.type
_IDS = ARRAY(Integer)
_CLAIM = (
    update(GradeOutbox)
    .where(_due(bindparam("c_now", type_=_MOMENT)), _no_live_sibling(bindparam("c_now", type_=_MOMENT)))
    .values(status=SENDING, claimed_by=bindparam("c_worker", type_=String),
            claimed_until=bindparam("c_until", type_=_MOMENT))
    .execution_options(synchronize_session=False)
)
_CLAIM_ROW = _CLAIM.where(GradeOutbox.id == bindparam("c_id", type_=Integer))  # SQLite, row by row
# PostgreSQL, the batch at once. The ids go as one array: psycopg caches a query's conversion only
# up to 50 parameters, and 50 ids, one parameter each, cost 0.8 ms of CPU per statement to convert.
_CLAIM_ROWS = _CLAIM.where(GradeOutbox.id == any_(bindparam("c_ids", type_=_IDS))).returning(GradeOutbox.id)
# Per candidate, its student's lock on the activity, held until the claim commits (`try`: a claim
# never waits for another). A key of PostgreSQL's one-bigint advisory keys, which Kontor uses for
# nothing else (its named locks, in line_items, roster.sync and lti.tokens, take two int4 keys): link id * 2^32 +
# user id, both int4, so no two students share one. Evaluated in the select list, so only for the
# rows the WHERE picked (a filter could be evaluated first, on every row a scan reads).
_STUDENT_LOCKS = (
    select(GradeOutbox.id, func.pg_try_advisory_xact_lock(
        cast(GradeOutbox.resource_link_id, BigInteger) * 2**32 + GradeOutbox.user_id))
    .where(GradeOutbox.id == any_(bindparam("c_ids", type_=_IDS)))
)


def claim_due(worker_id: str, now: datetime, limit: int, lease: timedelta) -> list[int]:
    """Claim up to `limit` due rows for `worker_id`, oldest due first, and commit the claim.

    The claim is decided by a compare-and-set UPDATE (still due, no live sibling), judged on the
    newest committed state. On PostgreSQL the candidates are locked first (`FOR UPDATE SKIP
    LOCKED`: a row another worker is claiming right now is skipped, not waited for), and that
    lock alone does not decide: the walk judges "no live sibling" on its statement's snapshot, so
    a walk that stalled while another worker claimed a sibling would lock the row all the same
    (PostgreSQL rechecks only a row that itself changed). The UPDATE is a new statement with a
    new snapshot, taken while the candidates are locked, so it sees that claim.

    A compare-and-set of one row cannot see another claim that is deciding at the same moment:
    two workers that had each locked one of a student's two due rows (an expired claim and the
    newer grade behind it) would each judge the other's row unclaimed and both win. So on
    PostgreSQL the claim first takes its candidates' student locks (_STUDENT_LOCKS) and leaves out
    the rows whose lock another claim holds; a claim that gets a lock only after the holder
    committed runs its UPDATE later, on a snapshot that sees the holder's claim."""
    values = {"c_now": now, "c_worker": worker_id, "c_until": now + lease}
    if db.engine.dialect.name == "postgresql":
        ids = _lock_candidates(now, limit)
        if ids:
            ids = [row_id for row_id, got in db.session.execute(_STUDENT_LOCKS, {"c_ids": ids}) if got]
        if ids:
            won = set(db.session.scalars(_CLAIM_ROWS, {**values, "c_ids": ids}))
            ids = [row_id for row_id in ids if row_id in won]
    else:
        ids = []
        # Workers that read the same candidates race for them; the losers read again.
        while not ids:
            candidates = list(
                db.session.scalars(
                    select(GradeOutbox.id)
                    .where(_due(now), _no_live_sibling(now))
                    .order_by(GradeOutbox.next_attempt_at, GradeOutbox.id)
                    .limit(limit)
                )
            )
            if not candidates:
                break
            for row_id in candidates:
                if db.session.execute(_CLAIM_ROW, {**values, "c_id": row_id}).rowcount == 1:
                    ids.append(row_id)
            db.session.commit()
    db.session.commit()
    return ids


def _lock_candidates(now: datetime, limit: int) -> list[int]:
    """PostgreSQL: lock up to `limit` due rows nobody else has locked, oldest due first (not
    committed; the claim's UPDATE decides which of them are taken)."""
    # One walk along ix_grade_outbox_due per kind of due row, each stopping after `limit` rows it
    # could lock: one query with the OR read and sorted every due row for every batch (10,000 rows
    # due at once: 5-15 ms of database CPU per claim). The two are merged in the same order; rows
    # locked beyond `limit` are let go at the commit, unclaimed.
    found = []
    for kind in _due_kinds(now):
        found += db.session.execute(
            select(GradeOutbox.next_attempt_at, GradeOutbox.id)
            .where(kind, _no_live_sibling(now))
            .order_by(GradeOutbox.next_attempt_at, GradeOutbox.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=GradeOutbox)
        ).all()
    return [row_id for _, row_id in sorted(found)[:limit]]


def release(row_ids: list[int], worker_id: str) -> int:
    """Give claimed rows back untouched (a worker that stops before it got to them)."""
    if not row_ids:
        return 0
    result = db.session.execute(
        update(GradeOutbox)
        .where(GradeOutbox.id.in_(row_ids), GradeOutbox.status == SENDING, GradeOutbox.claimed_by == worker_id)
        .values(status=PENDING, claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


def next_due_at() -> datetime | None:
    """When the next pending row is due (for a worker deciding how long to sleep)."""
    return db.session.scalar(select(func.min(GradeOutbox.next_attempt_at)).where(GradeOutbox.status == PENDING))


# --- operators: counts and retries -------------------------------------------------------------------


def counts() -> dict[str, int]:
    found = Counter(dict(db.session.execute(select(GradeOutbox.status, func.count()).group_by(GradeOutbox.status)).all()))
    return {state: int(found.get(state, 0)) for state in STATES}


def retry_now(include_failed: bool = False, now: datetime | None = None, link_id: int | None = None) -> int:
    """Make pending rows due now (and failed ones pending again, with fresh tries)."""
    now = now or utcnow()
    scope = [] if link_id is None else [GradeOutbox.resource_link_id == link_id]
    changed = db.session.execute(
        update(GradeOutbox)
        .where(GradeOutbox.status == PENDING, *scope)
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if include_failed:
        changed += db.session.execute(
            update(GradeOutbox)
            .where(GradeOutbox.status == FAILED, *scope)
            .values(status=PENDING, tries=0, next_attempt_at=now, claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        ).rowcount
    db.session.flush()
    return changed
