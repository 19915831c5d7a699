"""One student's grades leave in order with strictly newer timestamps; a newer grade is never
overwritten; a worker that dies mid-batch loses nothing; two workers send every score once."""
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from lms_module.db_types import utcnow
from lms_module.demo_lms.model import Grade
from lms_module.extensions import db
from lms_module.grade_sync.delivery import DeliverySettings
from lms_module.grade_sync.grades import PlannedGrade
from lms_module.grade_sync.models import PENDING, SENDING, SENT, SUPERSEDED, GradeOutbox
from lms_module.grade_sync.outbox import claim_due, queue_score
from lms_module.courses.models import User
from lms_module.worker import Worker


def _seconds(score) -> datetime:
    return datetime.fromisoformat(score.json["timestamp"]).replace(microsecond=0)


def test_two_grades_within_one_second_go_out_one_second_apart(rig):
    sam = rig.launch("4")
    rig.attempt(sam, correct=1)
    # A few seconds ahead: the second attempt's row is due from when it is written, which must
    # come before `same_second` (one second ahead failed when the attempt took longer, under load).
    moment = utcnow().replace(microsecond=100_000) + timedelta(seconds=5)
    assert rig.deliver(moment).sent == 1
    rig.attempt(sam, correct=3)
    same_second = moment + timedelta(milliseconds=800)
    held = rig.deliver(same_second)
    assert held.waiting == 1 and held.sent == 0
    [_, second] = rig.rows(sam)
    assert second.status == PENDING and second.next_attempt_at == moment.replace(microsecond=0) + timedelta(seconds=1)
    assert rig.deliver(second.next_attempt_at).sent == 1
    scores = rig.scores_for("4")
    assert [s.status for s in scores] == [200, 200]
    assert _seconds(scores[1]) > _seconds(scores[0])
    assert rig.lms.grade("4").raw_grade == 75.0


def test_a_running_worker_sends_both_grades_of_one_second(rig):
    sam = rig.launch("4")
    worker = Worker(rig.app, worker_id="loop", poll_seconds=0.05, rosters=False)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        rig.attempt(sam, correct=1)
        rig.attempt(sam, correct=2)
        rig.attempt(sam, correct=4)
        deadline = utcnow() + timedelta(seconds=10)
        while utcnow() < deadline and not (rig.lms.grade("4") and rig.lms.grade("4").raw_grade == 100.0):
            threading.Event().wait(0.05)
    finally:
        worker.stop()
        thread.join(5)
    scores = rig.scores_for("4")
    assert all(s.status == 200 for s in scores)  # never a 409
    stamps = [_seconds(s) for s in scores]
    assert stamps == sorted(set(stamps))
    assert rig.lms.grade("4").raw_grade == 100.0


def test_moodle_409_is_retried_with_a_fresh_timestamp(rig):
    sam = rig.launch("4")
    rig.attempt(sam, correct=2)
    rig.lms.inject_failure("scores", 409, times=1)
    assert rig.deliver().retrying == 1
    rig.drain()
    scores = rig.scores_for("4")
    assert [s.status for s in scores] == [409, 200]
    assert scores[1].json["timestamp"] != scores[0].json["timestamp"]


def test_a_newer_grade_supersedes_a_waiting_retry(rig):
    sam = rig.launch("4")
    rig.attempt(sam, correct=1)
    rig.lms.inject_failure("scores", 503, times=1)
    rig.deliver()
    rig.attempt(sam, correct=3)  # queued while the first waits for its retry
    old, new = rig.rows(sam)
    assert old.status == SUPERSEDED and new.status == PENDING
    rig.drain()
    given = [s.json["scoreGiven"] for s in rig.scores_for("4") if s.status == 200]
    assert given == [3.0]


