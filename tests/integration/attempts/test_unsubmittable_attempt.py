"""An attempt that cannot be submitted (its plan names a question its quiz version lacks) is never a
stack trace: the student gets a page in their language and each try is counted and backed off as
the deadline sweep's tries are; the instructor's attempt page shows it with its label and every
question that can be shown; every view names it the same. (A stored answer its question cannot
read does not stop a submission: it is read as not answered, test_corrupt_answers.py.)"""
import csv
import io
import logging
from datetime import timedelta

from sqlalchemy import select

from lms_module.attempts import policy
from lms_module.attempts.models import IN_PROGRESS, Answer, Attempt
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.worker import Worker
from support.apps import attempt_row, csrf_from, set_attempt, started_attempt_id
from support.broken_plans import with_ghost, without_ghost
from support.submit_log import submit_tries_logged

CLOSED_EN = "Your attempt could not be submitted"
CLOSED_DE = "Ihr Versuch konnte nicht abgegeben werden"


def _poison(app, public_id, **values):
    """The attempt's plan gains a question its quiz version lacks; `values` are set as well."""
    set_attempt(app, public_id, plan=with_ghost(attempt_row(app, public_id).plan), **values)


def _tries_logged(caplog, app, public_id):
    """(try, who tried) of each logged failed try to submit the attempt."""
    return submit_tries_logged(caplog, attempt_row(app, public_id).id)


def _overdue_and_broken(app, client, student, start):
    """A started attempt (its first page's CSRF token read) that is overdue and cannot be submitted."""
    attempt_id = started_attempt_id(start(student))
    token = csrf_from(client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True))
    _poison(app, attempt_id, deadline_at=utcnow() - timedelta(hours=1))
    return attempt_id, token


# --- the student ---------------------------------------------------------------------------------


def test_the_student_opening_it_gets_a_clear_page_and_the_try_is_counted_and_backed_off(
        app, client, student, start, caplog):
    caplog.set_level(logging.INFO, logger="kontor.attempts")
    attempt_id, _ = _overdue_and_broken(app, client, student, start)

    page = client.get(f"/l/{student}/attempt/{attempt_id}/page/1")

    assert page.status_code == 409
    html = page.get_data(as_text=True)
    assert f"<h1>{CLOSED_EN}</h1>" in html
    assert "It has been recorded for your teacher" in html
    row = attempt_row(app, attempt_id)
    assert (row.status, row.sweep_failures, row.unsubmittable_at) == (IN_PROGRESS, 1, None)
    assert row.sweep_retry_at is not None and row.sweep_retry_at > utcnow()
    assert _tries_logged(caplog, app, attempt_id) == [(1, "student")]

    # Reloading while the backoff runs: the same page, no new try, no new log line.
    for url in (f"/l/{student}/attempt/{attempt_id}/page/1", f"/l/{student}/attempt/{attempt_id}/result"):
        again = client.get(url)
        assert again.status_code == 409 and CLOSED_EN in again.get_data(as_text=True)
    assert attempt_row(app, attempt_id).sweep_failures == 1
    assert _tries_logged(caplog, app, attempt_id) == [(1, "student")]


def test_the_students_tries_count_towards_the_same_mark_as_the_sweeps(app, client, student, start, caplog):
    caplog.set_level(logging.INFO, logger="kontor.attempts")
    attempt_id, _ = _overdue_and_broken(app, client, student, start)
    worker = Worker(app, worker_id="sweeper", rosters=False)
    now = utcnow()
    worker.run_once(now)  # the sweep's first try
    assert attempt_row(app, attempt_id).sweep_failures == 1

    for expected in range(2, policy.SWEEP_TRIES_BEFORE_MARK + 1):
        set_attempt(app, attempt_id, sweep_retry_at=utcnow() - timedelta(seconds=1))  # the backoff is over
        assert client.get(f"/l/{student}/attempt/{attempt_id}/result").status_code == 409
        row = attempt_row(app, attempt_id)
        assert row.sweep_failures == expected
        assert (row.unsubmittable_at is not None) == (expected >= policy.SWEEP_TRIES_BEFORE_MARK)
    assert _tries_logged(caplog, app, attempt_id) == [
        (1, "sweep"), *((n, "student") for n in range(2, policy.SWEEP_TRIES_BEFORE_MARK + 1))]

    # The student's own list names it as the instructors' pages do.
    start_page = client.get(f"/l/{student}/quiz").get_data(as_text=True)
    assert "<td>Could not be submitted</td>" in start_page
    assert "<td>In progress</td>" not in start_page


