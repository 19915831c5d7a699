"""The course overview's "not started, closing soon" and the instructor's student page read each
student's closing date by the rule the start uses (attempts.policy.close_at_for): the student's own
date when an accommodation sets one, else the activity's. A student whose own date is later is not
listed with the class; one whose own date is earlier is listed even when the class closes later."""
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from lms_module.attempts.models import Accommodation, LinkSettings
from lms_module.courses.models import ResourceLink
from lms_module.db_types import utcnow
from lms_module.extensions import db

RIGHT = {"choice": "a"}


@pytest.fixture
def course(teacher, student, attempt_for):
    """Anna started the activity; Cem, Dora and Emil did not."""
    anna = student("anna", name="Anna Arendt")
    attempt_for(anna, {"q1": RIGHT, "q2": RIGHT, "q3": RIGHT})
    return {"launch": teacher, "anna": anna, "cem": student("cem", name="Cem Celik"),
            "dora": student("dora", name="Dora Dietz"), "emil": student("emil", name="Emil Eck")}


def _dates(app, class_in_days, own_in_days):
    """The activity closes in `class_in_days`; `own_in_days`: {user id: days until their own date}."""
    now = utcnow()
    with app.app_context():
        link = db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == "link-1")).one()
        db.session.add(LinkSettings(resource_link_id=link.id,
                                    overrides={"close_at": (now + timedelta(days=class_in_days)).isoformat()}))
        for user_id, days in own_in_days.items():
            db.session.add(Accommodation(resource_link_id=link.id, user_id=user_id,
                                         close_at=now + timedelta(days=days)))
        db.session.commit()
        return link.id


def _due(client, launch):
    html = client.get(f"/l/{launch}/course/overview").get_data(as_text=True)
    return html[html.index('id="due-heading"'):html.index('id="missed-heading"')]


def test_a_student_with_a_later_own_date_is_not_listed_with_the_class(app, client, course):
    _dates(app, 3, {course["dora"]: 10})
    due = _due(client, course["launch"])
    assert "Cem Celik" in due and "Emil Eck" in due  # the class's date applies to them
    assert "Dora Dietz" not in due and "Anna Arendt" not in due
    assert "1 student who has not started it has a later own closing date." in due


def test_a_student_with_an_earlier_own_date_is_listed_before_the_class_closes(app, client, course):
    _dates(app, 20, {course["emil"]: 2, course["dora"]: 30})
    due = _due(client, course["launch"])
    assert "Emil Eck" in due and "own closing date" in due
    assert "Cem Celik" not in due and "Dora Dietz" not in due and "Anna Arendt" not in due
    assert "Every student has started it." not in due


def test_own_dates_of_the_whole_course_are_read_in_one_query(app, client, course):
    _dates(app, 3, {course["cem"]: 2, course["dora"]: 10, course["emil"]: 12})
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        due = _due(client, course["launch"])
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert "Cem Celik" in due and "Dora Dietz" not in due and "Emil Eck" not in due
    assert sum(1 for s in statements if "FROM accommodation" in s) == 1


def test_german_overview_names_a_later_own_date(app, client, course, make_launch):
    _dates(app, 3, {course["dora"]: 10, course["emil"]: 11})
    launch = make_launch("instructor", user_sub="teacher", locale="de")
    due = _due(client, launch)
    assert "2 teilnehmende Personen, die sie noch nicht begonnen haben, haben ein späteres eigenes Schlussdatum." in due


def test_instructor_sees_the_students_own_closing_date(app, client, course):
    _dates(app, 3, {course["dora"]: 10})
    dora = client.get(f"/l/{course['launch']}/reports/students/{course['dora']}").get_data(as_text=True)
    cem = client.get(f"/l/{course['launch']}/reports/students/{course['cem']}").get_data(as_text=True)
    assert "<dt>Closes</dt><dd>own closing date " in dora
    assert "<dt>Closes</dt><dd>" in cem and "own closing date" not in cem
