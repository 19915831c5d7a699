"""The course question bank in a real browser inside the demo LMS: axe-core finds no WCAG 2.2 AA
violation on the list (with questions, tags, usage and a missing translation) in German and English."""
import pytest
from sqlalchemy import select

from lms_module.authoring import bank
from lms_module.courses.models import Course
from lms_module.extensions import db
from support.accessibility import assert_accessible
from support.lms_frame import launch_base, launched_frame


@pytest.mark.parametrize("locale", ["en", "de"])
def test_the_bank_is_accessible(page, live, locale):
    page.goto(f"{live.lms_url}/course/view/2?user=3&locale={locale}")
    frame = launched_frame(page)
    with live.app.app_context():  # the instructor launch made the course
        course_id = db.session.scalars(select(Course.id)).one()
        for n, text in enumerate([{"de": "Welche Frist gilt?", "en": "Which deadline applies?"}, {"de": "Nur Deutsch"}]):
            bank.save_question(course_id, {"id": f"q{n}", "type": "single", "text": text,
                                           "options": [{"id": "a", "text": "A", "correct": True}, {"id": "b", "text": "B"}]},
                               topic="compliance", tags=["Fristen"])
        db.session.commit()
    frame.goto(launch_base(frame) + "/authoring/bank")
    frame.wait_for_selector("main table")
    assert frame.locator("main table tbody tr").count() == 2
    assert_accessible(frame, f"question bank ({locale})")
