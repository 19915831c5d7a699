"""Grade delivery to the Canvas profile of the demo LMS: the submission extension, and the 422 Canvas
gives a score for someone who is not an active student (canvas-lms issue 1659: the Test Student)."""
import pytest
from sqlalchemy import select

from lms_module.extensions import db
from lms_module.grade_sync.models import FAILED, GradeOutbox

CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"
pytestmark = pytest.mark.parametrize("lms_profile", ["canvas"])


def test_a_score_reaches_canvas_with_its_submission_extension(rig):
    sam = rig.launch("4")
    rig.attempt(sam, correct=3)
    assert rig.deliver().sent == 1
    [score] = rig.scores_for("4")
    assert score.status == 200 and score.url.endswith("/scores")
    assert "/api/lti/courses/2/line_items/" in score.url
    extension = score.json[CANVAS_SUBMISSION]
    assert extension["submission_type"] == "external_tool" and extension["new_submission"] is True
    assert extension["submitted_at"]
    assert rig.lms.grade("4").raw_grade == 75.0


def test_the_test_student_is_not_accepted_and_never_retried(rig):
    tester = rig.lms.add_user("Test", "Student", test_user=True)
    student = rig.launch(tester.id)
    rig.attempt(student, correct=2)
    report = rig.deliver()
    assert report.failed == 1 and report.retrying == 0
    # A 401 first is a stale token from another test's emulator being refreshed, not a delivery try.
    [score] = _deliveries(rig, tester.id)
    assert score.status == 422
    with rig.app.app_context():
        row = db.session.scalars(select(GradeOutbox).where(GradeOutbox.user_id == student.user_id)).one()
        assert row.status == FAILED and row.tries == 1
        assert row.last_error == "Not accepted by the LMS: User not found in course or is not a student"
    # Later worker runs leave it alone.
    assert rig.deliver().claimed == 0
    assert len(_deliveries(rig, tester.id)) == 1
    # The instructor's sync page says so, with Canvas's words.
    teacher = rig.launch("3")
    with rig.live.browser() as browser:
        page = rig.live.launch(browser, user="3", locale="en")
        sync = browser.get(page.url.rsplit("/instructor", 1)[0] + "/grades/sync")
    assert "Not accepted by the LMS" in sync.text
    assert "User not found in course or is not a student" in sync.text
    assert "Sending failed" not in sync.text
    assert teacher.role == "instructor"


def _deliveries(rig, user_id):
    return [score for score in rig.scores_for(user_id) if score.status != 401]
