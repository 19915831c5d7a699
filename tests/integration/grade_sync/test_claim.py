"""Claiming: the oldest due rows first, pending ones and those whose claim expired in one order;
rows a claim looked at but did not take stay claimable (runs on SQLite and on PostgreSQL)."""
from datetime import timedelta

from sqlalchemy import select

from lms_module.courses.models import User
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.grade_sync.grades import PlannedGrade
from lms_module.grade_sync.models import PENDING, SENDING, GradeOutbox
from lms_module.grade_sync.outbox import claim_due, queue_score


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
        platform_id = db.session.scalar(select(User.platform_id).where(User.subject == "4"))
        for member, (name, (status, due, until)) in zip(members, plan.items()):
            user = User(platform_id=platform_id, subject=member.id)
            db.session.add(user)
            db.session.flush()
            row = queue_score(link_id, user.id, PlannedGrade(1.0, 4.0, "Completed", "FullyGraded", "", None), now)
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
