"""Time-up in an exam, in a real browser inside the LMS's cross-site frame (where Chromium blocks site
data, so the script's queue of unsent answers lives in memory): the page's answers are saved during
the server's grace and the student reaches the result once.

The script used to reload the page 3 s after zero. The page loaded during the grace showed the
timer at zero again, so it reloaded every 3 s until the grace ended, and each reload threw away the
answers still queued in memory: an answer changed in the last second was lost.

The browser's time runs on Playwright's page clock; the server's time is moved by setting the
attempt's deadline in the database (the server's clock has reached the deadline, then the grace is
over)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms_module.attempts import policy, services
from lms_module.attempts.models import Answer, Attempt
from lms_module.db_types import utcnow
from lms_module.extensions import db
from support.answer_keys import running_attempt_key_form
from support.lms_frame import attempt_page_ready, fill_field, launched_frame
from support.timed_exam import accessible, set_up_exam, started_attempt

TIME_LIMIT_MS = 20 * 60 * 1000
TIME_UP = {"en": "Time is up. Your answers are being submitted.", "de": "Die Zeit ist abgelaufen"}


@pytest.fixture
def exam(live):
    return set_up_exam(live)


def move_deadline(live, to):
    """The server's clock reaches a moment: the attempt's deadline is set relative to now."""
    with live.app.app_context():
        attempt = db.session.scalars(select(Attempt)).one()
        attempt.deadline_at = utcnow() + to
        db.session.commit()


def run_until_result(page, frame):
    """The browser's clock runs on, a second at a time, until the frame shows the result."""
    for _ in range(int(policy.GRACE.total_seconds()) + 10):
        if frame.url.endswith("/result"):
            break
        page.clock.run_for(1000)
        frame.wait_for_load_state()
    frame.wait_for_url("**/result", timeout=15000)
    frame.wait_for_selector("main h1")


def count_navigations(page, frame):
    """The URLs the tool's frame navigates to from now on (a reload counts too)."""
    seen = []
    page.on("framenavigated", lambda navigated: seen.append(navigated.url) if navigated == frame else None)
    return seen


def test_an_answer_changed_just_before_time_up_is_saved_and_counted_with_site_data_blocked(page, exam):
    """The student corrects an answer a moment before zero on a slow network (its autosave hangs):
    the page's form post at time-up saves it within the grace, and the result counts it. The old
    reload posted nothing and dropped the queue it held in memory."""
    live = exam
    frame = started_attempt(page, live, "en")
    # The LMS's frame is cross-site: Chromium refuses it site data, the queue lives in the page.
    assert frame.evaluate("() => { try { return !window.localStorage; } catch (e) { return true; } }")

    key = running_attempt_key_form(live.app, "Because the invoice must match the order.")
    last = "q-eori"  # the short text answer
    for name, values in key.items():
        fill_field(frame, name, ["wrong"] if name == last else values)
    page.clock.run_for(1000)  # the autosave's pause
    frame.wait_for_function("() => document.getElementById('attempt-form').dataset.unsent === '0'", timeout=15000)

    # A slow network: from now on every save hangs. The last answer changes a moment before zero.
    held = []
    page.route("**/autosave", lambda route: held.append(route))
    fill_field(frame, last, key[last])
    assert frame.evaluate("() => document.getElementById('attempt-form').dataset.unsent") != "0"
    move_deadline(live, timedelta(seconds=-1))  # on the server: the deadline has just passed
    with page.expect_event("framenavigated", lambda navigated: navigated == frame, timeout=15000):
        page.clock.run_for(TIME_LIMIT_MS + 10_000)  # zero, and the time the script gives the stuck save
    assert held, "the answer's autosave was sent and hung"
    with live.app.app_context():
        saved = {a.question_id: a.response for a in db.session.scalars(select(Answer))}
    assert saved["eori"] == {"value": key[last][0]}, "the answer changed last was lost"
    frame.wait_for_url("**/summary", timeout=15000)
    assert frame.locator("#attempt-timer-announce").inner_text() == TIME_UP["en"]
    accessible(page, frame, "summary at time-up")

    move_deadline(live, -(policy.GRACE + timedelta(seconds=1)))  # on the server: the grace is over
    run_until_result(page, frame)
    accessible(page, frame, "result after time-up")
    with live.app.app_context():
        attempt = db.session.scalars(select(Attempt)).one()
        assert attempt.status == "awaiting_grading"
        essay_points = services.content_for(attempt).question("why-check").points
        assert attempt.marks == attempt.max_marks - essay_points  # every answer counted, the last one too


@pytest.mark.parametrize("locale", ["en", "de"])
def test_time_up_leads_to_the_result_once_instead_of_reloading_during_the_grace(page, exam, locale):
    """At zero the page is saved and the summary says that time is up (seen and announced); it stays
    while the grace runs, then the result opens, once. axe-core checks the summary at time-up."""
    live = exam
    frame = started_attempt(page, live, locale)
    move_deadline(live, timedelta(seconds=-1))
    navigations = count_navigations(page, frame)
    page.clock.run_for(TIME_LIMIT_MS)  # zero: the page is saved and the summary shown

    # The grace runs on (here 15 s of it, in steps, with time for a page to load after each): the
    # script once reloaded the question page every 3 s.
    announcement = frame.locator("#attempt-timer-announce")
    for _ in range(15):
        page.clock.run_for(1000)
        frame.wait_for_load_state()
        announcement.filter(has_text=TIME_UP[locale]).wait_for(timeout=15000)
    reloads = [url for url in navigations if "/page/" in url]
    assert not reloads, f"the question page was loaded again {len(reloads)} times during the grace"
    frame.wait_for_url("**/summary", timeout=15000)
    assert [url.rsplit("/", 1)[-1] for url in navigations] == ["summary"]
    assert announcement.is_visible()  # seen, not only heard
    accessible(page, frame, f"summary at time-up ({locale})")

    move_deadline(live, -(policy.GRACE + timedelta(seconds=1)))  # on the server: the grace is over
    run_until_result(page, frame)
    assert [url.rsplit("/", 1)[-1] for url in navigations] == ["summary", "result"]
    with live.app.app_context():
        assert db.session.scalars(select(Attempt)).one().status != "in_progress"


def test_a_browser_clock_that_is_ahead_does_not_end_the_exam_early(page, exam):
    """The countdown runs on the server's clock: a browser whose clock is 30 minutes ahead (past
    the 20-minute deadline) counted zero at once and left the question page; the server's clock
    says 20 minutes are left, and so does the page."""
    live = exam
    page.clock.install(time=utcnow() + timedelta(minutes=30))
    page.goto(f"{live.lms_url}/course/view/2?user=4&locale=en")
    frame = launched_frame(page, "form[action$='/quiz/start']")
    frame.locator("form[action$='/quiz/start'] button[type=submit]").click()
    attempt_page_ready(frame)
    page.clock.pause_at(frame.evaluate("() => Date.now()") / 1000 + 1)
    navigations = count_navigations(page, frame)
    page.clock.run_for(5000)
    hours, minutes, seconds = map(int, frame.locator("#attempt-timer .timer__value").inner_text().split(":"))
    assert 19 * 60 + 30 <= hours * 3600 + minutes * 60 + seconds <= 19 * 60 + 55  # 20 minutes less the seconds gone
    assert navigations == []