def test_saving_and_submitting_it_give_the_same_answer_and_count_the_try(app, client, student, start):
    attempt_id, token = _overdue_and_broken(app, client, student, start)

    saved = client.post(f"/l/{student}/attempt/{attempt_id}/page/1", data={"csrf_token": token, "go": "next"})
    assert saved.status_code == 409 and CLOSED_EN in saved.get_data(as_text=True)
    assert attempt_row(app, attempt_id).sweep_failures == 1  # committed although the answer is refused

    set_attempt(app, attempt_id, sweep_retry_at=utcnow() - timedelta(seconds=1))
    autosave = client.post(f"/l/{student}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                           json={"question_id": "vat-docs", "fields": {}})
    assert autosave.status_code == 409
    assert autosave.get_json()["error"] == "not_submittable"
    assert "recorded for your teacher" in autosave.get_json()["message"]
    assert attempt_row(app, attempt_id).sweep_failures == 2

    set_attempt(app, attempt_id, sweep_retry_at=utcnow() - timedelta(seconds=1))
    submitted = client.post(f"/l/{student}/attempt/{attempt_id}/submit", data={"csrf_token": token})
    assert submitted.status_code == 409 and CLOSED_EN in submitted.get_data(as_text=True)
    row = attempt_row(app, attempt_id)
    assert (row.status, row.sweep_failures) == (IN_PROGRESS, 3)
    with app.app_context():  # the failed try left nothing behind: no answers written for the plan
        assert db.session.scalars(select(Answer).where(Answer.attempt_id == row.id)).all() == []


def test_the_page_is_german_for_a_german_launch(app, client, make_launch, student, start):
    attempt_id, _ = _overdue_and_broken(app, client, student, start)
    german = make_launch("student", quiz_slug="all-types", user_sub="sam", locale="de")
    page = client.get(f"/l/{german}/attempt/{attempt_id}/page/1")
    assert page.status_code == 409
    html = page.get_data(as_text=True)
    assert f"<h1>{CLOSED_DE}</h1>" in html
    assert "Es wurde für Ihre Lehrkraft festgehalten" in html


def test_once_the_cause_is_gone_the_student_opening_it_submits_it(app, client, student, start):
    attempt_id, _ = _overdue_and_broken(app, client, student, start)
    assert client.get(f"/l/{student}/attempt/{attempt_id}/page/1").status_code == 409
    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == attempt_id)).one()
        attempt.plan = without_ghost(attempt.plan)
        attempt.sweep_retry_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    page = client.get(f"/l/{student}/attempt/{attempt_id}/page/1")
    assert page.status_code == 302 and page.headers["Location"].endswith(f"/attempt/{attempt_id}/result")
    assert attempt_row(app, attempt_id).status != IN_PROGRESS


# --- the student, in time: the plan does not fit, nothing can be shown ------------------------------

BROKEN_EN = "Your attempt cannot be shown"
BROKEN_DE = "Ihr Versuch kann nicht angezeigt werden"


def _in_time_and_broken(app, client, student, start):
    """A started attempt (its first page's CSRF token read), still in time, whose plan names a
    question its quiz version lacks."""
    attempt_id = started_attempt_id(start(student))
    token = csrf_from(client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True))
    set_attempt(app, attempt_id, plan=with_ghost(attempt_row(app, attempt_id).plan))
    return attempt_id, token


