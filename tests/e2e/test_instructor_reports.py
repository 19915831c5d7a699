"""An instructor reads the reports in a real browser inside the demo LMS: gradebook, class summary
with its histogram, item analysis, the grading queue; axe-core finds no WCAG 2.2 AA violation."""
import random

import pytest
from sqlalchemy import select

from lms_module.attempts import services
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.courses.models import Course, Membership, ResourceLink, User
from lms_module.lti.models import Platform
from support.accessibility import assert_accessible
from support.answer_keys import planned_key_forms
from support.broken_plans import with_ghost
from support.class_of_students import enrolled_students, launched_all_types_activity
from support.lms_frame import launch_base, launched_frame



@pytest.fixture
def class_with_attempts(live):
    """The demo course's activity with the all-types quiz and eight students who took it."""
    launched_all_types_activity(live)
    rng = random.Random(7)
    with live.app.app_context():
        link, user_ids = enrolled_students({f"s{n}": f"Student {n}" for n in range(8)})
        for n, user_id in enumerate(user_ids):
            attempt = services.start_attempt(link, user_id, utcnow())
            form, ids = {}, []
            for question, fields in planned_key_forms(attempt):
                if fields and rng.random() < 0.4 + n * 0.07:
                    form.update(fields)
                    ids.append(question.id)
            if ids:
                services.save_answers(attempt, form, ids, utcnow())
            services.submit_attempt(attempt, utcnow())
        db.session.commit()
    return live


def instructor_frame(page, live, path, ready):
    page.goto(f"{live.lms_url}/course/view/2?user=3&locale=en")
    frame = launched_frame(page)
    frame.goto(launch_base(frame) + path)
    frame.wait_for_selector(ready)
    return frame


@pytest.mark.parametrize(
    "path, ready, label",
    [
        ("/instructor", "form[action$='/instructor/settings']", "instructor page"),
        ("/instructor/choose", "form[enctype='multipart/form-data']", "quiz picker with import"),
        ("/reports/", "main table", "gradebook"),
        ("/reports/summary", "main svg", "class summary with histogram"),
        ("/reports/items", "main table", "item analysis"),
        ("/reports/grading", "main h1", "grading queue"),
    ],
)
def test_reports_pages_are_accessible(page, class_with_attempts, path, ready, label):
    frame = instructor_frame(page, class_with_attempts, path, ready)
    assert_accessible(frame, label)


def test_histogram_has_a_text_alternative(page, class_with_attempts):
    frame = instructor_frame(page, class_with_attempts, "/reports/summary", "main svg")
    svg = frame.locator("main svg").first
    assert svg.get_attribute("role") == "img"
    assert svg.locator("title").count() == 1
    assert frame.locator("main table").count() >= 1


def test_an_attempt_that_could_not_be_submitted_is_shown_accessibly(page, class_with_attempts):
    from datetime import timedelta

    live = class_with_attempts
    with live.app.app_context():
        platform = db.session.scalars(select(Platform)).one()
        course = db.session.scalars(select(Course)).one()
        link = db.session.scalars(select(ResourceLink)).one()
        user = User(platform_id=platform.id, subject="s-stuck", name="Student Stuck")
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(course_id=course.id, user_id=user.id, role="student"))
        attempt = services.start_attempt(link, user.id, utcnow())
        # As the sweep leaves it: overdue, its plan names a question the quiz lacks, marked.
        attempt.plan = with_ghost(attempt.plan)
        attempt.deadline_at = utcnow() - timedelta(hours=1)
        attempt.sweep_failures, attempt.unsubmittable_at = 5, utcnow()
        db.session.commit()
        public_id = attempt.public_id
    frame = instructor_frame(page, live, f"/reports/attempts/{public_id}", "main h1")
    main = frame.locator("main").inner_text()
    assert "Could not be submitted" in main and "This question cannot be shown" in main
    assert_accessible(frame, "attempt that could not be submitted")
    frame = instructor_frame(page, live, "/reports/", "main table")
    assert "Could not be submitted" in frame.locator("main table").inner_text()
    assert_accessible(frame, "gradebook with an attempt that could not be submitted")
