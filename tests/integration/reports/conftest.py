"""Factories for the report tests: quizzes, a course with an instructor, students, and attempts
that go through the real attempt services (start, stored answers, submit) so that marks are what
the engine gives."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from lms_module.attempts import services
from lms_module.attempts.models import Answer
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.signals import attempt_graded
from lms_module.library.services import import_path
from lms_module.courses.models import Course, Membership, ResourceLink, User

FIXTURES = Path(__file__).resolve().parent / "fixtures"
RIGHT, WRONG = {"choice": "a"}, {"choice": "b"}


@pytest.fixture
def quizzes(app):
    with app.app_context():
        report = import_path(FIXTURES, origin="import")
        assert report.ok, report.errors
        db.session.commit()
    return {"stats": "report-stats", "mixed": "report-mixed"}


@pytest.fixture
def teacher(make_launch, quizzes):
    """The instructor's launch on link-1 of course-1 (the stats quiz), remembered by the client."""
    return make_launch("instructor", quiz_slug=quizzes["stats"], user_sub="teacher")


@pytest.fixture
def student(app, make_launch):
    """Factory: a student of a course (a launch not remembered by the client); returns the user id."""

    def _student(sub, *, name=None, course="course-1", link="link-1", status="active"):
        make_launch("student", user_sub=sub, course_context=course, link_id=link, remember=False)
        with app.app_context():
            user = db.session.scalars(select(User).where(User.subject == sub)).one()
            if name:
                user.name = name
            membership = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).first()
            membership.status = status
            db.session.commit()
            return user.id

    return _student


@pytest.fixture
def roster_member(app):
    """Factory: a student known only from the roster (never launched)."""

    def _member(sub, *, name, status="active", course="course-1"):
        with app.app_context():
            course_row = db.session.scalars(select(Course).where(Course.context_id == course)).one()
            user = User(platform_id=course_row.platform_id, subject=sub, name=name)
            db.session.add(user)
            db.session.flush()
            db.session.add(Membership(course_id=course_row.id, user_id=user.id, role="student", status=status))
            db.session.commit()
            return user.id

    return _member


@pytest.fixture
def attempt_for(app):
    """Factory: an attempt of `user_id` on `link` with stored responses, submitted unless `submit`
    is False. `questions` restricts the plan (an attempt that drew a subset). Returns the public id."""

    def _attempt(user_id, responses, *, link="link-1", submit=True, questions=None, minutes=12):
        with app.app_context():
            link_row = db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == link)).one()
            started = utcnow() - timedelta(minutes=minutes)
            attempt = services.start_attempt(link_row, user_id, started)
            if questions is not None:
                attempt.plan = [entry for entry in attempt.plan if entry["question_id"] in questions]
            for qid, response in responses.items():
                db.session.add(Answer(attempt_id=attempt.id, question_id=qid, response=response,
                                      answered_at=started + timedelta(minutes=1), saved_at=started))
            db.session.flush()
            if submit:
                services.submit_attempt(attempt, started + timedelta(minutes=minutes - 1))
            db.session.commit()
            return attempt.public_id

    return _attempt


@pytest.fixture
def worked_example(teacher, student, attempt_for):
    """Four students, three questions (the example of tests/unit/reports/test_reports_formulas.py):

        attempt   q1  q2  q3   X
        Anna       1   1   1   3
        Ben        1   0   1   2
        Cem        0   1   0   1
        Dora       0   0   0   0
    """
    marks = {"Anna": (1, 1, 1), "Ben": (1, 0, 1), "Cem": (0, 1, 0), "Dora": (0, 0, 0)}
    users = {}
    for name, row in marks.items():
        users[name] = student(name.lower(), name=name)
        attempt_for(users[name], {q: RIGHT if x else WRONG for q, x in zip(("q1", "q2", "q3"), row)})
    return users


@pytest.fixture
def graded_listener():
    """What signals.attempt_graded carried: the attempt's values at the time it was sent."""
    calls = []

    def record(sender, *, attempt, result):
        calls.append(SimpleNamespace(public_id=attempt.public_id, user_id=attempt.user_id, status=attempt.status,
                                     marks=attempt.marks, fraction=attempt.fraction, passed=attempt.passed))

    with attempt_graded.connected_to(record):
        yield calls

