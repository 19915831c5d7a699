"""A deadline moved while the student's page is open (a new closing date, an accommodation:
attempts.deadlines.move_running_deadlines) reaches the page: the autosave's answer, and the page's
own check (GET …/deadline, while the student saves nothing), carry the attempt's deadline as it is
now, the server's time and the sentence that announces the change in the student's language. The
page counted to the deadline it was made with: an earlier one closed the attempt while it showed
time left, a later one posted the page at the old zero. The browser half: tests/e2e/test_moved_deadline_browser.py."""
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from lms_module.attempts.deadlines import move_running_deadlines
from lms_module.attempts.models import Attempt
from lms_module.db_types import utcnow
from lms_module.extensions import db
from support.apps import csrf_from, started_attempt_id

SAVE = {"question_id": "why-check", "fields": {"q-why-check": ["Two people check."]}}
CHANGED = {"en": "The time for this attempt has changed: it now ends on ",
           "de": "Die Zeit für diesen Versuch hat sich geändert: Er endet jetzt am "}
TIMER = re.compile(r'<div class="timer" id="attempt-timer"[^>]*>')


def open_page(client, launch, start):
    """A started attempt's first page: its id and the page's security token."""
    attempt_id = started_attempt_id(start(launch))
    token = csrf_from(client.get(f"/l/{launch}/attempt/{attempt_id}/page/1").get_data(as_text=True))
    return attempt_id, token


def close_activity(app, attempt_id, close_at):
    """The instructor's new closing date, as the settings page applies it to running attempts."""
    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == attempt_id)).one()
        moved = move_running_deadlines(attempt.resource_link_id, close_at, utcnow())
        db.session.commit()
        return moved


def deadline_of(app, attempt_id):
    with app.app_context():
        return db.session.scalars(select(Attempt.deadline_at).where(Attempt.public_id == attempt_id)).one()


def as_script_reads(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


@pytest.mark.parametrize("locale", ["en", "de"])
def test_the_autosave_and_the_check_answer_with_the_deadline_after_a_move(app, client, make_launch, all_types_quiz,
                                                                         start, locale):
    student = make_launch("student", quiz_slug=all_types_quiz, user_sub="sam", locale=locale)
    attempt_id, token = open_page(client, student, start)
    before = deadline_of(app, attempt_id)
    assert before is not None  # the exam's 20 minutes
    assert close_activity(app, attempt_id, utcnow() + timedelta(minutes=5)) == 1
    moved = deadline_of(app, attempt_id)
    assert moved < before

    saved = client.post(f"/l/{student}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token}, json=SAVE)
    checked = client.get(f"/l/{student}/attempt/{attempt_id}/deadline")
    for answer in (saved, checked):
        assert answer.status_code == 200
        body = answer.get_json()
        assert body["ok"] is True
        assert body["deadline"] == as_script_reads(moved)
        assert abs(datetime.fromisoformat(body["now"]) - utcnow()) < timedelta(seconds=30)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", body["now"])
        assert body["deadline_changed"].startswith(CHANGED[locale]), body["deadline_changed"]
    assert checked.get_json()["in_progress"] is True

    # Later again (the class needs longer): the answer follows.
    close_activity(app, attempt_id, utcnow() + timedelta(hours=2))
    later = client.get(f"/l/{student}/attempt/{attempt_id}/deadline").get_json()["deadline"]
    assert later == as_script_reads(deadline_of(app, attempt_id)) and datetime.fromisoformat(later) > moved


def test_a_closed_attempts_refusal_says_its_deadline(app, client, student, start):
    """Moved into the past and overdue: the save is refused as closed, and the deadline in the
    refusal ends the page's countdown (which then posts the page and shows the result)."""
    attempt_id, token = open_page(client, student, start)
    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == attempt_id)).one()
        attempt.deadline_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    refused = client.post(f"/l/{student}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token}, json=SAVE)
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["error"] == "deadline_passed"
    assert body["deadline"] == as_script_reads(deadline_of(app, attempt_id))


def test_another_students_attempt_is_not_found(app, client, make_launch, all_types_quiz, student, start):
    attempt_id, _ = open_page(client, student, start)
    other = make_launch("student", quiz_slug=all_types_quiz, user_sub="kim")
    assert client.get(f"/l/{other}/attempt/{attempt_id}/deadline").status_code == 404
    assert client.get(f"/l/{other}/attempt/not-an-attempt/deadline").status_code == 404
    assert client.get(f"/l/{student}/attempt/{attempt_id}/deadline").status_code == 200


def test_the_check_needs_the_launch(app, client, student, start):
    attempt_id, _ = open_page(client, student, start)
    with client.session_transaction() as session:
        session.clear()
    refused = client.get(f"/l/{student}/attempt/{attempt_id}/deadline")
    assert refused.status_code in (401, 403)


def test_a_preview_keeps_its_deadline_and_its_page_does_not_ask(app, client, make_launch, all_types_quiz, start):
    """An instructor's preview: a new closing date does not move it, and its page has no check."""
    teacher = make_launch("instructor", quiz_slug=all_types_quiz, user_sub="teacher")
    attempt_id = started_attempt_id(start(teacher))
    html = client.get(f"/l/{teacher}/attempt/{attempt_id}/page/1").get_data(as_text=True)
    timer = TIMER.search(html).group(0)
    assert "data-deadline-url" not in timer and " hidden" not in timer
    before = deadline_of(app, attempt_id)
    assert close_activity(app, attempt_id, utcnow() + timedelta(minutes=5)) == 0
    saved = client.post(f"/l/{teacher}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": csrf_from(html)},
                        json=SAVE)
    assert saved.status_code == 200 and saved.get_json()["deadline"] == as_script_reads(before)


def test_a_page_without_a_deadline_has_the_timer_hidden_ready_for_one(app, client, student, start):
    """An attempt without a deadline may get one (a closing date set while it runs): the page has
    the timer, hidden, and the check's address; the announcement is outside the timer."""
    attempt_id = started_attempt_id(start(student))
    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == attempt_id)).one()
        attempt.deadline_at = None
        db.session.commit()
    html = client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True)
    timer = TIMER.search(html)
    assert timer, "the page of an attempt without a deadline has no timer to show one in"
    assert ' data-deadline=""' in timer.group(0) and " hidden" in timer.group(0)
    assert f'data-deadline-url="/l/{student}/attempt/{attempt_id}/deadline"' in timer.group(0)
    assert 'id="attempt-timer-announce"' in html
    body = client.get(f"/l/{student}/attempt/{attempt_id}/deadline").get_json()
    assert body["deadline"] == "" and "no longer has a time limit" in body["deadline_changed"]