def test_in_time_the_student_gets_a_clear_page_the_log_names_the_attempt_and_nothing_is_written(
        app, client, student, start, caplog):
    caplog.set_level(logging.INFO)
    attempt_id, token = _in_time_and_broken(app, client, student, start)
    base = f"/l/{student}/attempt/{attempt_id}"

    for url in (f"{base}/page/1", f"{base}/summary"):
        page = client.get(url)
        assert page.status_code == 409, url
        html = page.get_data(as_text=True)
        assert f"<h1>{BROKEN_EN}</h1>" in html
        assert "Please tell your teacher" in html and "Traceback" not in html
    result = client.get(f"{base}/result")  # in time: the summary, which says the same
    assert result.status_code == 302 and result.headers["Location"].endswith(f"{base}/summary")

    saved = client.post(f"{base}/page/1", data={"csrf_token": token, "go": "next", "vat-docs": "a"})
    assert saved.status_code == 409 and BROKEN_EN in saved.get_data(as_text=True)
    autosave = client.post(f"{base}/autosave", headers={"X-CSRFToken": token},
                           json={"question_id": "vat-docs", "fields": {"vat-docs": "a"}})
    assert autosave.status_code == 409
    assert autosave.get_json()["error"] == "plan_not_in_quiz"
    assert "Please tell your teacher" in autosave.get_json()["message"]

    row = attempt_row(app, attempt_id)
    # No submission was tried: nothing counted, backed off or marked; no answer stored.
    assert (row.status, row.sweep_failures, row.sweep_retry_at, row.unsubmittable_at) == (IN_PROGRESS, 0, None, None)
    with app.app_context():
        assert db.session.scalars(select(Answer).where(Answer.attempt_id == row.id)).all() == []
    refused = [r for r in caplog.records if r.name == "kontor.attempts" and r.getMessage().startswith(
        f"attempt {row.id}: its plan names 1 question(s) that its quiz version {row.quiz_version_id} lacks ('ghost')")]
    assert len(refused) == 4 and all(  # pages, summary, save, autosave
        r.levelno == logging.ERROR and not r.exc_info for r in refused)
    assert not [r for r in caplog.records if r.name == "kontor.errors"]  # no unhandled error, no 500

    # The start page still lists it, so the student can come back once it is repaired.
    assert client.get(f"/l/{student}/quiz").status_code == 200


def test_the_log_line_says_who_tried_to_submit_the_student_or_the_sweep(app, client, student, start, caplog):
    caplog.set_level(logging.INFO, logger="kontor.attempts")
    attempt_id, token = _in_time_and_broken(app, client, student, start)
    row_id = attempt_row(app, attempt_id).id

    # The student's submit button, in time: not an overdue attempt, and not the sweep.
    assert client.post(f"/l/{student}/attempt/{attempt_id}/submit", data={"csrf_token": token}).status_code == 409
    set_attempt(app, attempt_id, deadline_at=utcnow() - timedelta(hours=1), sweep_retry_at=None)
    Worker(app, worker_id="sweeper", rosters=False).run_once(utcnow())

    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith(f"submitting attempt {row_id} ")]
    assert [line.split("; next try at ")[0] for line in lines] == [
        f"submitting attempt {row_id} failed (try 1, by the student's own request)",
        f"submitting attempt {row_id} failed (try 2, by the deadline sweep)",
    ]
    assert not any("overdue" in r.getMessage() for r in caplog.records)


def test_in_time_the_page_is_german_for_a_german_launch(app, client, make_launch, student, start):
    attempt_id, _ = _in_time_and_broken(app, client, student, start)
    german = make_launch("student", quiz_slug="all-types", user_sub="sam", locale="de")
    for url in (f"/l/{german}/attempt/{attempt_id}/page/1", f"/l/{german}/attempt/{attempt_id}/summary"):
        page = client.get(url)
        assert page.status_code == 409
        html = page.get_data(as_text=True)
        assert f"<h1>{BROKEN_DE}</h1>" in html
        assert "Bitte informieren Sie Ihre Lehrkraft" in html


