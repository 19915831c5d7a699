"""Deep linking through Kontor on the Canvas profile of the demo LMS (issue 10): an instructor's
LtiDeepLinkingRequest, Kontor's answer posted to Canvas's /courses/<id>/deep_linking_response, and
what Canvas makes of it. An exam's item carries a line item (label, scoreMaximum, resourceId, tag)
and becomes an assignment with that line item, which the student's launch and the grade then use;
an ungraded practice quiz carries none and becomes a link with no grade column."""
from pathlib import Path

import pytest
from sqlalchemy import select

from lms_module.extensions import db
from lms_module.library.services import import_path
from lms_module.courses.models import LaunchSession, ResourceLink, User
from support.apps import csrf_from

ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
LIBRARY = Path(__file__).resolve().parents[3] / "quizzes"

pytestmark = pytest.mark.parametrize("lms_profile", ["canvas"])


@pytest.fixture
def canvas(live):
    with live.app.app_context():
        assert import_path(LIBRARY).ok
        db.session.commit()
    return live


def _add_quiz(live, slug):
    """The instructor's whole round trip: the request, Kontor's picker, the answer Canvas accepts."""
    with live.browser() as browser:
        picker = browser.open_iframe(browser.get(f"{live.lms_url}/deeplink/view?user=3"))
        assert picker.status_code == 200 and "Add a quiz to your course" in picker.text, picker.text[:300]
        answer = browser.post(picker.url, data=[("csrf_token", csrf_from(picker.text)), ("quiz", slug)])
        assert answer.status_code == 200, answer.text[:300]
        done = browser.follow_autosubmit(answer)
        posted_to = done.request.url
    assert done.status_code == 200, done.text[:300]
    # Canvas's return URL, not Moodle's contentitem_return.php.
    assert "/courses/2/deep_linking_response" in posted_to
    returned = live.lms.deep_linking_returns[-1]
    (item,) = returned.claims[ITEMS]
    (cmid,) = returned.created_cmids
    return item, live.lms.activity(cmid)


def _student_link(live, cmid):
    with live.browser() as student:
        page = live.launch(student, user="4", activity=cmid, locale="en")
    assert page.status_code == 200, page.text[:300]
    with live.app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.subject == live.lms.subject("4")))
        launch = db.session.scalars(select(LaunchSession).where(LaunchSession.user_id == user_id)
                                    .order_by(LaunchSession.created_at.desc())).first()
        link = db.session.get(ResourceLink, launch.resource_link_id)
        db.session.expunge(link)
        return link


def test_an_exam_becomes_an_assignment_with_kontors_line_item(canvas):
    before = set(canvas.lms.line_items)
    item, activity = _add_quiz(canvas, "career-exam")
    assert item["type"] == "ltiResourceLink"
    assert item["lineItem"]["resourceId"] == "career-exam"
    assert item["lineItem"]["tag"] == "kontor-quiz"
    assert item["lineItem"]["scoreMaximum"] == 100
    # Canvas created the assignment's line item from Kontor's, at once.
    (new_item_id,) = set(canvas.lms.line_items) - before
    assert activity.line_item_id == new_item_id
    line_item = canvas.lms.line_item(new_item_id)
    assert (line_item.resource_id, line_item.tag, line_item.score_maximum) == ("career-exam", "kontor-quiz", 100.0)
    assert line_item.label == item["title"]
    # The student's launch of the new assignment carries that line item, so grades go there.
    link = _student_link(canvas, activity.cmid)
    assert link.quiz_slug == "career-exam"
    assert link.lineitem_url.endswith(f"/api/lti/courses/2/line_items/{new_item_id}")


def test_a_practice_quiz_becomes_a_link_without_a_grade_column(canvas):
    before = set(canvas.lms.line_items)
    item, activity = _add_quiz(canvas, "accuracy-practice")
    assert item["type"] == "ltiResourceLink" and "lineItem" not in item
    assert activity.line_item_id is None
    assert set(canvas.lms.line_items) == before  # no column in Canvas's gradebook
    link = _student_link(canvas, activity.cmid)
    assert link.quiz_slug == "accuracy-practice"
    assert link.lineitem_url is None  # Canvas sends no line item for a link that is not an assignment
