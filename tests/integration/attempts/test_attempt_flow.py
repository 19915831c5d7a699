"""The attempt through its routes: start, answer, autosave, summary, submit, result."""
import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from support.apps import attempt_row, csrf_from, started_attempt_id
from lms_module.attempts import services
from lms_module.attempts.models import Answer, Attempt
from lms_module.db_types import utcnow
from lms_module.engine import handler_for
from lms_module.extensions import db
from lms_module.signals import attempt_graded
from support.answer_keys import attempt_key_form


def _key_form_for_all(app, public_id):
    """Form fields answering every question of the attempt with the key."""
    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == public_id)).one()
        return attempt_key_form(attempt, "A short essay answer.")[0]


def test_start_page_shows_the_rules(client, student):
    body = client.get(f"/l/{student}/quiz").get_data(as_text=True)
    assert "All question types" in body
    assert "Attempts left" in body and ">2<" in body
    assert "20 minutes" in body
    assert "70\u00a0%" in body
    assert "highest attempt counts" in body
    # How big the quiz is (issue 13): 11 questions worth 14.5 points.
    assert "<dt>Questions</dt><dd>11</dd>" in body and "<dt>Points</dt><dd>14.5</dd>" in body


def test_start_creates_an_attempt_and_a_second_start_resumes_it(app, client, student, start):
    first = start(student)
    assert first.status_code == 302
    attempt_id = started_attempt_id(first)
    again = start(student)
    assert started_attempt_id(again) == attempt_id
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Attempt)) == 1


def test_the_attempt_looks_the_same_after_a_reload(client, student, start):
    """Question order, option order and tokens come from the attempt's seed, not from the request."""
    attempt_id = started_attempt_id(start(student))
    url = f"/l/{student}/attempt/{attempt_id}/page/1"
    # The security token and the server's time for the countdown (data-now) differ per request.
    per_request = lambda html: re.sub(r'(csrf_token" value|data-csrf|data-now)="[^"]*"', "", html)  # noqa: E731
    first = per_request(client.get(url).get_data(as_text=True))
    assert 'name="q-fob"' in first
    assert first == per_request(client.get(url).get_data(as_text=True))


def test_no_answer_key_reaches_the_browser_before_review(client, student, start):
    attempt_id = started_attempt_id(start(student))
    body = client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True)
    assert "SECRET" not in body
    assert "correct" not in body.lower().replace("correctly", "")


def test_full_attempt_with_the_key_scores_full_marks_except_the_essay(app, client, student, start):
    attempt_id = started_attempt_id(start(student))
    form = _key_form_for_all(app, attempt_id)
    page = client.get(f"/l/{student}/attempt/{attempt_id}/page/1")
    form["csrf_token"] = csrf_from(page.get_data(as_text=True))
    form["go"] = "summary"
    saved = client.post(f"/l/{student}/attempt/{attempt_id}/page/1", data=form)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/summary")
    summary = client.get(f"/l/{student}/attempt/{attempt_id}/summary").get_data(as_text=True)
    assert "You have answered every question." in summary
    submitted = client.post(f"/l/{student}/attempt/{attempt_id}/submit", data={"csrf_token": csrf_from(summary)})
    assert submitted.headers["Location"].endswith("/result")
    row = attempt_row(app, attempt_id)
    assert row.status == "awaiting_grading"  # the essay waits for the instructor
    with app.app_context():
        answers = db.session.scalars(select(Answer).where(Answer.attempt_id == row.id)).all()
        auto = [a for a in answers if not a.needs_manual]
        assert all(a.marks == a.max_marks for a in auto)
        assert [a.question_id for a in answers if a.needs_manual] == ["why-check"]
    result = client.get(f"/l/{student}/attempt/{attempt_id}/result").get_data(as_text=True)
    assert "graded by your instructor" in result


def test_double_submission_grades_once(app, client, student, start):
    attempt_id = started_attempt_id(start(student))
    summary = client.get(f"/l/{student}/attempt/{attempt_id}/summary").get_data(as_text=True)
    token = csrf_from(summary)
    calls = []

    def record(sender, **values):
        calls.append(values)

    with attempt_graded.connected_to(record):
        for _ in range(3):
            response = client.post(f"/l/{student}/attempt/{attempt_id}/submit", data={"csrf_token": token})
            assert response.status_code == 302
    assert len(calls) == 1
    assert attempt_row(app, attempt_id).status in ("submitted", "awaiting_grading")


