"""After "Add to the course" the LMS leaves the tool's frame, as Moodle closes its dialog: the whole
window shows what was added, and the course never appears inside the tool's iframe (it did)."""
from pathlib import Path

import pytest

from lms_module.extensions import db
from lms_module.library.services import import_path

ALL_TYPES = Path(__file__).resolve().parents[1] / "unit" / "engine" / "fixtures" / "all_types.yaml"


@pytest.fixture
def library(live):
    with live.app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()
    return live


def test_adding_a_quiz_leaves_the_tools_frame(page, library):
    live = library
    page.goto(f"{live.lms_url}/deeplink/view?user=3")
    frame = page.frame_locator("iframe#contentframe")
    frame.locator('input[name="quiz"][value="all-types"]').check(timeout=15000)
    frame.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/deeplink/result/*", timeout=15000)
    assert page.locator("iframe").count() == 0  # the whole window, not the tool's frame
    assert "Content added" in page.locator("h1").inner_text()
    assert page.locator("text=All question types").first.is_visible()
    assert page.locator("button", has_text="Launch as student (English)").count() == 1
