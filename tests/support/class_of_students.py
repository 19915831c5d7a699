"""A demo course's activity with the all-types quiz, launched once by its instructor (which creates
course and link in Kontor), and students enrolled in it, for browser tests of instructor pages."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from lms_module.courses.models import Course, Membership, ResourceLink, User
from lms_module.extensions import db
from lms_module.library.services import import_path
from lms_module.lti.models import Platform

ALL_TYPES = Path(__file__).resolve().parents[1] / "unit" / "engine" / "fixtures" / "all_types.yaml"


def launched_all_types_activity(live, *more_quizzes: Path) -> None:
    """Import the all-types quiz (and `more_quizzes`), put it on the demo course's activity and
    launch it once as the instructor (user 3)."""
    with live.app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        for path in more_quizzes:
            assert import_path(path).ok
        db.session.commit()
    live.lms.set_custom_parameters(2, {"quiz": "all-types"})
    with live.browser() as browser:
        live.launch(browser, user="3")


def enrolled_students(names: dict[str, str]) -> tuple[ResourceLink, list[int]]:
    """Students (subject → name) enrolled in the one course; the activity's link and their user ids.
    Call inside an app context; the caller commits."""
    platform = db.session.scalars(select(Platform)).one()
    course = db.session.scalars(select(Course)).one()
    link = db.session.scalars(select(ResourceLink)).one()
    user_ids = []
    for subject, name in names.items():
        user = User(platform_id=platform.id, subject=subject, name=name)
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(course_id=course.id, user_id=user.id, role="student"))
        user_ids.append(user.id)
    return link, user_ids
