"""Parallel starts never bypass the attempt limit (issue 9: 20 parallel starts with quiz_attempts=1
gave 3 of 8 students two attempts). Real threads against a live server, on SQLite and PostgreSQL."""
import re
import threading
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from lms_module.attempts.models import Attempt
from lms_module.extensions import db
from lms_module.library.services import import_path
from lms_module.courses.models import User
from support.apps import csrf_from

ALL_TYPES = Path(__file__).resolve().parents[2] / "unit" / "engine" / "fixtures" / "all_types.yaml"


def _one_attempt_quiz(live):
    with live.app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()
    live.lms.set_custom_parameters(2, {"quiz": "all-types", "quiz_attempts": "1"})


def _start_form(live, user):
    """A student's browser on the start page: (browser, start URL, CSRF token)."""
    browser = live.browser()
    browser.session.headers["Accept-Language"] = "en"
    page = live.launch(browser, user=user)
    assert page.status_code == 200 and page.url.endswith("/quiz"), page.text[:300]
    return browser, page.url + "/start", csrf_from(page.text)


def _in_parallel(calls):
    results = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _attempts_by_subject(live):
    with live.app.app_context():
        rows = db.session.execute(select(User.subject).join(Attempt, Attempt.user_id == User.id)).scalars()
        return Counter(rows)


def test_parallel_starts_of_many_students_give_each_one_attempt(live):
    _one_attempt_quiz(live)
    students = ["4", "5", "6", *(user.id for user in live.lms.add_members(5))]
    forms = [_start_form(live, user) for user in students]
    calls = [
        (lambda b=browser, u=url, t=token: b.session.post(u, data={"csrf_token": t}, allow_redirects=False))
        for browser, url, token in forms
        for _ in range(3)
    ]
    responses = _in_parallel(calls)
    assert all(not isinstance(r, Exception) and r.status_code == 302 for r in responses), responses
    assert _attempts_by_subject(live) == Counter({user: 1 for user in students})
    # Every start of one student leads to that student's one attempt.
    for index, (browser, _url, _token) in enumerate(forms):
        targets = {responses[3 * index + k].headers["Location"] for k in range(3)}
        assert len(targets) == 1 and re.search(r"/attempt/[^/]+/page/1$", targets.pop())
        browser.close()


def test_parallel_starts_of_one_student_give_one_attempt_then_a_clear_refusal(live):
    _one_attempt_quiz(live)
    browser, url, token = _start_form(live, "4")
    responses = _in_parallel([lambda: browser.session.post(url, data={"csrf_token": token}, allow_redirects=False)
                              for _ in range(10)])
    assert [getattr(r, "status_code", r) for r in responses] == [302] * 10
    assert len({r.headers["Location"] for r in responses}) == 1
    assert _attempts_by_subject(live) == Counter({"4": 1})

    # Submitted, the one attempt is used up: parallel starts get "no attempts left", not a second try.
    attempt_page = browser.get(live.url + responses[0].headers["Location"])
    submit = re.sub(r"/page/\d+$", "/submit", attempt_page.url)
    assert browser.session.post(submit, data={"csrf_token": csrf_from(attempt_page.text)},
                                allow_redirects=False).status_code == 302
    responses = _in_parallel([lambda: browser.session.post(url, data={"csrf_token": token}, allow_redirects=False)
                              for _ in range(10)])
    assert [getattr(r, "status_code", r) for r in responses] == [409] * 10
    assert all("You have used all your attempts for this quiz." in r.text for r in responses), \
        responses[0].text[:500]
    assert _attempts_by_subject(live) == Counter({"4": 1})
    browser.close()
