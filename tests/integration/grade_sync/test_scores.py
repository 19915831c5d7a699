"""The score that arrives at the emulated Moodle: values per grading method and mode, essays
before and after manual grading, line items created on the fly, and Moodle's own rules."""
import re

import pytest
from sqlalchemy import select

from lms_module.demo_lms.scopes import SCOPE_LINEITEM
from lms_module.extensions import db
from lms_module.grade_sync.models import FAILED, SENT
from lms_module.grade_sync.outbox import queue_score
from lms_module.grade_sync.grades import PlannedGrade
from lms_module.courses.models import User

MEDIA_SCORE = "application/vnd.ims.lis.v1.score+json"


def test_a_graded_submission_arrives_as_moodle_wants_it(rig):
    sam = rig.launch("4")
    rig.attempt(sam, correct=3)
    report = rig.deliver()
    assert report.sent == 1
    [score] = rig.scores_for("4")
    assert score.status == 200
    assert score.headers["Content-Type"] == MEDIA_SCORE
    assert score.headers["User-Agent"].startswith("Kontor/")
    assert score.headers["Authorization"].startswith("Bearer ")
    body = score.json
    assert body["userId"] == "4"
    assert body["scoreGiven"] == 3.0 and body["scoreMaximum"] == 4.0
    assert body["activityProgress"] == "Completed"
    assert body["gradingProgress"] == "FullyGraded"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", body["timestamp"])
    assert body["comment"] == "Kontor: 75 % (highest attempt counts)."
    # Canvas's submission extension goes to Canvas only (test_canvas.py).
    assert "https://canvas.instructure.com/lti/submission" not in body
    # Moodle rescales to its column (100 points) and keeps our timestamp.
    grade = rig.lms.grade("4")
    assert grade.raw_grade == 75.0
    [row] = rig.rows(sam)
    assert row.status == SENT and row.sent_at is not None and row.tries == 1
    # The launch's own line item is used: no line item search, no creation.
    assert rig.lms.request_counts.get("lineitems", 0) == 0


@pytest.mark.parametrize(
    ("method", "expected"),
    [("highest", [1.0, 3.0, 3.0]), ("last", [1.0, 3.0, 2.0]), ("first", [1.0, 1.0, 1.0]), ("average", [1.0, 2.0, 2.0])],
)
def test_every_submission_sends_the_link_grade_by_its_grading_method(rig, method, expected):
    sam = rig.launch("4")
    rig.link_settings(sam.link_id, grading=method)
    for correct in (1, 3, 2):
        rig.attempt(sam, correct=correct)
        rig.drain()
    given = [s.json["scoreGiven"] for s in rig.scores_for("4")]
    assert given == expected
    assert all(s.status == 200 for s in rig.scores_for("4"))
    assert rig.lms.grade("4").raw_grade == expected[-1] * 25


def test_the_grade_is_sent_again_after_every_submission_even_unchanged(rig):
    sam = rig.launch("4")
    rig.attempt(sam, correct=4)
    rig.drain()
    rig.attempt(sam, correct=0)
    rig.drain()
    scores = rig.scores_for("4")
    assert [s.json["scoreGiven"] for s in scores] == [4.0, 4.0]
    assert [s.status for s in scores] == [200, 200]


def test_practice_sends_nothing_unless_the_instructor_turned_grading_on(rig):
    rig.use_quiz("gs-practice")
    sam = rig.launch("4")
    rig.attempt(sam, correct=2)
    rig.drain()
    assert rig.rows(sam) == [] and rig.scores_for("4") == []
    rig.link_settings(sam.link_id, graded=True)
    rig.attempt(sam, correct=4)
    rig.drain()
    # Only the attempt taken while grading was on counts.
    assert [s.json["scoreGiven"] for s in rig.scores_for("4")] == [4.0]


def test_an_instructors_preview_is_never_sent(rig):
    tina = rig.launch("3")
    rig.attempt(tina, correct=4)
    rig.drain()
    assert rig.rows() == [] and rig.lms.received_scores == []


@pytest.mark.parametrize("lms_profile", ["moodle", "canvas"])
def test_an_essay_is_pending_until_graded_then_the_final_grade_arrives(rig, lms_profile):
    rig.use_quiz("gs-with-essay")
    sam = rig.launch("4")
    first = rig.attempt(sam, correct=2, essay="Because mistakes cost money.")
    rig.drain()
    [pending] = rig.scores_for("4")
    assert pending.json["gradingProgress"] == "PendingManual"
    assert pending.json["activityProgress"] == "Submitted"
    assert "scoreGiven" not in pending.json
    assert pending.json["comment"] == "Awaiting grading by the instructor."
    assert rig.lms.grade("4").raw_grade is None  # nothing there, nothing wiped
    rig.grade_essay(first, 1.0)
    rig.drain()
    final = rig.scores_for("4")[-1]
    assert final.status == 200
    assert final.json["gradingProgress"] == "FullyGraded" and final.json["scoreGiven"] == 3.0
    assert final.json["scoreMaximum"] == 4.0
    extension = final.json.get("https://canvas.instructure.com/lti/submission")
    # The submission was sent with the pending score already: Canvas records no new one.
    assert extension == ({"new_submission": False, "submission_type": "external_tool",
                          "submitted_at": extension["submitted_at"]} if lms_profile == "canvas" else None)
    assert rig.lms.grade("4").raw_grade == 75.0


