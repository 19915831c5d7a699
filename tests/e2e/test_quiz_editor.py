"""The course quiz editor in a real browser inside the demo LMS: axe-core finds no WCAG 2.2 AA
violation in English and German, and slots are reordered with the keyboard alone (Enter on
"Down", focus stays on the moved slot's button, Enter again moves it further)."""
import re

import pytest
from sqlalchemy import select

from lms_module.authoring import bank, course_quizzes as cq
from lms_module.courses.models import Course
from lms_module.extensions import db
from support.accessibility import assert_accessible
from support.lms_frame import launch_base, launched_frame


def _tf(key: str) -> dict:
    return {"id": key, "type": "true_false", "text": {"de": f"Aussage {key}", "en": f"Statement {key}"}, "answer": True}


@pytest.fixture
def course_quiz(live):
    with live.browser() as browser:  # an instructor launch creates the course in Kontor
        live.launch(browser, user="3")
    with live.app.app_context():
        course = db.session.scalars(select(Course)).one()
        ids = [bank.save_question(course.id, _tf(k), tags=["basics"]).question_id for k in ("k1", "k2", "k3")]
        quiz = cq.create_quiz(course.id, "editor-e2e", {"de": "Editor", "en": "Editor"}, "accuracy")
        _, draft = cq.draft_of(course.id, quiz.id)
        cq.add_questions(course.id, draft, ids)
        cq.add_draw(draft, "basics", 1, None)
        db.session.commit()
        return quiz.id


def _editor(page, live, quiz_id: int, locale: str):
    page.goto(f"{live.lms_url}/course/view/2?user=3&locale={locale}")
    frame = launched_frame(page)
    frame.goto(launch_base(frame) + f"/authoring/quizzes/{quiz_id}")
    frame.wait_for_selector("ol.quiz-slots")
    return frame


@pytest.mark.parametrize("locale", ["en", "de"])
def test_the_quiz_editor_is_accessible(page, live, course_quiz, locale):
    frame = _editor(page, live, course_quiz, locale)
    assert frame.locator("html").get_attribute("lang") == locale
    assert_accessible(frame, f"quiz editor ({locale})")


def test_slots_move_with_the_keyboard_alone(page, live, course_quiz):
    frame = _editor(page, live, course_quiz, "en")
    keys = lambda: re.findall(r"<code>(k\d)</code>", frame.locator("ol.quiz-slots").inner_html())  # noqa: E731
    assert keys() == ["k1", "k2", "k3"]
    frame.get_by_role("button", name="Move slot 1 down").focus()
    page.keyboard.press("Enter")
    frame.wait_for_url(re.compile(r"moved=1"))
    frame.wait_for_selector("ol.quiz-slots")
    assert keys() == ["k2", "k1", "k3"]
    frame.wait_for_function("() => document.activeElement.getAttribute('aria-label') === 'Move slot 2 down'")
    page.keyboard.press("Enter")  # again: the same slot goes on down
    frame.wait_for_url(re.compile(r"moved=2"))
    frame.wait_for_selector("ol.quiz-slots")
    assert keys() == ["k2", "k3", "k1"]
