"""Quiz slugs are namespaced (issue 9): unique among library quizzes, unique within a course, and
two courses may each have their own quiz of one slug. Lookups take the course's own quiz first."""
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms_module.extensions import db
from lms_module.library.models import Quiz
from lms_module.library.services import (import_for_course, import_path, latest_version_by_slug, list_library,
                                         quiz_by_slug)
from lms_module.courses.models import Course

QUIZ = """slug: SLUG
title: {de: "TITLE", en: "TITLE"}
topic: compliance
questions:
  - id: q
    type: true_false
    text: {de: "Stimmt das?", en: "Is that so?"}
    answer: true
"""


def _courses(make_launch) -> tuple[int, int]:
    make_launch("instructor")
    make_launch("instructor", course_context="course-2", link_id="link-2")
    return tuple(db.session.scalars(select(Course.id).order_by(Course.context_id)).all())


def _quiz(slug: str, course_id: int | None) -> Quiz:
    return Quiz(slug=slug, topic="compliance", origin="course" if course_id else "library", latest_version=0,
                course_id=course_id)


@pytest.mark.parametrize("owners, allowed", [
    ((None, None), False),  # two library quizzes of one slug
    (("a", "a"), False),  # two quizzes of one slug in one course
    (("a", "b"), True),  # each course its own
    ((None, "a"), True),  # the database allows it; importing refuses a library slug (see below)
])
def test_the_database_holds_slugs_unique_per_namespace(app, make_launch, owners, allowed):
    with app.app_context():
        a, b = _courses(make_launch)
        ids = {None: None, "a": a, "b": b}
        db.session.add_all([_quiz("x", ids[owner]) for owner in owners])
        if allowed:
            db.session.commit()
            assert len(db.session.scalars(select(Quiz)).all()) == 2
        else:
            with pytest.raises(IntegrityError):
                db.session.commit()
            db.session.rollback()


def test_a_library_quiz_added_later_never_replaces_a_courses_own(app, make_launch, tmp_path):
    """Before namespaces, `flask quiz import` of a slug a course had used added a version to the
    course's private quiz. Now the library gets its own quiz and the course keeps seeing its own."""
    with app.app_context():
        a, b = _courses(make_launch)
        assert not import_for_course(QUIZ.replace("SLUG", "later").replace("TITLE", "Course A's").encode(), "q.yaml", a).errors
        library_file = tmp_path / "later.yaml"
        library_file.write_text(QUIZ.replace("SLUG", "later").replace("TITLE", "Library's"))
        report = import_path(library_file, origin="import")
        assert report.ok and report.created == ["later"]
        db.session.commit()
        assert latest_version_by_slug("later", a).title_en == "Course A's"
        assert latest_version_by_slug("later", b).title_en == "Library's"
        assert latest_version_by_slug("later").title_en == "Library's"
        assert quiz_by_slug("later", a).course_id == a and quiz_by_slug("later").course_id is None
        # The course's list shows one quiz of that slug, its own; other courses the library's.
        assert [v.title_en for v in list_library(a) if v.quiz.slug == "later"] == ["Course A's"]
        assert [v.title_en for v in list_library(b) if v.quiz.slug == "later"] == ["Library's"]


def test_a_lookup_never_finds_another_courses_quiz(app, make_launch):
    with app.app_context():
        a, b = _courses(make_launch)
        assert not import_for_course(QUIZ.replace("SLUG", "private").replace("TITLE", "A").encode(), "q.yaml", a).errors
        db.session.commit()
        assert latest_version_by_slug("private", a) is not None
        assert latest_version_by_slug("private", b) is None
        assert latest_version_by_slug("private") is None
        assert [v for v in list_library(b) if v.quiz.slug == "private"] == []
