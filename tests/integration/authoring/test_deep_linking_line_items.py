"""Found with the real Moodle (issue 10): an ungraded practice quiz must not bring a gradebook
column. The deep-linking answer carries a `lineItem` exactly when the activity sends grades, and
that choice travels to the launch (custom parameter quiz_graded), so a practice quiz with grading
turned on gets its column and sends grades, and an exam with grading off neither."""
from pathlib import Path

import pytest
from sqlalchemy import select

from lms_module.attempts.services import quiz_for_link
from lms_module.extensions import db
from lms_module.library.services import import_path
from lms_module.courses.models import LaunchSession, ResourceLink, User
from support.apps import csrf_from

ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
LIBRARY = Path(__file__).resolve().parents[3] / "quizzes"


@pytest.fixture
def live_library(live):
    with live.app.app_context():
        assert import_path(LIBRARY).ok
        db.session.commit()
    return live


def open_picker(live, browser):
    page = browser.open_iframe(browser.get(f"{live.lms_url}/deeplink/view?user=3"))
    assert page.status_code == 200, page.text[:300]
    return page


def choose(browser, picker, slug, **settings):
    data = [("csrf_token", csrf_from(picker.text)), ("quiz", slug), *settings.items()]
    return browser.post(picker.url, data=data)


def _add(live, slug, **settings):
    with live.browser() as browser:
        done = browser.follow_autosubmit(choose(browser, open_picker(live, browser), slug, **settings))
    assert done.status_code == 200, done.text[:300]
    returned = live.lms.deep_linking_returns[-1]
    (item,) = returned.claims[ITEMS]
    (cmid,) = returned.created_cmids
    return item, cmid


def _launched_graded(live, cmid) -> bool:
    with live.browser() as student:
        assert live.launch(student, user="4", activity=cmid, locale="en").status_code == 200
    with live.app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.subject == "4"))
        launch = db.session.scalars(select(LaunchSession).where(LaunchSession.user_id == user_id)
                                    .order_by(LaunchSession.created_at.desc())).first()
        return quiz_for_link(db.session.get(ResourceLink, launch.resource_link_id)).settings.graded


@pytest.mark.parametrize(("slug", "settings", "graded"), [
    ("accuracy-practice", {}, False),                       # practice: no column
    ("career-exam", {}, True),                              # exam: a column
    ("career-exam", {"mode": "practice"}, False),           # an exam used for practice
    ("accuracy-practice", {"graded": "yes"}, True),         # practice with grading turned on
    ("career-exam", {"graded": "no"}, False),               # an exam that sends no grades
])
def test_a_line_item_exactly_when_the_activity_sends_grades(live_library, slug, settings, graded):
    item, cmid = _add(live_library, slug, **settings)
    assert ("lineItem" in item) is graded
    assert item["custom"].get("quiz_graded") == {"yes": "true", "no": "false"}.get(settings.get("graded"))
    assert _launched_graded(live_library, cmid) is graded
