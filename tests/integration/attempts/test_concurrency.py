"""Concurrent requests against a real server: autosaves racing each other, double submissions."""
import re
import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from lms_module.attempts.models import Answer, Attempt
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.library.services import import_path
from support.apps import csrf_from

ALL_TYPES = Path(__file__).resolve().parents[2] / "unit" / "engine" / "fixtures" / "all_types.yaml"


def _student_attempt(live):
    with live.app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()
    live.lms.set_custom_parameters(2, {"quiz": "all-types"})
    browser = live.browser()
    browser.session.headers["Accept-Language"] = "en"
    start_page = live.launch(browser, user="4")
    started = browser.submit(start_page)  # the start form
    attempt_url = started.url
    token = csrf_from(started.text)
    autosave = re.sub(r"/page/\d+$", "/autosave", attempt_url)
    return browser, attempt_url, autosave, token


def _in_parallel(calls):
    results = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_racing_autosaves_keep_one_row_with_the_latest_answer(live):
    browser, _url, autosave, token = _student_attempt(live)
    with live.app.app_context():
        started = db.session.scalars(select(Attempt)).one().started_at
    # Moments between the start and now (the server clamps claims outside that window).
    payloads = [
        {"question_id": "gross", "fields": {"q-gross": [str(100 + i)]},
         "given_at": (started + timedelta(milliseconds=10 * (i + 1))).isoformat()}
        for i in range(8)
    ]
    # Those moments must lie in the past for the server, or it clamps them to its clock.
    time.sleep(max(0.0, (started + timedelta(milliseconds=150) - utcnow()).total_seconds()))
    calls = [lambda p=p: browser.session.post(autosave, json=p, headers={"X-CSRFToken": token}) for p in payloads]
    responses = _in_parallel(calls)
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    with live.app.app_context():
        answers = db.session.scalars(select(Answer).where(Answer.question_id == "gross")).all()
        assert len(answers) == 1
        assert answers[0].response == {"value": "107"}  # given last, whatever order they arrived in


def test_racing_submissions_grade_once(live):
    browser, url, _autosave, token = _student_attempt(live)
    submit = re.sub(r"/page/\d+$", "/submit", url)
    responses = _in_parallel([lambda: browser.session.post(submit, data={"csrf_token": token}, allow_redirects=False)
                              for _ in range(5)])
    assert all(r.status_code == 302 for r in responses)
    with live.app.app_context():
        attempt = db.session.scalars(select(Attempt)).one()
        assert attempt.status == "submitted"  # nothing answered: the blank essay needs no grading
        answers = db.session.scalars(select(Answer).where(Answer.attempt_id == attempt.id)).all()
        assert len(answers) == len(attempt.plan)  # one graded row per question, not five
