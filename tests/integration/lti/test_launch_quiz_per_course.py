"""A launch's custom parameter `quiz=x` means the quiz `x` of the launch's own course (issue 9: slugs
are per course, so two courses may each have a quiz `x`); without one of its own, the library's."""
from sqlalchemy import select

from lms_module.extensions import db
from lms_module.courses.models import Course
from support.lti_forgery import begin_login, claims_for, post_launch

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
QUIZ = """slug: shared-name
title: {de: "TITLE", en: "TITLE"}
topic: compliance
questions:
  - id: q
    type: true_false
    text: {de: "Stimmt das?", en: "Is that so?"}
    answer: true
"""


def _launch(live, context_id: str, link_id: str):
    """A student's launch of activity `link_id` in course `context_id` with custom `quiz=shared-name`."""
    with live.browser() as browser:
        state, nonce = begin_login(live, browser)
        claims = claims_for(live, nonce)
        claims[LTI + "context"] = {**claims[LTI + "context"], "id": context_id, "label": context_id, "title": context_id}
        claims[LTI + "resource_link"] = {"id": link_id, "title": "Quiz"}
        claims[LTI + "custom"] = {"quiz": "shared-name"}
        response = post_launch(browser, live, live.kit.sign_id_token(claims), state)
        assert response.status_code == 302, response.text[:500]
        return browser.session.get(live.url + response.headers["Location"], headers={"Accept-Language": "en"}).text


def _import_for(live, context_id: str, title: str) -> None:
    from lms_module.library.services import import_for_course

    with live.app.app_context():
        course = db.session.scalars(select(Course).where(Course.context_id == context_id)).one()
        assert not import_for_course(QUIZ.replace("TITLE", title).encode(), "own.yaml", course.id).errors
        db.session.commit()


def test_quiz_custom_parameter_resolves_in_the_launchs_course(live):
    for context in ("course-a", "course-b"):
        assert "not available" in _launch(live, context, f"link-{context}")  # creates the course
    _import_for(live, "course-a", "Quiz of course A")
    _import_for(live, "course-b", "Quiz of course B")
    page_a = _launch(live, "course-a", "link-course-a")
    page_b = _launch(live, "course-b", "link-course-b")
    assert "Quiz of course A" in page_a and "Quiz of course B" not in page_a
    assert "Quiz of course B" in page_b and "Quiz of course A" not in page_b
    # A third course has no quiz of that name: another course's quiz is not found through the slug.
    assert "not available" in _launch(live, "course-c", "link-course-c")
