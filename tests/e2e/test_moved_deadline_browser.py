"""A deadline moved while the student's question page is open (the instructor's new closing date:
attempts.deadlines.move_running_deadlines, run here in the live app) reaches the countdown in a real
browser inside the LMS's frame: with the next autosave's answer, or with the page's own check once a
minute while the student types nothing. The countdown used to run to the deadline the page was made
with: an earlier one closed the attempt while the page showed time left, a later one posted the page
at the old zero, and a page made without a deadline showed none.

The browser's time runs on Playwright's page clock (paused); the server's time is real, and the
page counts from the server's time that each answer carries."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms_module.attempts.deadlines import move_running_deadlines
from lms_module.attempts.models import Attempt
from lms_module.db_types import utcnow
from lms_module.extensions import db
from support.lms_frame import attempt_page_ready, fill_field
from support.timed_exam import accessible, set_up_exam, started_attempt

CHANGED = {"en": "The time for this attempt has changed: it now ends on ",
           "de": "Die Zeit für diesen Versuch hat sich geändert: Er endet jetzt am "}
SECONDS_LEFT = """() => {
  const parts = document.querySelector('#attempt-timer .timer__value').textContent.split(':').map(Number);
  return parts.length === 3 ? parts[0] * 3600 + parts[1] * 60 + parts[2] : null;
}"""
ANNOUNCED = "() => document.getElementById('attempt-timer-announce').textContent"


@pytest.fixture
def exam(live):
    return set_up_exam(live)


def close_activity(live, close_at):
    """The instructor's new closing date, applied to the running attempt as the settings page does."""
    with live.app.app_context():
        attempt = db.session.scalars(select(Attempt)).one()
        assert move_running_deadlines(attempt.resource_link_id, close_at, utcnow()) == 1
        db.session.commit()


def seconds_left(frame):
    return frame.evaluate(SECONDS_LEFT)


def wait_for_seconds_left(frame, low, high):
    frame.wait_for_function(f"() => {{ const left = ({SECONDS_LEFT})(); return left !== null && left >= {low} && left <= {high}; }}",
                            timeout=15000)


def wait_for_announcement(frame, start, other_than=""):
    frame.wait_for_function("([start, other]) => { const text = document.getElementById('attempt-timer-announce').textContent;"
                            " return text.indexOf(start) === 0 && text !== other; }", arg=[start, other_than], timeout=15000)
    return frame.evaluate(ANNOUNCED)


def test_the_countdown_follows_an_earlier_deadline_at_the_next_save_and_a_later_one_at_the_check(page, exam):
    live = exam
    frame = started_attempt(page, live, "en")
    assert 19 * 60 <= seconds_left(frame) <= 20 * 60
    navigations = []
    page.on("framenavigated", lambda navigated: navigations.append(navigated.url) if navigated == frame else None)

    # Earlier: the class must stop in 5 minutes. The student's next answer brings the news.
    close_activity(live, utcnow() + timedelta(minutes=5))
    fill_field(frame, "q-eori", ["DE123"])
    page.clock.run_for(1000)  # the autosave's pause
    wait_for_seconds_left(frame, 4 * 60, 5 * 60)
    earlier = wait_for_announcement(frame, CHANGED["en"])
    assert frame.locator("#attempt-timer").is_visible()
    accessible(page, frame, "question page after an earlier deadline")

    # Later again (the closing date removed: the exam's own 20 minutes). The student types nothing;
    # the page's check, once a minute, brings it.
    close_activity(live, None)
    page.clock.run_for(61_000)
    wait_for_seconds_left(frame, 18 * 60, 20 * 60)  # counted from the server's time in the answer
    later = wait_for_announcement(frame, CHANGED["en"], other_than=earlier)
    assert later != earlier

    # The old zero passes and the student stays on the page: they still have time. (Each check's
    # answer sets the count to the server's time, which runs in real time, not on the page's clock.)
    page.clock.run_for(5 * 60 * 1000)
    assert navigations == []
    assert 14 * 60 <= seconds_left(frame) <= 20 * 60
    assert frame.evaluate(ANNOUNCED) == later  # said once, not at every check


def test_a_page_without_a_deadline_shows_the_countdown_when_one_is_set(page, exam):
    """The attempt had no deadline when the page was made; the closing date set now gives it one:
    the hidden timer is shown and the change is announced, in the student's language (de)."""
    live = exam
    frame = started_attempt(page, live, "de")
    with live.app.app_context():
        attempt = db.session.scalars(select(Attempt)).one()
        attempt.deadline_at = None
        db.session.commit()
    frame.goto(frame.url)
    attempt_page_ready(frame)
    assert not frame.locator("#attempt-timer").is_visible()

    close_activity(live, utcnow() + timedelta(minutes=10))
    page.clock.run_for(61_000)
    wait_for_seconds_left(frame, 9 * 60, 10 * 60)
    assert frame.locator("#attempt-timer").is_visible()
    wait_for_announcement(frame, CHANGED["de"])
    accessible(page, frame, "question page with a new deadline (de)")