def test_posting_after_submission_changes_nothing(app, client, student, start):
    attempt_id = started_attempt_id(start(student))
    summary = client.get(f"/l/{student}/attempt/{attempt_id}/summary").get_data(as_text=True)
    token = csrf_from(summary)
    client.post(f"/l/{student}/attempt/{attempt_id}/submit", data={"csrf_token": token})
    late = client.post(f"/l/{student}/attempt/{attempt_id}/page/1", data={"csrf_token": token, "q-fob": "anything", "go": "next"})
    assert late.headers["Location"].endswith("/result")
    auto = client.post(f"/l/{student}/attempt/{attempt_id}/autosave", json={"question_id": "fob", "fields": {}},
                       headers={"X-CSRFToken": token})
    assert auto.status_code == 409
    assert "already been submitted" in auto.get_json()["message"]
    with app.app_context():
        assert all(a.response == {} for a in db.session.scalars(select(Answer)))


def test_autosave_keeps_the_newest_answer_by_the_time_it_was_given(app, client, student, start):
    attempt_id = started_attempt_id(start(student))
    token = csrf_from(client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True))
    now = utcnow()
    url = f"/l/{student}/attempt/{attempt_id}/autosave"
    newer = {"question_id": "gross", "fields": {"q-gross": ["119,00"]}, "given_at": now.isoformat()}
    older = {"question_id": "gross", "fields": {"q-gross": ["100"]}, "given_at": (now - timedelta(seconds=30)).isoformat()}
    assert client.post(url, json=newer, headers={"X-CSRFToken": token}).get_json()["saved"] == ["gross"]
    # The offline queue replays an older answer afterwards: the newer one stays.
    replay = client.post(url, json=older, headers={"X-CSRFToken": token}).get_json()
    assert replay["kept_newer"] == ["gross"]
    with app.app_context():
        answer = db.session.scalars(select(Answer).where(Answer.question_id == "gross")).one()
        assert answer.response == {"value": "119,00"}


def test_autosave_needs_the_csrf_token(app, client, student, start, make_launch, all_types_quiz):
    """Missing, forged, or another session's token in the X-CSRFToken header: refused with the
    security-token message, nothing stored (CSRFProtect checks the JSON save as it checks forms)."""
    attempt_id = started_attempt_id(start(student))
    url = f"/l/{student}/attempt/{attempt_id}/autosave"
    body = {"question_id": "gross", "fields": {"q-gross": ["1"]}}
    other = app.test_client()
    someone_else = make_launch("student", quiz_slug=all_types_quiz, user_sub="kim", test_client=other)
    their_token = csrf_from(other.get(f"/l/{someone_else}/quiz").get_data(as_text=True))  # valid, of their session
    for headers in ({}, {"X-CSRFToken": "forged"}, {"X-CSRFToken": their_token}):
        response = client.post(url, json=body, headers={"Accept-Language": "en", **headers})
        assert response.status_code == 400, headers
        assert "security token is no longer valid" in response.get_data(as_text=True), headers
    with app.app_context():
        assert db.session.scalars(select(Answer)).all() == []


def test_forged_option_token_is_refused_and_nothing_is_stored(app, client, student, start):
    attempt_id = started_attempt_id(start(student))
    page = client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "q-fob": "a", "q-gross": "119", "go": "next"}
    response = client.post(f"/l/{student}/attempt/{attempt_id}/page/1", data=form, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "does not offer" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Answer)).all() == []  # not even the valid numeric answer


