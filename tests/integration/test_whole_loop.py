"""The loop an LMS administrator demonstrates: in the demo LMS an instructor adds a quiz by deep
linking, students take it through their launches, and the grade shows in the LMS's gradebook;
with the LMS down for a while, the grade shows up once it is back."""
from datetime import timedelta

from sqlalchemy import select

from lms_module.attempts.models import Attempt
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.worker import Worker
from support.answer_keys import planned_key_forms
from support.apps import csrf_from

QUIZ = """
slug: loop-exam
title: {de: "Kurzprüfung", en: "Short exam"}
topic: compliance
settings: {mode: exam, attempts: 1, feedback: after_submit, shuffle_options: true}
questions:
  - id: keep-invoices
    type: single
    difficulty: 1
    text: {de: "Wie lange bewahren Sie Buchungsbelege auf?", en: "How long do you keep accounting vouchers?"}
    options:
      - {id: a, text: {de: "8 Jahre", en: "8 years"}, correct: true}
      - {id: b, text: {de: "6 Jahre", en: "6 years"}}
      - {id: c, text: {de: "2 Jahre", en: "2 years"}}
    explanation: {de: "§ 147 Abs. 3 AO seit 2025.", en: "Section 147(3) AO since 2025."}
    source: "§ 147 Abs. 3 AO"
  - id: breach-hours
    type: numeric
    difficulty: 2
    text: {de: "Meldefrist einer Datenpanne in Stunden?", en: "Hours to report a data breach?"}
    answer: 72
    explanation: {de: "Art. 33 DSGVO.", en: "Art. 33 GDPR."}
    source: "Art. 33 DSGVO"
"""


def add_quiz_by_deep_linking(live, tmp_path):
    from lms_module.library.services import import_path

    path = tmp_path / "loop.yaml"
    path.write_text(QUIZ)
    with live.app.app_context():
        assert import_path(path, origin="import").ok
        db.session.commit()
    with live.browser() as browser:
        picker = browser.open_iframe(browser.get(f"{live.lms_url}/deeplink/view?user=3"))
        answer = browser.post(picker.url, data={"csrf_token": csrf_from(picker.text), "quiz": "loop-exam"})
        browser.follow_autosubmit(answer)
    (returned,) = live.lms.deep_linking_returns
    (cmid,) = returned.created_cmids
    return cmid


def take_quiz(live, user, cmid, right: bool):
    """A student launches the new activity, answers through the pages and submits."""
    with live.browser() as browser:
        browser.session.headers["Accept-Language"] = "en"
        start_page = live.launch(browser, user=user, activity=cmid)
        page = browser.submit(start_page)
        with live.app.app_context():
            attempt = db.session.scalars(select(Attempt).order_by(Attempt.id.desc())).first()
            answers = {}
            for _, form in planned_key_forms(attempt):
                # The wrong student gets the numeric question wrong and the other one right: 50 %.
                answers.update(form if right else {n: (["0"] if "breach" in n else v) for n, v in form.items()})
        while "/page/" in page.url:
            data = {"csrf_token": csrf_from(page.text), "go": "next", **{k: v for k, v in answers.items() if f'name="{k}"' in page.text}}
            page = browser.post(page.url, data=data)
        assert page.url.endswith("/summary")
        result = browser.submit(page, overrides={"csrf_token": csrf_from(page.text)})
        assert result.url.endswith("/result")


def test_deep_link_take_the_quiz_and_the_grade_arrives_also_after_an_outage(live, tmp_path):
    cmid = add_quiz_by_deep_linking(live, tmp_path)
    worker = Worker(live.app, worker_id="loop-worker", rosters=False)

    take_quiz(live, user="4", cmid=cmid, right=True)
    worker.run_once()
    grade = live.lms.grade("4", cmid=cmid)
    assert grade is not None and grade.raw_grade == 100.0, grade

    take_quiz(live, user="5", cmid=cmid, right=False)
    live.lms.set_down(True)  # the LMS goes down before the grade is delivered
    try:
        report = worker.run_once()
        assert report.delivery.retrying == 1 and live.lms.grade("5", cmid=cmid) is None
    finally:
        live.lms.set_down(False)
    worker.run_once(now=utcnow() + timedelta(minutes=10))  # the retry is due
    grade = live.lms.grade("5", cmid=cmid)
    assert grade is not None and grade.raw_grade == 50.0, grade
