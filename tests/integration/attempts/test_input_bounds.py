"""Security (issue 9): one student's absurd number must not block their result, the deadlines of
everybody else, or the worker's other jobs."""
import re
from datetime import timedelta

from sqlalchemy import select

from lms_module.attempts import services
from lms_module.attempts.models import IN_PROGRESS, SUBMITTED, Answer, Attempt
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.lti.models import OidcLogin, Platform
from lms_module.worker import Worker
from support.apps import attempt_row, csrf_from
from support.broken_plans import with_ghost

ABSURD = "1" * 40  # 29+ digits made Decimal.quantize raise InvalidOperation while scoring


def _attempt_id(response):
    return re.search(r"/attempt/([^/]+)/page/", response.headers["Location"]).group(1)


def test_a_number_with_too_many_digits_is_refused_with_a_message(client, student, start):
    attempt_id = _attempt_id(start(student))
    token = csrf_from(client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True))
    for question_id, field in (("delivery-entry", "q-delivery-entry__total"), ("gross", "q-gross"),
                               ("vat-cloze", "q-vat-cloze__vat"), ("delivery-entry", "q-delivery-entry__qty")):
        refused = client.post(f"/l/{student}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                              json={"question_id": question_id, "fields": {field: [ABSURD]}})
        assert refused.status_code == 400, field
        assert refused.get_json()["error"] == "number_too_long"
        assert "more than 20 digits" in refused.get_json()["message"]
    # The plain form post (no JavaScript) tells the student on the page.
    page = client.post(f"/l/{student}/attempt/{attempt_id}/page/1",
                       data={"csrf_token": token, "q-gross": "9" * 30, "go": "stay"})
    assert page.status_code == 400
    assert "more than 20 digits" in page.get_data(as_text=True)
    # An amount of ordinary size is still saved.
    fine = client.post(f"/l/{student}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                       json={"question_id": "gross", "fields": {"q-gross": ["1.190,00"]}})
    assert fine.status_code == 200


def test_the_message_about_too_many_digits_is_german_for_a_german_launch(client, make_launch, all_types_quiz, start):
    german = make_launch("student", quiz_slug=all_types_quiz, user_sub="gerd", locale="de")
    attempt_id = _attempt_id(start(german))
    token = csrf_from(client.get(f"/l/{german}/attempt/{attempt_id}/page/1").get_data(as_text=True))
    refused = client.post(f"/l/{german}/attempt/{attempt_id}/page/1",
                          data={"csrf_token": token, "q-gross": "9" * 30, "go": "stay"})
    assert refused.status_code == 400
    assert "mehr als 20 Ziffern" in refused.get_data(as_text=True)


def _store_answers(app, public_id, responses):
    """Answers as an older Kontor stored them, before the form refused them."""
    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == public_id)).one()
        for question_id, response in responses.items():
            db.session.add(Answer(attempt_id=attempt.id, question_id=question_id, response=response,
                                  saved_at=utcnow(), flagged=False))
        db.session.commit()


def test_a_stored_absurd_amount_still_gets_the_attempt_submitted_and_its_result_shown(app, client, student, start):
    attempt_id = _attempt_id(start(student))
    _store_answers(app, attempt_id, {
        "delivery-entry": {"fields": {"total": ABSURD, "qty": ABSURD, "date": "3.11.2026"}},
        "gross": {"value": "9" * 60},
        "vat-cloze": {"gaps": {"vat": "1" * 29}},
    })
    token = csrf_from(client.get(f"/l/{student}/attempt/{attempt_id}/summary").get_data(as_text=True))
    submitted = client.post(f"/l/{student}/attempt/{attempt_id}/submit", data={"csrf_token": token})
    assert submitted.status_code == 302
    row = attempt_row(app, attempt_id)
    assert row.status != IN_PROGRESS
    result = client.get(f"/l/{student}/attempt/{attempt_id}/result")
    assert result.status_code == 200
    with app.app_context():
        answers = {a.question_id: a for a in db.session.scalars(select(Answer).where(Answer.attempt_id == row.id))}
        assert answers["gross"].marks == 0  # unreadable: a wrong answer
        assert 0 < answers["delivery-entry"].marks < answers["delivery-entry"].max_marks  # the date counts


