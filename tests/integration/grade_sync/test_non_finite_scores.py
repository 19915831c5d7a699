"""issue 9: a quiz with `points: .inf` made the LMS receive "scoreMaximum": Infinity (not JSON).
The file format refuses such points now; delivery is the last guard for rows stored before."""
import math

from sqlalchemy import select

from lms_module.extensions import db
from lms_module.grade_sync.models import FAILED, GradeOutbox


def test_a_score_that_is_not_a_finite_number_is_never_sent(rig):
    sam = rig.launch("4")
    rig.attempt(sam, correct=2)
    with rig.app.app_context():  # as an outbox row queued for a quiz with infinite points
        row = db.session.scalars(select(GradeOutbox)).one()
        row.score_maximum, row.score_given = math.inf, math.inf
        db.session.commit()
    report = rig.deliver()
    assert report.failed == 1 and report.sent == 0
    [row] = rig.rows(sam)
    assert row.status == FAILED and "not a finite number" in row.last_error
    assert rig.scores_for("4") == []
    assert rig.lms.request_counts.get("scores", 0) == 0
