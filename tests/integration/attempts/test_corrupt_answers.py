"""Corrupt stored data is never a 500 for a person. A stored answer its question cannot read (a
wrong shape, an option the question does not have) is read as not answered on the question pages,
the summary, the submission, the result and the instructor's attempt page; it is logged once per
reading with the attempt and question id and stays in the database until the student saves that
question again. A finished attempt whose plan names a question its quiz version lacks shows its
result with a notice in that question's place, to the student and to the instructor."""
import logging
import re

from sqlalchemy import select

from lms_module.attempts.models import Answer, Attempt
from lms_module.db_types import utcnow
from lms_module.extensions import db
from support.apps import attempt_row, csrf_from, set_attempt, started_attempt_id
from support.broken_plans import with_ghost

# Question id -> a stored response its handler cannot read (the all-types quiz).
CORRUPT = {
    "vat-docs": {"choices": 7},  # multiple choice: not a list
    "fob": {"choice": "no-such-option"},  # single choice: an option the question does not have
    "eori-tf": ["not", "an", "object"],  # true/false: not even a JSON object
}
GOOD = {"gross": {"value": "1190"}}  # read as it is


def _store(app, public_id, responses):
    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == public_id)).one()
        for qid, response in responses.items():
            db.session.add(Answer(attempt_id=attempt.id, question_id=qid, response=response, saved_at=utcnow()))
        db.session.commit()


def _stored(app, public_id):
    row = attempt_row(app, public_id)
    with app.app_context():
        return {a.question_id: a for a in db.session.scalars(select(Answer).where(Answer.attempt_id == row.id))}


def _number(app, public_id, qid):
    return [entry["question_id"] for entry in attempt_row(app, public_id).plan].index(qid) + 1


def _nav_state(html, number):
    return re.search(rf'aria-label="Question {number}: (answered|not answered)', html).group(1)


def _unreadable_logged(caplog, row_id):
    """The question ids of the log lines that read a stored answer as not answered."""
    lines = [r for r in caplog.records if r.name == "kontor.attempts" and r.getMessage().startswith(
        f"attempt {row_id}: the stored answer to question ")]
    assert all(r.levelno == logging.ERROR and not r.exc_info for r in lines)
    return sorted(re.search(r"question '([^']+)'", r.getMessage()).group(1) for r in lines)


def _corrupt_attempt(app, client, student, start):
    """A started attempt in time (its first page's CSRF token read) with the CORRUPT and GOOD answers."""
    attempt_id = started_attempt_id(start(student))
    token = csrf_from(client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True))
    _store(app, attempt_id, {**CORRUPT, **GOOD})
    return attempt_id, token


def test_the_question_page_and_summary_show_an_unreadable_answer_as_not_answered(
        app, client, student, start, caplog):
    caplog.set_level(logging.INFO)
    attempt_id, _ = _corrupt_attempt(app, client, student, start)
    row = attempt_row(app, attempt_id)
    base = f"/l/{student}/attempt/{attempt_id}"

    page = client.get(f"{base}/page/1")  # all questions on one page

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for qid in CORRUPT:
        assert _nav_state(html, _number(app, attempt_id, qid)) == "not answered", qid
    assert _nav_state(html, _number(app, attempt_id, "gross")) == "answered"
    assert 'value="1190"' in html
    assert not re.search(r'name="q-vat-docs"[^>]*checked', html)  # no option shown chosen
    assert "no-such-option" not in html and "Traceback" not in html
    assert _unreadable_logged(caplog, row.id) == sorted(CORRUPT)  # once each for the page

    summary = client.get(f"{base}/summary")
    assert summary.status_code == 200
    assert _unreadable_logged(caplog, row.id) == sorted([*CORRUPT, *CORRUPT])
    assert not [r for r in caplog.records if r.name == "kontor.errors"]  # no unhandled error, no 500

    # Only read, never "fixed": the rows keep what they held.
    assert {qid: a.response for qid, a in _stored(app, attempt_id).items()} == {**CORRUPT, **GOOD}


