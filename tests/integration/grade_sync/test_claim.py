"""Claiming: the oldest due rows first, pending ones and those whose claim expired in one order;
rows a claim looked at but did not take stay claimable (runs on SQLite and on PostgreSQL); on
PostgreSQL, a claim that stalls never takes a row while another worker holds its sibling."""
import threading
import time
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import and_, select, text

from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.grade_sync import outbox
from lms_module.grade_sync.grades import PlannedGrade
from lms_module.grade_sync.models import PENDING, SENDING, GradeOutbox
from lms_module.grade_sync.outbox import claim_due, queue_score
from support import sql_statements
from support.databases import backend


def test_a_claim_takes_the_oldest_due_rows_of_both_kinds_in_one_order(rig):
    members = rig.lms.add_members(6)
    link_id = rig.launch("4").link_id
    now = utcnow()
    # name: (status, next_attempt_at, claimed_until)
    plan = {
        "old": (PENDING, now - timedelta(seconds=10), None),
        "expired": (SENDING, now - timedelta(seconds=8), now - timedelta(seconds=1)),  # a dead worker's claim
        "tie-a": (PENDING, now - timedelta(seconds=5), None),
        "tie-b": (PENDING, now - timedelta(seconds=5), None),  # same moment, larger id
        "live": (SENDING, now - timedelta(seconds=20), now + timedelta(minutes=5)),  # another worker has it
        "later": (PENDING, now + timedelta(seconds=30), None),  # not due yet
    }
    ids = {}
    with rig.app.app_context():
        for (_, row), (name, (status, due, until)) in zip(rig.queue_scores(members, link_id, now=now), plan.items()):
            row.status, row.next_attempt_at, row.claimed_until = status, due, until
            row.claimed_by = "someone-else" if status == SENDING else None
            ids[name] = row.id
        db.session.commit()
        assert ids["tie-a"] < ids["tie-b"]

        first = claim_due("w1", now, 3, timedelta(minutes=5))
        assert first == [ids["old"], ids["expired"], ids["tie-a"]]
        # tie-b was due too: not taken by the first claim, it is the second claim's.
        second = claim_due("w2", now, 10, timedelta(minutes=5))
        assert second == [ids["tie-b"]]
        assert claim_due("w3", now, 10, timedelta(minutes=5)) == []

        rows = {row.id: row for row in db.session.scalars(select(GradeOutbox))}
        for name, worker in (("old", "w1"), ("expired", "w1"), ("tie-a", "w1"), ("tie-b", "w2")):
            assert (rows[ids[name]].status, rows[ids[name]].claimed_by) == (SENDING, worker)
        assert (rows[ids["live"]].status, rows[ids["live"]].claimed_by) == (SENDING, "someone-else")
        assert rows[ids["later"]].status == PENDING
        db.session.remove()


@pytest.mark.skipif(backend() != "postgresql", reason="the statements of PostgreSQL's claim")
def test_a_claim_on_postgresql_is_four_statements(rig):
    """Two walks of the due index (pending rows, expired claims), the candidates' student locks
    and the compare-and-set UPDATE, however many rows it takes (the decision costs one statement
    more than the plain UPDATE of the SKIP LOCKED claim before it)."""
    members = rig.lms.add_members(30)
    link_id = rig.launch("4").link_id
    now = utcnow()
    with rig.app.app_context():
        rig.queue_scores(members, link_id, now=now)
        db.session.commit()
        with sql_statements.statements(rig.app, without_pings=True) as seen:
            claimed = claim_due("w1", now, 20, timedelta(minutes=5))
        db.session.remove()
    assert len(claimed) == 20
    assert [statement.split()[0] for statement in seen] == ["SELECT", "SELECT", "SELECT", "UPDATE"]


PAUSE_LOCK = 0x4B4F4753  # an advisory lock key of these tests only
LEASE = timedelta(minutes=5)


def _older_grade_taken_over_and_newer_one(rig, now) -> tuple[int, int]:
    """Sam's older grade, claimed by a worker that died while sending it (the claim has expired),
    and his newer grade queued behind it: both due, and no two workers may hold them at once."""
    sam = rig.launch("4")
    with rig.app.app_context():
        older = queue_score(sam.link_id, sam.user_id, PlannedGrade(1.0, 4.0, "Completed", "FullyGraded", "", None),
                            now - timedelta(seconds=20))
        older.status, older.claimed_by, older.claimed_until = SENDING, "dead-worker", now - timedelta(seconds=1)
        db.session.flush()
        newer = queue_score(sam.link_id, sam.user_id, PlannedGrade(4.0, 4.0, "Completed", "FullyGraded", "", None),
                            now - timedelta(seconds=10))
        ids = older.id, newer.id
        db.session.commit()
        db.session.remove()
    return ids


def _stall(predicate, stalled_thread: str):
    """`predicate` that, in the thread `stalled_thread` only, waits for PAUSE_LOCK (which the test
    holds) while a statement that uses it runs, after the statement took its snapshot."""
    def stalling(now):
        if threading.current_thread().name != stalled_thread:
            return predicate(now)
        return and_(predicate(now), text(f"pg_advisory_xact_lock_shared({PAUSE_LOCK}) IS NOT NULL"))
    return stalling