def test_an_old_claimed_row_never_overwrites_a_newer_grade(rig):
    """A worker holds an old grade (claimed) while a newer one is queued and sent elsewhere."""
    sam = rig.launch("4")
    rig.attempt(sam, correct=1)
    now = utcnow()
    with rig.app.app_context():
        claimed = claim_due("slow-worker", now, 10, timedelta(seconds=1))
        db.session.remove()
    assert len(claimed) == 1
    rig.attempt(sam, correct=4)
    # Another worker may not send the newer grade while the old one is claimed...
    assert rig.deliver(now).claimed == 0
    # ...and once the slow worker's claim is gone, the old grade is superseded, not sent.
    report = rig.deliver(now + timedelta(seconds=2))
    assert report.superseded == 1 and report.sent == 1
    assert [s.json["scoreGiven"] for s in rig.scores_for("4")] == [4.0]
    assert rig.lms.grade("4").raw_grade == 100.0


def test_a_worker_killed_mid_batch_loses_nothing(rig):
    """Rows claimed by a worker that died come back when its claims expire; those whose
    students got a newer grade in the meantime are superseded instead of sent."""
    members = rig.lms.add_members(6)
    link_id = rig.launch("4").link_id
    with rig.app.app_context():
        users = [user_id for user_id, _ in rig.queue_scores(members, link_id, marks=lambda index: index % 4)]
        db.session.commit()
        crashed = claim_due("crashed-worker", utcnow(), 4, timedelta(minutes=5))
        db.session.remove()
    assert len(crashed) == 4
    stamp = utcnow() - timedelta(seconds=3)
    with rig.app.app_context():
        # It died after the first row's score reached the LMS, before it could mark the row sent.
        row = db.session.get(GradeOutbox, crashed[0])
        row.last_sent_timestamp = stamp
        subject = db.session.get(User, row.user_id).subject
        with rig.lms.lock:
            rig.lms.grades[(2, subject)] = Grade(2, subject, 50.0, None, int(stamp.timestamp()), "FullyGraded",
                                                 "Completed")
        db.session.commit()
        # A newer grade for the second student arrives while the crashed claim is held.
        queue_score(link_id, users[1], PlannedGrade(4.0, 4.0, "Completed", "FullyGraded", "", None))
        db.session.commit()
    # The live worker sends what is not claimed; the crashed rows wait for their claims to expire.
    now = utcnow()
    report = rig.deliver(now)
    assert report.sent == 2  # the two rows the crashed worker had not claimed
    later = now + timedelta(minutes=5, seconds=1)
    report = rig.deliver(later)
    assert report.superseded == 1  # the second student's old grade
    assert report.sent == 4  # three taken-over rows and the second student's newer grade
    received = {}
    for score in rig.lms.received_scores:
        assert score.status == 200
        received.setdefault(score.json["userId"], []).append(score.json["scoreGiven"])
    assert sorted(received) == sorted(m.id for m in members)
    assert all(len(given) == 1 for given in received.values())
    assert received[members[1].id] == [4.0]


@pytest.mark.parametrize("workers", [2])
def test_two_workers_drain_one_outbox_sending_every_score_once(rig, workers):
    """Runs on SQLite and on PostgreSQL (KONTOR_TEST_DATABASE=postgresql: SKIP LOCKED claims)."""
    members = rig.lms.add_members(120)
    link_id = rig.launch("4").link_id
    with rig.app.app_context():
        rig.queue_scores(members, link_id, marks=lambda index: 2.0)
        db.session.commit()
    settings = DeliverySettings(batch_size=7)
    errors = []

    def run(name):
        try:
            rig.deliver(settings=settings, worker_id=name)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f"worker-{n}",)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    sent = [s.json["userId"] for s in rig.lms.received_scores if s.status == 200]
    assert len(sent) == len(members) and set(sent) == {m.id for m in members}
    assert rig.lms.token_requests == 1
    with rig.app.app_context():
        statuses = db.session.scalars(select(GradeOutbox.status)).all()
        assert set(statuses) == {SENT}
        assert db.session.scalar(select(db.func.count()).select_from(GradeOutbox).where(GradeOutbox.status == SENDING)) == 0