def test_saving_the_question_again_replaces_the_unreadable_answer(app, client, student, start):
    attempt_id, token = _corrupt_attempt(app, client, student, start)
    layout = next(e["layout"] for e in attempt_row(app, attempt_id).plan if e["question_id"] == "vat-docs")
    tokens = {o["id"]: o["token"] for o in layout["options"]}
    base = f"/l/{student}/attempt/{attempt_id}"

    saved = client.post(f"{base}/autosave", headers={"X-CSRFToken": token},
                        json={"question_id": "vat-docs", "fields": {"q-vat-docs": [tokens["a"], tokens["b"]]}})

    assert saved.status_code == 200 and saved.get_json()["saved"] == ["vat-docs"]
    assert _stored(app, attempt_id)["vat-docs"].response == {"choices": ["a", "b"]}
    html = client.get(f"{base}/page/1").get_data(as_text=True)
    assert _nav_state(html, _number(app, attempt_id, "vat-docs")) == "answered"


def test_submitting_scores_an_unreadable_answer_as_not_answered_and_the_result_shows_it(
        app, client, student, start, caplog):
    caplog.set_level(logging.INFO)
    attempt_id, token = _corrupt_attempt(app, client, student, start)
    row_id = attempt_row(app, attempt_id).id
    base = f"/l/{student}/attempt/{attempt_id}"

    submitted = client.post(f"{base}/submit", data={"csrf_token": token})

    assert submitted.status_code == 302 and submitted.headers["Location"].endswith(f"{base}/result")
    row = attempt_row(app, attempt_id)
    assert row.status == "submitted"  # the essay is not answered either: nothing to grade by hand
    stored = _stored(app, attempt_id)
    for qid in CORRUPT:
        assert (stored[qid].marks, stored[qid].needs_manual) == (0.0, False), qid
        assert stored[qid].response == CORRUPT[qid]  # scored as not answered, kept as it was
    assert _unreadable_logged(caplog, row_id) == sorted(CORRUPT)  # once each for the submission
    caplog.clear()

    result = client.get(f"{base}/result")
    assert result.status_code == 200
    html = result.get_data(as_text=True)
    assert html.count("Not answered") >= len(CORRUPT)
    assert "no-such-option" not in html and "Traceback" not in html
    assert _unreadable_logged(caplog, row_id) == sorted(CORRUPT)
    assert not [r for r in caplog.records if r.name == "kontor.errors"]


def _report_section(html, answer_id):
    """The instructor's attempt page's section of one answer."""
    return html.split(f'<section class="report-question" id="question-{answer_id}"', 1)[1].split("</section>", 1)[0]


def test_the_instructors_attempt_page_reviews_an_unreadable_answer_as_not_answered_as_the_result_does(
        app, client, make_launch, student, start, caplog):
    """The same review as the student's result (attempts.services.question_review): not answered,
    the answer key shown, no notice in the question's place; in progress and once submitted."""
    caplog.set_level(logging.INFO)
    attempt_id, token = _corrupt_attempt(app, client, student, start)
    row = attempt_row(app, attempt_id)
    teacher_client = app.test_client()
    teachers = {locale: make_launch("instructor", quiz_slug="all-types", user_sub=f"teacher-{locale}",
                                    locale=locale, test_client=teacher_client) for locale in ("en", "de")}
    for state in ("in progress", "submitted"):
        if state == "submitted":
            assert client.post(f"/l/{student}/attempt/{attempt_id}/submit", data={"csrf_token": token}).status_code == 302
        stored = _stored(app, attempt_id)
        for locale, none_label, notice in (("en", "(no answer)", "This question cannot be shown"),
                                           ("de", "(keine Antwort)", "Diese Frage kann nicht angezeigt werden")):
            caplog.clear()
            page = teacher_client.get(f"/l/{teachers[locale]}/reports/attempts/{attempt_id}")

            assert page.status_code == 200, (state, locale)
            html = page.get_data(as_text=True)
            assert notice not in html, (state, locale)
            assert html.count('<section class="report-question"') == len(row.plan)
            for qid in ("vat-docs", "fob"):  # every option shown, none as the student's choice
                section = _report_section(html, stored[qid].id)
                assert section.count('<li class="q-review__option') == {"vat-docs": 4, "fob": 3}[qid], (state, qid)
                assert "q-review__option--selected" not in section, (state, qid)
            assert none_label in _report_section(html, stored["eori-tf"].id)
            assert "no-such-option" not in html and "Traceback" not in html
            assert _unreadable_logged(caplog, row.id) == sorted(CORRUPT)  # logged as everywhere else
            assert not [r for r in caplog.records if r.levelno >= logging.WARNING
                        and not r.getMessage().startswith(f"attempt {row.id}: the stored answer to question ")]


# --- a finished attempt whose plan names a question its quiz version lacks ------------------------

NOTICE_EN = "This question cannot be shown because of a problem on our side."
NOTICE_DE = "Diese Frage kann wegen eines Problems auf unserer Seite nicht angezeigt werden."


