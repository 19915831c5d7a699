"""A timed exam in the browser, inside the demo LMS's frame, with the page's clock under the test's
hand: the all-types exam (20 minutes) on the demo course's activity, a started attempt, and axe-core
run while the clock stands still otherwise (time-up and moved-deadline tests)."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Frame, Page

from lms_module.extensions import db
from lms_module.library.services import import_path
from support.accessibility import assert_accessible
from support.lms_frame import attempt_page_ready, launched_frame

ALL_TYPES = Path(__file__).resolve().parents[1] / "unit" / "engine" / "fixtures" / "all_types.yaml"  # an exam, 20 minutes


def set_up_exam(live):
    """The demo course's activity opens the all-types exam."""
    with live.app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()
    live.lms.set_custom_parameters(2, {"quiz": "all-types"})
    return live


def started_attempt(page: Page, live, locale: str) -> Frame:
    """The first page of a new attempt, with the page's clock under the test's hand (paused)."""
    page.clock.install()
    page.goto(f"{live.lms_url}/course/view/2?user={'4' if locale == 'en' else '6'}&locale={locale}")
    frame = launched_frame(page, "form[action$='/quiz/start']")
    frame.locator("form[action$='/quiz/start'] button[type=submit]").click()
    attempt_page_ready(frame)
    page.clock.pause_at(frame.evaluate("() => Date.now()") / 1000 + 1)  # seconds
    return frame


def accessible(page: Page, frame: Frame, label: str) -> None:
    """axe-core needs the page's timers: the clock runs while it checks, then stands still again."""
    page.clock.resume()
    assert_accessible(frame, label)
    page.clock.pause_at(frame.evaluate("() => Date.now()") / 1000 + 0.1)