def _overdue(app, public_id):
    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == public_id)).one()
        attempt.deadline_at = utcnow() - timedelta(hours=1)
        db.session.commit()


def test_the_sweep_submits_other_students_when_one_attempt_cannot_be_submitted(app, client, make_launch, student, start):
    broken = _attempt_id(start(student))
    other_client = app.test_client()
    other = make_launch("student", quiz_slug="all-types", user_sub="olga", test_client=other_client)
    page = other_client.get(f"/l/{other}/quiz").get_data(as_text=True)
    healthy = _attempt_id(other_client.post(f"/l/{other}/quiz/start", data={"csrf_token": csrf_from(page)}))
    _overdue(app, broken)
    _overdue(app, healthy)
    with app.app_context():  # a bad row: its plan names a question the quiz does not have
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == broken)).one()
        attempt.plan = with_ghost(attempt.plan)
        attempt.deadline_at = utcnow() - timedelta(hours=2)  # swept first
        db.session.commit()
    with app.app_context():
        assert services.sweep_overdue(utcnow()) == 1
    assert attempt_row(app, healthy).status != IN_PROGRESS
    assert attempt_row(app, broken).status == IN_PROGRESS  # rolled back; tried again next sweep


def test_the_worker_purges_even_when_the_sweep_fails(app, monkeypatch):
    now = utcnow()
    with app.app_context():
        platform = Platform(issuer="https://lms.example", client_id="c", auth_login_url="https://lms.example/a",
                            auth_token_url="https://lms.example/t", key_set_url="https://lms.example/k")
        db.session.add(platform)
        db.session.flush()
        db.session.add(OidcLogin(state="old", nonce="n", platform_id=platform.id, expires_at=now - timedelta(hours=1)))
        db.session.commit()

    def failing_sweep(moment, limit=200):
        raise RuntimeError("the sweep fails")

    monkeypatch.setattr(services, "sweep_overdue", failing_sweep)
    Worker(app, worker_id="purger", rosters=False).run_once(now)
    with app.app_context():
        assert db.session.scalars(select(OidcLogin)).all() == []


def test_the_worker_sweeps_past_a_stored_absurd_answer(app, client, make_launch, student, start):
    """The reported case: one attempt with a 29-digit amount, another student's attempt overdue."""
    absurd = _attempt_id(start(student))
    _store_answers(app, absurd, {"delivery-entry": {"fields": {"total": "1" * 29}}})
    other_client = app.test_client()
    other = make_launch("student", quiz_slug="all-types", user_sub="olga", test_client=other_client)
    page = other_client.get(f"/l/{other}/quiz").get_data(as_text=True)
    healthy = _attempt_id(other_client.post(f"/l/{other}/quiz/start", data={"csrf_token": csrf_from(page)}))
    _overdue(app, absurd)
    _overdue(app, healthy)
    report = Worker(app, worker_id="sweeper", rosters=False).run_once(utcnow())
    assert report.swept == 2
    with app.app_context():
        statuses = set(db.session.scalars(select(Attempt.status)))
    assert IN_PROGRESS not in statuses and statuses <= {SUBMITTED, "awaiting_grading"}


def test_odd_custom_parameters_from_the_lms_never_break_the_quiz(app, client, student, start):
    """quiz_attempts=² made int() raise (isdigit() is True for '²'); a time limit of 99999999999
    minutes overflowed the deadline. Both are ignored like any mistyped custom parameter."""
    with app.app_context():
        from lms_module.courses.models import ResourceLink

        link = db.session.scalars(select(ResourceLink)).one()
        link.custom = {"quiz": "all-types", "quiz_attempts": "²", "quiz_time_limit": "99999999999"}
        db.session.commit()
    assert client.get(f"/l/{student}/quiz").status_code == 200
    started = start(student)
    assert started.status_code == 302
    row = attempt_row(app, _attempt_id(started))
    assert row.settings["attempts"] == 2 and row.settings["time_limit_minutes"] == 20  # the quiz file's
