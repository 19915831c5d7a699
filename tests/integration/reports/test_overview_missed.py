"""The course overview lists, per activity that has closed, the students who missed it
(attempts.policy.missed): closed by their own closing date (close_at_for) and no submitted attempt.
An attempt the deadline sweep submitted counts as submitted; one still in progress after the
closing date and the grace is missed. Bounded: a count and the first names."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from lms_module.attempts import services
from lms_module.attempts.models import Accommodation, Attempt, LinkSettings
from lms_module.courses.models import ResourceLink
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.progress import queries
from support.sql_statements import statements

RIGHT = {"choice": "a"}


@pytest.fixture
def course(teacher, student, attempt_for):
    """Anna submitted; Ben's attempt is still in progress; Cem, Dora and Emil never started."""
    anna, ben = student("anna", name="Anna Arendt"), student("ben", name="Ben Brandt")
    attempt_for(anna, {"q1": RIGHT, "q2": RIGHT, "q3": RIGHT})
    attempt_for(ben, {"q1": RIGHT}, submit=False)
    return {"launch": teacher, "anna": anna, "ben": ben, "cem": student("cem", name="Cem Celik"),
            "dora": student("dora", name="Dora Dietz"), "emil": student("emil", name="Emil Eck")}


def _close(app, class_in_hours, own_in_hours=None, link="link-1"):
    """The activity closes in `class_in_hours` (negative: has closed); `own_in_hours`: {user id: hours}."""
    now = utcnow()
    with app.app_context():
        link_row = db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == link)).one()
        db.session.add(LinkSettings(resource_link_id=link_row.id,
                                    overrides={"close_at": (now + timedelta(hours=class_in_hours)).isoformat()}))
        for user_id, hours in (own_in_hours or {}).items():
            db.session.add(Accommodation(resource_link_id=link_row.id, user_id=user_id,
                                         close_at=now + timedelta(hours=hours)))
        db.session.commit()


def _missed(client, launch):
    html = client.get(f"/l/{launch}/course/overview").get_data(as_text=True)
    return html[html.index('id="missed-heading"'):html.index('id="mastery-heading"')]


def test_students_without_a_submitted_attempt_are_listed_once_it_has_closed(app, client, course):
    assert "No activity of this course has closed yet." in _missed(client, course["launch"])
    _close(app, -2, {course["dora"]: 48})
    missed = _missed(client, course["launch"])
    assert "Missed: closed without a submitted attempt" in missed and "closed " in missed
    assert "Cem Celik" in missed and "Emil Eck" in missed
    assert "Ben Brandt · started, not submitted" in missed  # in progress after close and grace
    assert "Anna Arendt" not in missed  # submitted
    assert "Dora Dietz" not in missed  # her own date is still open
    assert "3 students have not submitted an attempt." in missed
    assert "1 student who has not submitted an attempt has a later own closing date." in missed


def test_an_earlier_own_date_that_has_passed_is_missed_while_the_class_is_open(app, client, course):
    _close(app, 48, {course["emil"]: -1, course["anna"]: -1})
    missed = _missed(client, course["launch"])
    assert "Emil Eck · own closing date " in missed and "closes " in missed
    assert "1 student has not submitted an attempt." in missed
    assert "Cem Celik" not in missed and "Anna Arendt" not in missed and "Ben Brandt" not in missed


def test_an_attempt_the_deadline_sweep_submitted_is_not_missed(app, client, course):
    _close(app, -1)
    with app.app_context():
        # Ben's running attempt was due at the closing date: the sweep submits it
        db.session.execute(update(Attempt).where(Attempt.user_id == course["ben"])
                           .values(deadline_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        assert services.sweep_overdue(utcnow()) == 1
    missed = _missed(client, course["launch"])
    assert "Ben Brandt" not in missed and "Cem Celik" in missed
    assert "3 students have not submitted an attempt." in missed  # Cem, Dora, Emil


def test_an_attempt_in_progress_within_the_grace_is_not_missed_yet(app, course):
    _close(app, -1)
    with app.app_context():
        close_at = utcnow() - timedelta(hours=1)
        course_id = db.session.scalars(select(ResourceLink.course_id).where(ResourceLink.link_id == "link-1")).one()
        people = queries.students_of(course_id)
        # the overview's own read, a moment after the closing date: Ben may still be submitting
        (just_closed,) = queries.missed_activities(course_id, close_at + timedelta(seconds=5), people)
        later = queries.missed_activities(course_id, utcnow(), people)[0]
    assert course["ben"] not in [s.user_id for s in just_closed.students]
    assert course["ben"] in [s.user_id for s in later.students]


def test_german_overview(app, client, course, make_launch):
    _close(app, -2, {course["dora"]: 48})
    launch = make_launch("instructor", user_sub="teacher", locale="de")
    missed = _missed(client, launch)
    assert "Verpasst: geschlossen ohne abgegebenen Versuch" in missed and "geschlossen am " in missed
    assert "3 teilnehmende Personen haben keinen Versuch abgegeben." in missed
    assert "Ben Brandt · begonnen, nicht abgegeben" in missed
    assert "1 teilnehmende Person ohne abgegebenen Versuch hat ein späteres eigenes Schlussdatum." in missed


def test_a_large_course_lists_a_count_and_the_first_names(app, client, course, roster_member, monkeypatch):
    for n in range(4):
        roster_member(f"extra-{n}", name=f"Zora Extra {n}")
    monkeypatch.setattr(queries, "MISSED_SHOWN", 2)
    _close(app, -2)
    missed = _missed(client, course["launch"])
    assert "8 students have not submitted an attempt. The first 2 are listed." in missed
    assert missed.count("<li>") == 2 and "Ben Brandt" in missed and "Cem Celik" in missed
    assert "Zora Extra" not in missed


def test_a_student_cannot_reach_it(app, client, course, make_launch):
    _close(app, -2)
    launch = make_launch("student", user_sub="cem")
    response = client.get(f"/l/{launch}/course/overview")
    assert response.status_code == 403
    assert "Cem Celik" not in response.get_data(as_text=True) and "Missed" not in response.get_data(as_text=True)


def test_another_courses_students_never_appear(app, client, course, student, make_launch, quizzes):
    other_client = app.test_client()
    other = make_launch("instructor", quiz_slug=quizzes["stats"], user_sub="teacher-b", course_context="course-2",
                        link_id="link-b", test_client=other_client)
    student("zoe", name="Zoe Zander", course="course-2", link="link-b")
    _close(app, -2)
    _close(app, -2, link="link-b")
    mine = _missed(client, course["launch"])
    theirs = _missed(other_client, other)
    assert "Cem Celik" in mine and "Zoe Zander" not in mine
    assert "Zoe Zander" in theirs and "Cem Celik" not in theirs and "Ben Brandt" not in theirs


def test_the_queries_do_not_grow_with_the_students(app, client, course, roster_member):
    _close(app, -2, {course["dora"]: 48, course["emil"]: -3})
    _missed(client, course["launch"])  # the first page of a launch caches what later pages reuse
    with statements(app, without_pings=True) as few:
        assert "Cem Celik" in _missed(client, course["launch"])
    for n in range(6):
        roster_member(f"extra-{n}", name=f"Zora Extra {n}")
    with statements(app, without_pings=True) as many:
        assert "Zora Extra 5" in _missed(client, course["launch"])
    assert len(many) == len(few)
    assert sum(1 for s in many if "FROM accommodation" in s) == 1  # one read for both lists
    assert sum(1 for s in many if "GROUP BY attempt.resource_link_id, attempt.user_id" in s) == 1