def test_an_answer_for_a_question_outside_the_attempt_is_refused(client, student, start):
    attempt_id = started_attempt_id(start(student))
    token = csrf_from(client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True))
    response = client.post(f"/l/{student}/attempt/{attempt_id}/autosave",
                           json={"question_id": "not-in-quiz", "fields": {}}, headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert response.get_json()["error"] == "unknown_question"


def test_absurdly_long_text_is_refused(app, client, student, start):
    attempt_id = started_attempt_id(start(student))
    token = csrf_from(client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True))
    response = client.post(f"/l/{student}/attempt/{attempt_id}/autosave",
                           json={"question_id": "why-check", "fields": {"q-why-check": ["x" * 20_001]}},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert response.get_json()["error"] == "too_long"


def test_another_users_attempt_id_is_not_found(app, client, make_launch, student, start):
    attempt_id = started_attempt_id(start(student))
    other_client = app.test_client()
    other = make_launch("student", quiz_slug="all-types", user_sub="eve", test_client=other_client)
    for url in (f"/l/{other}/attempt/{attempt_id}/page/1", f"/l/{other}/attempt/{attempt_id}/summary",
                f"/l/{other}/attempt/{attempt_id}/result"):
        assert other_client.get(url).status_code == 404


def test_deadline_expiry_submits_with_the_saved_answers(app, client, student, start):
    with time_machine.travel(utcnow(), tick=False) as traveller:
        attempt_id = started_attempt_id(start(student))
        token = csrf_from(client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True))
        client.post(f"/l/{student}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                    json={"question_id": "why-check", "fields": {"q-why-check": ["Half-written essay"]}})
        traveller.shift(timedelta(minutes=20, seconds=29))  # within the grace period: still accepted
        ok = client.post(f"/l/{student}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                         json={"question_id": "gross", "fields": {"q-gross": ["119"]}})
        assert ok.status_code == 200
        traveller.shift(timedelta(seconds=2))
        late = client.post(f"/l/{student}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                           json={"question_id": "gross", "fields": {"q-gross": ["999"]},
                                 "given_at": (utcnow() - timedelta(minutes=5)).isoformat()})
        assert late.status_code == 409  # whatever time the browser claims
    row = attempt_row(app, attempt_id)
    assert row.status == "awaiting_grading"
    with app.app_context():
        answers = {a.question_id: a.response for a in db.session.scalars(select(Answer).where(Answer.attempt_id == row.id))}
        assert answers["why-check"] == {"text": "Half-written essay"}
        assert answers["gross"] == {"value": "119"}


def test_the_sweep_submits_abandoned_attempts(app, client, student, start):
    attempt_id = started_attempt_id(start(student))
    with app.app_context():
        later = utcnow() + timedelta(minutes=21)
        assert services.sweep_overdue(later) == 1
        db.session.commit()
        assert services.sweep_overdue(later) == 0
    assert attempt_row(app, attempt_id).status != "in_progress"


def test_attempt_limit_is_enforced(app, client, student, start):
    for _ in range(2):
        attempt_id = started_attempt_id(start(student))
        token = csrf_from(client.get(f"/l/{student}/attempt/{attempt_id}/summary").get_data(as_text=True))
        client.post(f"/l/{student}/attempt/{attempt_id}/submit", data={"csrf_token": token})
    page = client.get(f"/l/{student}/quiz").get_data(as_text=True)
    assert "used all your attempts" in page
    refused = start(student)
    assert refused.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Attempt)) == 2


def test_start_without_csrf_is_refused(client, student):
    response = client.post(f"/l/{student}/quiz/start", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)


def test_review_shows_keys_only_after_submission(app, client, student, start):
    attempt_id = started_attempt_id(start(student))
    summary = client.get(f"/l/{student}/attempt/{attempt_id}/summary").get_data(as_text=True)
    assert "SECRET-EXPLANATION" not in summary
    client.post(f"/l/{student}/attempt/{attempt_id}/submit", data={"csrf_token": csrf_from(summary)})
    result = client.get(f"/l/{student}/attempt/{attempt_id}/result").get_data(as_text=True)
    assert "SECRET-EXPLANATION-EN" in result  # feedback after_submit


def test_every_question_type_renders_with_its_partial(app, client, student, start):
    attempt_id = started_attempt_id(start(student))
    body = client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True)
    with app.app_context():
        attempt = db.session.scalars(select(Attempt)).one()
        types = {services.content_for(attempt).question(e["question_id"]).type for e in attempt.plan}
    assert len(types) == 11
    for question_type in types:
        assert f"q--{question_type.replace('_', '-')}" in body or f"q--{question_type}" in body, question_type
    handler_for("single")