def _claim_in_thread(rig, name: str, now, claimed: dict) -> threading.Thread:
    def claim():
        with rig.app.app_context():
            try:
                claimed[name] = claim_due(name, now, 10, LEASE)
            finally:
                db.session.remove()
    thread = threading.Thread(target=claim, name=name)
    thread.start()
    return thread


def _wait_until_paused(pause) -> None:
    deadline = time.monotonic() + 20
    while not pause.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                            "AND objid = %s", (PAUSE_LOCK,)).fetchone()[0]:
        assert time.monotonic() < deadline, "the stalled claim never reached the pause"
        time.sleep(0.01)


@pytest.mark.skipif(backend() != "postgresql",
                    reason="PostgreSQL's SELECT … FOR UPDATE judges other rows on the statement's snapshot")
def test_a_claim_that_stalled_does_not_take_a_row_whose_sibling_went_out_meanwhile(rig, monkeypatch, database_url):
    """The late worker's walk (`SELECT … FOR UPDATE SKIP LOCKED`) took its snapshot, then stalled
    (here: on an advisory lock the test holds) while another worker took over Sam's older grade.
    The walk still judged "no live sibling" on its old snapshot and locked the newer grade, which
    was then claimed: two of Sam's grades in flight at once, with two workers."""
    now = utcnow()
    older, newer = _older_grade_taken_over_and_newer_one(rig, now)
    monkeypatch.setattr(outbox, "_no_live_sibling", _stall(outbox._no_live_sibling, "late-worker"))
    claimed = {}
    with psycopg.connect(database_url, autocommit=True) as pause:
        pause.execute("SELECT pg_advisory_lock(%s)", (PAUSE_LOCK,))
        late = _claim_in_thread(rig, "late-worker", now, claimed)
        _wait_until_paused(pause)
        with rig.app.app_context():
            claimed["other-worker"] = claim_due("other-worker", now, 1, LEASE)  # the oldest due row
            db.session.remove()
        pause.execute("SELECT pg_advisory_unlock(%s)", (PAUSE_LOCK,))
        late.join(20)
    assert claimed == {"other-worker": [older], "late-worker": []}
    with rig.app.app_context():
        assert db.session.get(GradeOutbox, newer).status == PENDING
        db.session.remove()


# Makes the late worker's claim UPDATE wait for PAUSE_LOCK when it is about to write a row: after
# the statement took its snapshot and judged the row. The test drops it again.
PAUSE_TRIGGER = f"""
CREATE FUNCTION kontor_test_pause_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.claimed_by = 'late-worker' THEN PERFORM pg_advisory_xact_lock_shared({PAUSE_LOCK}); END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER kontor_test_pause_claim BEFORE UPDATE ON grade_outbox
    FOR EACH ROW EXECUTE FUNCTION kontor_test_pause_claim();
"""


@pytest.mark.skipif(backend() != "postgresql",
                    reason="two transactions of PostgreSQL's READ COMMITTED, each judging the other's row")
def test_two_workers_never_claim_two_siblings_at_the_same_moment(rig, database_url):
    """A compare-and-set judges the sibling it did not lock as of its UPDATE's snapshot: two
    workers that had locked one of Sam's two due grades each, and ran their UPDATEs before either
    committed, both won (each saw the other's row not yet claimed). Here the late worker's walk
    finds the older grade locked (by the test) and takes the newer; its UPDATE waits after its
    snapshot while the other worker claims what is left."""
    now = utcnow()
    older, newer = _older_grade_taken_over_and_newer_one(rig, now)
    claimed = {}
    with psycopg.connect(database_url, autocommit=True) as pause, psycopg.connect(database_url) as holder:
        pause.execute(PAUSE_TRIGGER)
        try:
            pause.execute("SELECT pg_advisory_lock(%s)", (PAUSE_LOCK,))
            holder.execute("SELECT id FROM grade_outbox WHERE id = %s FOR UPDATE", (older,))
            late = _claim_in_thread(rig, "late-worker", now, claimed)
            _wait_until_paused(pause)
            holder.rollback()  # the older grade is free again; the newer one is locked by the late worker
            with rig.app.app_context():
                claimed["other-worker"] = claim_due("other-worker", now, 10, LEASE)
                db.session.remove()
            pause.execute("SELECT pg_advisory_unlock(%s)", (PAUSE_LOCK,))
            late.join(20)
        finally:
            pause.execute("DROP TRIGGER kontor_test_pause_claim ON grade_outbox; DROP FUNCTION kontor_test_pause_claim()")
    assert claimed == {"late-worker": [newer], "other-worker": []}
    with rig.app.app_context():
        row = db.session.get(GradeOutbox, older)
        assert (row.status, row.claimed_by) == (SENDING, "dead-worker")  # still the dead worker's, expired
        db.session.remove()
