"""Which of two saves of one answer the server keeps, when the browser's clock is not the server's.

The server keeps, of two saves of one question, the answer given later. A form post is timed on the
server's clock; an autosave says when its answer was given. The script used to say it on the
browser's clock, which the server could only clamp to the attempt's start and its own now:

- a browser clock ahead made an answer queued earlier (offline, or on a slow network) and sent late
  replace the answer the student posted after it: clamped to its arrival, it looked newer;
- a browser clock behind made a newer answer lose to an older form post: it looked older.

The page's time runs on Playwright's clock, set off from the real one; the server's clock is the
real one. Kontor runs cross-site in the LMS's frame, where the queue lives in the page's memory."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from lms_module.attempts.models import Answer
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.library.services import import_path
from support.lms_frame import attempt_page_ready, launched_frame

ALL_TYPES = Path(__file__).resolve().parents[1] / "unit" / "engine" / "fixtures" / "all_types.yaml"
FIELD = "q-eori"  # a short text question


@pytest.fixture
def quiz(live):
    with live.app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()
    live.lms.set_custom_parameters(2, {"quiz": "all-types"})
    return live


def first_page(page, live, skew: timedelta):
    """A new attempt's first page, in a browser whose clock is `skew` off the server's."""
    page.clock.install(time=utcnow() + skew)
    page.goto(f"{live.lms_url}/course/view/2?user=4&locale=en")
    frame = launched_frame(page, "form[action$='/quiz/start']")
    frame.locator("form[action$='/quiz/start'] button[type=submit]").click()
    attempt_page_ready(frame)
    return frame


def stored(live) -> str | None:
    with live.app.app_context():
        answer = db.session.scalars(select(Answer).where(Answer.question_id == "eori")).one_or_none()
        return None if answer is None else answer.response.get("value")


def all_sent(frame):
    frame.wait_for_function("() => document.getElementById('attempt-form').dataset.unsent === '0'", timeout=15000)


def test_an_answer_queued_offline_does_not_replace_a_later_posted_one_when_the_browser_clock_is_ahead(page, quiz):
    """Offline, the student answers; the autosave cannot go out and the answer waits in the queue.
    Then the student's later answer is posted as a form (here from another device, with the same
    session). Minutes later the connection is back and the queued answer goes out: it was given
    before the posted one, and the server keeps the posted one. With the browser's clock 10 minutes
    ahead, the old script's moment (clamped to the server's now at arrival) replaced it."""
    live = quiz
    frame = first_page(page, live, timedelta(minutes=10))
    page.route("**/autosave", lambda route: route.abort("internetdisconnected"))  # offline
    frame.locator(f'[name="{FIELD}"]').fill("given first")
    frame.locator("#save-status").filter(has_text="no connection").wait_for(timeout=15000)
    assert frame.evaluate("() => document.getElementById('attempt-form').dataset.unsent") == "1"

    # The later answer, posted as the page's form does (another device: this page stays offline).
    status = frame.evaluate("""field => {
        const form = document.getElementById('attempt-form');
        const data = new FormData(form);
        data.set(field, 'given later');
        data.set('go', 'stay');
        return fetch(form.action, {method: 'POST', body: new URLSearchParams(data), credentials: 'same-origin',
                                   redirect: 'manual'}).then(r => r.type === 'opaqueredirect' ? 302 : r.status);
    }""", FIELD)
    assert status == 302
    assert stored(live) == "given later"

    page.unroute("**/autosave")  # the connection is back; the queue goes out minutes later
    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 200):
        page.clock.run_for(3 * 60 * 1000)
    all_sent(frame)
    assert stored(live) == "given later", "an answer given earlier replaced the one given later"


def test_a_newer_autosaved_answer_replaces_an_older_posted_one_when_the_browser_clock_is_behind(page, quiz):
    """The student posts the page (Enter in a text field saves and stays), then changes the answer;
    its autosave is the newer answer and the server keeps it. With the browser's clock 10 minutes
    behind, the old script's moment (clamped to the attempt's start) was older than the post's, and
    the page said "All answers saved." while the server kept the older answer."""
    live = quiz
    frame = first_page(page, live, -timedelta(minutes=10))
    field = frame.locator(f'[name="{FIELD}"]')
    field.fill("given first")
    with frame.expect_navigation():
        field.press("Enter")  # the page's form post
    attempt_page_ready(frame)
    assert stored(live) == "given first"

    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 200):
        frame.locator(f'[name="{FIELD}"]').fill("given later")
    all_sent(frame)
    assert stored(live) == "given later", "the answer given later lost to an older one"
