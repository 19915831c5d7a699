"""The instructor's sync table and "send again" (no LMS involved: the routes only queue)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms_module.attempts import services
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.grade_sync.models import FAILED, PENDING, SENT, SUPERSEDED, GradeOutbox
from lms_module.library.services import import_path
from lms_module.courses.models import LaunchSession, ResourceLink
from support.apps import csrf_from

from grade_sync.rig import FIXTURES


@pytest.fixture
def course(app, make_launch):
    with app.app_context():
        assert import_path(FIXTURES, origin="import").ok
        db.session.commit()
    teacher = make_launch("instructor", quiz_slug="gs-four-checks", user_sub="tina")
    sam = make_launch("student", user_sub="sam")
    sara = make_launch("student", user_sub="sara")
    with app.app_context():
        link = db.session.scalars(select(ResourceLink)).one()
        link.lineitem_url = "https://lms.example/lineitems/7/lineitem"
        link.ags_scopes = ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]
        ids = {}
        for name, launch_id in (("sam", sam), ("sara", sara)):
            launch = db.session.get(LaunchSession, launch_id)
            attempt = services.start_attempt(link, launch.user_id, utcnow())
            services.save_answers(attempt, {"q-c1": ["true"], "q-c2": ["true"]}, ["c1", "c2"], utcnow())
            services.submit_attempt(attempt, utcnow())
            ids[name] = launch.user_id
        db.session.commit()
        link_id = link.id
    return {"teacher": teacher, "sam": sam, "link_id": link_id, **{f"{k}_id": v for k, v in ids.items()}}


def _rows(app, user_id=None):
    with app.app_context():
        query = select(GradeOutbox).order_by(GradeOutbox.id)
        if user_id is not None:
            query = query.where(GradeOutbox.user_id == user_id)
        rows = list(db.session.scalars(query))
        for row in rows:
            db.session.expunge(row)
        return rows


def test_the_sync_table_shows_each_students_state(app, client, course):
    with app.app_context():
        sam_row = db.session.scalars(select(GradeOutbox).where(GradeOutbox.user_id == course["sam_id"])).one()
        sam_row.status, sam_row.sent_at = SENT, utcnow()
        sara_row = db.session.scalars(select(GradeOutbox).where(GradeOutbox.user_id == course["sara_id"])).one()
        sara_row.status, sara_row.last_error = FAILED, "score for user sara: 400 Incorrect score received"
        db.session.commit()
    page = client.get(f"/l/{course['teacher']}/grades/sync")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Grades in the LMS" in html
    sam_part = html[html.index("Test Student sam"):html.index("Test Student sara")]
    assert "Sent" in sam_part and "2 / 4" in sam_part
    sara_part = html[html.index("Test Student sara"):]
    assert "Sending failed" in sara_part and "400 Incorrect score received" in sara_part
    assert html.count("Send again") == 2 and "Send all grades again" in html


def test_students_cannot_see_the_sync_table(client, course):
    assert client.get(f"/l/{course['sam']}/grades/sync").status_code == 403
    token = csrf_from(client.get(f"/l/{course['teacher']}/grades/sync").get_data(as_text=True))
    assert client.post(f"/l/{course['sam']}/grades/sync/send", data={"csrf_token": token}).status_code == 403


def test_send_again_for_one_student_queues_the_current_grade(app, client, course):
    page = client.get(f"/l/{course['teacher']}/grades/sync").get_data(as_text=True)
    response = client.post(f"/l/{course['teacher']}/grades/sync/send/{course['sam_id']}",
                           data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/grades/sync")
    old, new = _rows(app, course["sam_id"])
    assert old.status == SUPERSEDED and new.status == PENDING and new.score_given == 2.0
    assert len(_rows(app, course["sara_id"])) == 1
    assert "The grade will be sent to the LMS again." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_send_all_again_and_back_to_the_instructor_page(app, client, course):
    page = client.get(f"/l/{course['teacher']}/grades/sync").get_data(as_text=True)
    response = client.post(f"/l/{course['teacher']}/grades/sync/send",
                           data={"csrf_token": csrf_from(page), "back": "instructor"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/l/{course['teacher']}/")
    rows = _rows(app)
    assert [r.status for r in rows].count(PENDING) == 2 and [r.status for r in rows].count(SUPERSEDED) == 2


def test_send_again_needs_the_csrf_token_and_a_student_of_this_activity(app, client, course):
    assert client.post(f"/l/{course['teacher']}/grades/sync/send/{course['sam_id']}").status_code == 400
    page = client.get(f"/l/{course['teacher']}/grades/sync").get_data(as_text=True)
    teacher_user = 10_000
    missing = client.post(f"/l/{course['teacher']}/grades/sync/send/{teacher_user}", data={"csrf_token": csrf_from(page)})
    assert missing.status_code == 404
    assert len(_rows(app)) == 2


def test_the_instructor_page_includes_the_sync_table(client, course):
    html = client.get(f"/l/{course['teacher']}/instructor").get_data(as_text=True)
    assert "Grades in the LMS" in html and "Test Student sam" in html


def test_failed_rows_can_be_retried_from_the_command_line(app, runner, course):
    with app.app_context():
        for row in db.session.scalars(select(GradeOutbox)):
            row.status, row.last_error = FAILED, "404 Not Found"
        db.session.commit()
    status = runner.invoke(args=["grades", "status"])
    assert status.exit_code == 0
    assert "failed      2" in status.output and "pending     0" in status.output
    assert "2 grade(s) due now" in runner.invoke(args=["grades", "retry", "--failed"]).output
    with app.app_context():
        rows = db.session.scalars(select(GradeOutbox)).all()
        assert {r.status for r in rows} == {PENDING} and all(r.tries == 0 for r in rows)
        for row in rows:
            row.next_attempt_at = utcnow() + timedelta(hours=1)
        db.session.commit()
    assert "2 grade(s) due now" in runner.invoke(args=["grades", "retry"]).output
    with app.app_context():
        assert all(r.next_attempt_at <= utcnow() for r in db.session.scalars(select(GradeOutbox)))


def test_a_student_with_nothing_to_send_is_offered_no_send_again(app, client, make_launch):
    """A student whose attempt is still in progress has nothing to send: the row says so, and it
    offered "Send again" (and the table "Send all grades again"), which only answered that there
    was no grade to send."""
    with app.app_context():
        assert import_path(FIXTURES, origin="import").ok
        db.session.commit()
    teacher = make_launch("instructor", quiz_slug="gs-four-checks", user_sub="tina")
    sue = make_launch("student", user_sub="sue")
    with app.app_context():
        link = db.session.scalars(select(ResourceLink)).one()
        services.start_attempt(link, db.session.get(LaunchSession, sue).user_id, utcnow())
        db.session.commit()
    html = client.get(f"/l/{teacher}/grades/sync").get_data(as_text=True)
    row = html[html.index("Test Student sue"):html.index("</tr>", html.index("Test Student sue"))]
    assert "Nothing to send yet" in row
    assert "Send again" not in html and "Send all grades again" not in html


def test_a_grade_never_queued_can_still_be_sent_again(app, client, make_launch):
    """A student who submitted while the link had no grade service in the LMS (the line item came
    with a later launch) has a grade but no row: "Send again" is how it reaches the LMS, and the
    table kept offering it (hiding it with the attempts in progress left no way from the page)."""
    with app.app_context():
        assert import_path(FIXTURES, origin="import").ok
        db.session.commit()
    teacher = make_launch("instructor", quiz_slug="gs-four-checks", user_sub="tina")
    sue = make_launch("student", user_sub="sue")
    with app.app_context():
        link = db.session.scalars(select(ResourceLink)).one()
        user_id = db.session.get(LaunchSession, sue).user_id
        attempt = services.start_attempt(link, user_id, utcnow())
        services.save_answers(attempt, {"q-c1": ["true"], "q-c2": ["true"]}, ["c1", "c2"], utcnow())
        services.submit_attempt(attempt, utcnow())
        link.lineitem_url = "https://lms.example/lineitems/7/lineitem"  # the LMS's grade column, added later
        link.ags_scopes = ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]
        db.session.commit()
    assert _rows(app) == []
    html = client.get(f"/l/{teacher}/grades/sync").get_data(as_text=True)
    assert html.count("Send again") == 1 and "Send all grades again" in html
    response = client.post(f"/l/{teacher}/grades/sync/send/{user_id}", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    assert [(r.status, r.score_given) for r in _rows(app)] == [(PENDING, 2.0)]