def test_quiz_content_is_cached_per_session_not_on_the_attempt(app, student, start):
    """content_for kept the parsed quiz in the ORM instance's __dict__ (issue 11): it now lives in
    the database session's own cache, one lookup per session and version."""
    public_id = started_attempt_id(start(student))
    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == public_id)).one()
        content = services.content_for(attempt)
        assert not any(key.startswith("_kontor") for key in attempt.__dict__)
        assert db.session.info["kontor_quiz_content"][attempt.quiz_version_id] is content
        db.session.expunge(attempt)
        again = db.session.scalars(select(Attempt).where(Attempt.public_id == public_id)).one()
        assert services.content_for(again) is content


def test_an_autosave_refused_for_its_token_answers_json_that_keeps_the_answer(client, student, start):
    """The autosave script reads its refusals as JSON: a security-token refusal says why and tells
    the script to keep the answer queued (the answer is not what was refused). It was the HTML
    error page, which the script took for a lost connection."""
    attempt_id = started_attempt_id(start(student))
    response = client.post(f"/l/{student}/attempt/{attempt_id}/autosave",
                           json={"question_id": "gross", "fields": {"q-gross": ["1"]}},
                           headers={"X-CSRFToken": "forged", "Accept-Language": "en"})
    assert response.status_code == 400 and response.is_json
    body = response.get_json()
    assert (body["ok"], body["error"], body["keep"]) == (False, "csrf", True)
    assert "Please reload the page" in body["message"]
    # The answer is kept in the browser: the form page's "Nothing was saved." is not said to it.
    assert "not saved yet" in body["message"] and "Nothing was saved" not in body["message"]


def test_a_security_token_refusal_speaks_the_launchs_language(client, make_launch, all_types_quiz):
    """The token is checked before the view loads the launch: the refusal spoke the browser's
    language, so a German course's student in an English browser read it in English."""
    german = make_launch("student", quiz_slug=all_types_quiz, user_sub="jo", locale="de")
    response = client.post(f"/l/{german}/quiz/start", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Sicherheitstoken" in html and "security token" not in html
    unknown = client.post("/l/no-such-launch/quiz/start", headers={"Accept-Language": "en"})
    assert unknown.status_code == 400 and "security token" in unknown.get_data(as_text=True)


def test_an_autosave_too_large_is_refused_in_the_launchs_language_and_not_kept(client, make_launch, all_types_quiz,
                                                                             start):
    """A body over the size limit is refused before the view: its refusal spoke the browser's
    language. The answer is what was refused, so the script must not keep it (it would be sent and
    refused again for ever)."""
    german = make_launch("student", quiz_slug=all_types_quiz, user_sub="jo", locale="de")
    attempt_id = started_attempt_id(start(german))
    token = csrf_from(client.get(f"/l/{german}/attempt/{attempt_id}/page/1").get_data(as_text=True))
    response = client.post(f"/l/{german}/attempt/{attempt_id}/autosave",
                           json={"question_id": "why-check", "fields": {"q-why-check": ["x" * 3_000_000]}},
                           headers={"X-CSRFToken": token, "Accept-Language": "en"})
    assert response.status_code == 413 and response.is_json
    body = response.get_json()
    assert body["keep"] is False and "zu groß" in body["message"], body


def test_an_autosave_refused_for_its_token_says_in_german_that_the_answer_is_not_saved_yet(client, make_launch,
                                                                                       all_types_quiz, start):
    german = make_launch("student", quiz_slug=all_types_quiz, user_sub="jo", locale="de")
    attempt_id = started_attempt_id(start(german))
    body = client.post(f"/l/{german}/attempt/{attempt_id}/autosave",
                       json={"question_id": "gross", "fields": {"q-gross": ["1"]}},
                       headers={"X-CSRFToken": "forged", "Accept-Language": "en"}).get_json()
    assert "noch nicht gespeichert" in body["message"] and "Bitte laden Sie die Seite neu" in body["message"]
    assert "Es wurde nichts gespeichert" not in body["message"]