def test_in_time_the_instructors_pages_show_it(app, client, make_launch, student, start):
    attempt_id, _ = _in_time_and_broken(app, client, student, start)
    row = attempt_row(app, attempt_id)
    teacher_client, teacher = _teacher(app, make_launch)
    attempt_page = teacher_client.get(f"/l/{teacher}/reports/attempts/{attempt_id}")
    assert attempt_page.status_code == 200
    html = attempt_page.get_data(as_text=True)
    assert "<dd>In progress</dd>" in html and html.count("This question cannot be shown") == 1
    for page in ("", "students/%s" % row.user_id, "grading", "summary", "items", "gradebook.csv",
                 "gradebook.xlsx", "responses.csv", "items.csv"):
        assert teacher_client.get(f"/l/{teacher}/reports/{page}").status_code == 200, page


# --- the instructors -----------------------------------------------------------------------------


def _teacher(app, make_launch, locale="en"):
    teacher_client = app.test_client()
    launch = make_launch("instructor", quiz_slug="all-types", user_sub=f"teacher-{locale}", locale=locale,
                         test_client=teacher_client)
    return teacher_client, launch


def test_the_attempt_page_shows_it_with_its_label_a_message_and_every_question_it_can(
        app, client, make_launch, student, start):
    attempt_id = started_attempt_id(start(student))
    planned = len(attempt_row(app, attempt_id).plan)
    _poison(app, attempt_id, deadline_at=utcnow() - timedelta(hours=1), sweep_failures=5,
            unsubmittable_at=utcnow())
    for locale, label, message, missing in (
            ("en", "Could not be submitted", "Kontor could not submit it", "This question cannot be shown"),
            ("de", "Konnte nicht abgegeben werden", "Kontor konnte ihn nicht abgeben",
             "Diese Frage kann nicht angezeigt werden")):
        teacher_client, teacher = _teacher(app, make_launch, locale)
        page = teacher_client.get(f"/l/{teacher}/reports/attempts/{attempt_id}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert f"<dd>{label}</dd>" in html
        assert message in html
        assert html.count('<section class="report-question"') == planned + 1
        assert html.count(missing) == 1  # only the ghost


def test_the_gradebook_and_its_exports_name_it_as_the_attempt_pages_do(app, client, make_launch, student, start):
    attempt_id = started_attempt_id(start(student))
    _poison(app, attempt_id, deadline_at=utcnow() - timedelta(hours=1), sweep_failures=5,
            unsubmittable_at=utcnow())
    teacher_client, teacher = _teacher(app, make_launch)
    gradebook = teacher_client.get(f"/l/{teacher}/reports/").get_data(as_text=True)
    assert "<td>Could not be submitted</td>" in gradebook
    assert "<td>In progress</td>" not in gradebook
    rows = list(csv.DictReader(io.StringIO(
        teacher_client.get(f"/l/{teacher}/reports/gradebook.csv").get_data().decode("utf-8-sig"))))
    assert [r["Status"] for r in rows if r["Name"] == "Test Student sam"] == ["unsubmittable"]


def test_the_status_in_sql_is_the_status_in_python(app, client, student, start):
    """Attempt.shown_status is one rule for the pages (Python) and the queries and exports (SQL)."""
    attempt_id = started_attempt_id(start(student))
    cases = [("in_progress", None), ("in_progress", utcnow()), ("submitted", None), ("submitted", utcnow()),
             ("awaiting_grading", None), ("submitting", utcnow())]
    for status, marked in cases:
        set_attempt(app, attempt_id, status=status, unsubmittable_at=marked)
        with app.app_context():
            attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == attempt_id)).one()
            in_sql = db.session.scalar(select(Attempt.shown_status).where(Attempt.id == attempt.id))
            assert in_sql == attempt.shown_status
            assert in_sql == ("unsubmittable" if (status, marked is not None) == ("in_progress", True) else status)