def _finished_then_broken(app, client, student, start):
    attempt_id = started_attempt_id(start(student))
    token = csrf_from(client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True))
    assert client.post(f"/l/{student}/attempt/{attempt_id}/submit", data={"csrf_token": token}).status_code == 302
    row = attempt_row(app, attempt_id)
    set_attempt(app, attempt_id, plan=with_ghost(row.plan))
    return attempt_id, row


def test_the_result_page_shows_the_marks_and_a_notice_in_the_missing_questions_place(
        app, client, make_launch, student, start, caplog):
    caplog.set_level(logging.INFO)
    attempt_id, before = _finished_then_broken(app, client, student, start)

    result = client.get(f"/l/{student}/attempt/{attempt_id}/result")

    assert result.status_code == 200
    html = result.get_data(as_text=True)
    assert html.count(NOTICE_EN) == 1 and "Please tell your teacher" in html
    assert html.count('class="q-review ') == len(before.plan)  # every other question is shown
    assert f"<h3>Question {len(before.plan) + 1}</h3>" in html
    assert "Traceback" not in html
    assert [r.getMessage() for r in caplog.records if "'ghost'" in r.getMessage()] == [
        f"attempt {before.id}: its plan names question 'ghost', which its quiz version {before.quiz_version_id} "
        "lacks; the page shows a notice in its place"]
    assert not [r for r in caplog.records if r.name == "kontor.errors"]

    german = make_launch("student", quiz_slug="all-types", user_sub="sam", locale="de")
    page = client.get(f"/l/{german}/attempt/{attempt_id}/result")
    assert page.status_code == 200 and NOTICE_DE in page.get_data(as_text=True)


def test_the_instructors_attempt_page_shows_what_it_can(app, client, make_launch, student, start):
    attempt_id, before = _finished_then_broken(app, client, student, start)
    teacher_client = app.test_client()
    teacher = make_launch("instructor", quiz_slug="all-types", user_sub="teacher", test_client=teacher_client)

    page = teacher_client.get(f"/l/{teacher}/reports/attempts/{attempt_id}")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("This question cannot be shown") == 1
    assert html.count('<section class="report-question"') == len(before.plan) + 1


# --- an attempt in time whose stored layout of a question does not fit the question ----------------


def test_a_layout_that_does_not_fit_gives_the_student_a_clear_page_and_writes_nothing(
        app, client, make_launch, student, start, caplog):
    caplog.set_level(logging.INFO)
    attempt_id = started_attempt_id(start(student))
    token = csrf_from(client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True))
    row = attempt_row(app, attempt_id)
    plan = [{**e, "layout": {"options": [{"id": "no-such-option", "token": "t"}]}} if e["question_id"] == "fob" else e
            for e in row.plan]
    set_attempt(app, attempt_id, plan=plan)
    base = f"/l/{student}/attempt/{attempt_id}"

    page = client.get(f"{base}/page/1")
    assert page.status_code == 409
    html = page.get_data(as_text=True)
    assert "<h1>Your attempt cannot be shown</h1>" in html and "Please tell your teacher" in html
    assert "no-such-option" not in html and "Traceback" not in html
    saved = client.post(f"{base}/page/1", data={"csrf_token": token, "go": "next", "q-gross": "1190", "q-fob": "t"})
    assert saved.status_code == 409 and "Your attempt cannot be shown" in saved.get_data(as_text=True)
    autosave = client.post(f"{base}/autosave", headers={"X-CSRFToken": token},
                           json={"question_id": "fob", "fields": {"q-fob": "t"}})
    assert autosave.status_code == 409 and autosave.get_json()["error"] == "layout_not_in_quiz"
    assert "Please tell your teacher" in autosave.get_json()["message"]

    assert _stored(app, attempt_id) == {}  # nothing written, not even the other questions of the page
    refused = [r.getMessage() for r in caplog.records if r.name == "kontor.attempts" and r.getMessage().startswith(
        f"attempt {row.id}: the stored layout of question 'fob' does not fit the question")]
    assert len(refused) == 3  # page, save, autosave
    assert not [r for r in caplog.records if r.name == "kontor.errors"]

    german = make_launch("student", quiz_slug="all-types", user_sub="sam", locale="de")
    page = client.get(f"/l/{german}/attempt/{attempt_id}/page/1")
    assert page.status_code == 409
    assert "<h1>Ihr Versuch kann nicht angezeigt werden</h1>" in page.get_data(as_text=True)
