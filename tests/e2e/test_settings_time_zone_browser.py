"""A teacher in Berlin (the demo LMS's teacher1, whose profile names Europe/Berlin, sent as the
custom parameter timezone) types the activity's closing date in her own time, sees it so when she
comes back, and is told at the field when she picks an hour that the spring night skips; axe-core
finds no WCAG 2.2 AA violation on the refused form."""
import re

import pytest
from sqlalchemy import select

from lms_module.attempts.models import LinkSettings
from lms_module.extensions import db
from support.accessibility import assert_accessible
from support.class_of_students import launched_all_types_activity
from support.lms_frame import launched_frame

FORM = "form[action$='/instructor/settings']"
LABEL = {"en": r"Closes at \(Central European Time\)", "de": r"Schließt am \(Mitteleuropäische Zeit\)"}
SKIPPED = {"en": "This time does not exist in your time zone",
           "de": "Diese Uhrzeit gibt es in Ihrer Zeitzone nicht"}


@pytest.mark.parametrize("locale", ["en", "de"])
def test_a_teacher_in_berlin_sets_the_closing_date_in_berlin_time(page, live, locale):
    launched_all_types_activity(live)
    page.goto(f"{live.lms_url}/course/view/2?user=3&locale={locale}")
    frame = launched_frame(page, ready=FORM)
    assert re.fullmatch(LABEL[locale], frame.locator("label[for=close_at]").inner_text().strip())

    frame.fill("#close_at", "2027-03-28T02:30")
    frame.locator(f"{FORM} button[type=submit]").click()
    frame.wait_for_selector("#close_at-error")
    assert frame.locator("#close_at-error").inner_text().startswith(SKIPPED[locale])
    assert frame.locator("#close_at").get_attribute("aria-invalid") == "true"
    assert_accessible(frame, f"settings with a skipped hour refused ({locale})")

    frame.fill("#close_at", "2031-01-15T15:30")
    frame.locator(f"{FORM} button[type=submit]").click()
    frame.wait_for_selector("#close_at-error", state="detached")  # saved: the page came back without it
    frame.wait_for_selector(FORM)
    with live.app.app_context():
        assert db.session.scalars(select(LinkSettings)).one().overrides["close_at"] == "2031-01-15T14:30:00+00:00"
    assert frame.locator("#close_at").input_value() == "2031-01-15T15:30"