def test_a_pending_essay_never_wipes_a_grade_moodle_holds(rig):
    rig.use_quiz("gs-with-essay")
    sam = rig.launch("4")
    first = rig.attempt(sam, correct=2, essay="First essay.")
    rig.grade_essay(first, 2.0)  # 4 of 4
    rig.drain()
    assert rig.lms.grade("4").raw_grade == 100.0
    second = rig.attempt(sam, correct=1, essay="Second essay.")
    rig.drain()
    latest = rig.scores_for("4")[-1]
    # The best grade so far goes out as FullyGraded; PendingManual would empty the gradebook.
    assert latest.json["gradingProgress"] == "FullyGraded" and latest.json["scoreGiven"] == 4.0
    assert latest.json["activityProgress"] == "Submitted"
    assert "awaits grading" in latest.json["comment"]
    assert all(s.json["gradingProgress"] == "FullyGraded" for s in rig.scores_for("4")[1:])
    assert rig.lms.grade("4").raw_grade == 100.0
    rig.grade_essay(second, 0.0)
    rig.drain()
    assert rig.scores_for("4")[-1].json["scoreGiven"] == 4.0
    assert rig.lms.grade("4").raw_grade == 100.0


def test_a_german_student_gets_a_german_comment(rig):
    stefan = rig.launch("6")
    with rig.app.app_context():
        from lms_module.courses.models import LaunchSession

        db.session.get(LaunchSession, stefan.launch_id).locale = "de"
        db.session.commit()
    rig.attempt(stefan, correct=1)
    rig.drain()
    assert rig.scores_for("6")[0].json["comment"] == "Kontor: 25 % (der beste Versuch zählt)."


def _lineitems_only_activity(rig, score_maximum=100.0):
    """An activity whose launch carries `lineitems` but no `lineitem` (it has no column of its own)."""
    activity = rig.lms.add_activity("Quiz without a column", {"quiz": "gs-four-checks"}, score_maximum=score_maximum)
    with rig.lms.lock:
        rig.lms.line_items.pop(activity.line_item_id)
        activity.line_item_id = None
    return activity


def test_a_launch_without_lineitem_gets_a_line_item_created_and_remembered(rig):
    activity = _lineitems_only_activity(rig)
    sam = rig.launch("4", activity=activity.cmid)
    assert rig.link(sam.link_id).lineitem_url is None and rig.link(sam.link_id).lineitems_url
    rig.attempt(sam, correct=2)
    sara = rig.launch("5", activity=activity.cmid)
    rig.attempt(sara, correct=4)
    assert rig.drain().sent == 2
    with rig.lms.lock:
        created = [item for item in rig.lms.line_items.values() if item.tag == "kontor-grade"]
    assert len(created) == 1  # one column, although two grades needed it
    [item] = created
    assert item.label == "Four checks" and item.score_maximum == 4.0
    assert item.lti_link_id == activity.instance_id and item.resource_id == "gs-four-checks"
    assert rig.lms.grade_for_item(item.id, "4").raw_grade == 2.0
    assert rig.lms.grade_for_item(item.id, "5").raw_grade == 4.0
    url = rig.link(sam.link_id).lineitem_url
    assert url and f"/lineitems/{item.id}/lineitem" in url
    # The stored URL is used from now on: one search, one creation, however many scores.
    assert rig.lms.request_counts["lineitems"] == 2
    # A later launch (without `lineitem` again) never leads to a second column.
    rig.launch("4", activity=activity.cmid)
    rig.attempt(sam, correct=3)
    rig.drain()
    with rig.lms.lock:
        assert len([i for i in rig.lms.line_items.values() if i.tag == "kontor-grade"]) == 1
    assert rig.lms.grade_for_item(item.id, "4").raw_grade == 3.0


def test_an_existing_kontor_line_item_is_found_not_created_again(rig):
    activity = _lineitems_only_activity(rig)
    existing = rig.lms.add_line_item(1, "Four checks", 4.0, tag="kontor-grade", lti_link_id=activity.instance_id)
    sam = rig.launch("4", activity=activity.cmid)
    rig.attempt(sam, correct=1)
    rig.drain()
    with rig.lms.lock:
        assert len([i for i in rig.lms.line_items.values() if i.tag == "kontor-grade"]) == 1
    assert rig.lms.grade_for_item(existing.id, "4").raw_grade == 1.0


def test_refused_column_creation_says_which_moodle_setting_is_needed(rig):
    activity = _lineitems_only_activity(rig)
    tool = rig.lms.default_tool
    with rig.lms.lock:
        tool.scopes = [s for s in tool.scopes if s != SCOPE_LINEITEM]  # "grade sync only"
    sam = rig.launch("4", activity=activity.cmid)
    rig.attempt(sam, correct=1)
    report = rig.drain()
    assert report.failed == 1
    [row] = rig.rows(sam)
    assert row.status == FAILED
    assert "grade sync and column management" in row.last_error


def test_a_score_for_someone_moodle_cannot_grade_fails_with_moodles_answer(rig):
    sam = rig.launch("4")
    rig.launch("3")  # the teacher, known to Kontor
    with rig.app.app_context():
        teacher_id = db.session.scalar(select(User.id).where(User.subject == "3"))
        queue_score(sam.link_id, teacher_id, PlannedGrade(1.0, 4.0, "Completed", "FullyGraded", "", None))
        db.session.commit()
    report = rig.drain()
    assert report.failed == 1
    [row] = [r for r in rig.rows() if r.user_id == teacher_id]
    assert row.status == FAILED and row.tries == 1
    assert row.last_error.startswith("score for user 3: 400 Incorrect score received")
