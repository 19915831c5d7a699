"""Launches through the demo LMS, on both of its profiles: Moodle 4.5 and hosted Canvas."""
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from lms_module.extensions import db
from lms_module.courses.models import Course, LaunchSession, Membership, ResourceLink, User

pytestmark = pytest.mark.parametrize("lms_profile", ["moodle", "canvas"])
# Where each profile's services live: Moodle's mod/lti/services.php, Canvas's /api/lti/courses/<id>/.
LINE_ITEM = {"moodle": "/lineitem?type_id=1", "canvas": "/api/lti/courses/2/line_items/"}
MEMBERSHIPS = {"moodle": "memberships", "canvas": "/api/lti/courses/2/names_and_roles"}


def test_student_launch_lands_on_not_set_up_page(live, lms_profile):
    with live.browser() as browser:
        page = live.launch(browser, user="4", locale="en")
    assert page.status_code == 200, page.text
    assert "This activity is not set up yet" in page.text
    assert '<html lang="en">' in page.text
    with live.app.app_context():
        user = db.session.scalars(select(User).where(User.subject == live.lms.subject("4"))).one()
        assert user.name == "Sam Student"
        assert user.email and user.email.endswith("@example.com")
        course = db.session.scalars(select(Course)).one()
        assert course.label == "LTIRIG101"
        assert course.memberships_url and MEMBERSHIPS[lms_profile] in course.memberships_url
        link = db.session.scalars(select(ResourceLink)).one()
        assert link.lineitem_url and LINE_ITEM[lms_profile] in link.lineitem_url
        assert link.lineitems_url and link.ags_scopes
        membership = db.session.scalars(select(Membership)).one()
        assert membership.role == "student"
        launch = db.session.scalars(select(LaunchSession)).one()
        assert launch.locale == "en"


def test_german_student_launch_speaks_german(live):
    with live.browser() as browser:
        page = live.launch(browser, user="6", locale="de")
    assert '<html lang="de">' in page.text
    assert "Diese Aktivität ist noch nicht eingerichtet" in page.text


def test_instructor_launch_lands_on_the_instructor_page(live):
    with live.browser() as browser:
        page = live.launch(browser, user="3", locale="en")
    assert page.status_code == 200
    assert page.url.endswith("/instructor")
    with live.app.app_context():
        assert db.session.scalars(select(Membership)).one().role == "instructor"


def test_frame_ancestors_allow_the_registered_platform_and_nothing_else(live):
    with live.browser() as browser:
        page = live.launch(browser, user="4")
    policy = page.headers["Content-Security-Policy"]
    ancestors = policy.split("frame-ancestors", 1)[1].split(";")[0].split()
    # The platform's origins: its issuer and the host it serves pages from (one origin for Moodle;
    # hosted Canvas's issuer is https://canvas.instructure.com, its pages the school's host).
    issuer = urlsplit(live.lms.settings.issuer)
    assert ancestors == ["'self'", *dict.fromkeys([f"{issuer.scheme}://{issuer.netloc}", live.url])]


def test_the_same_launch_form_cannot_be_posted_twice(live):
    """A replayed id_token (same nonce) is refused even with the right state cookie."""
    with live.browser() as browser:
        live.launch(browser, user="4")
        auth_post = next(r for r in browser.history if r.request.url.endswith("/lti/launch"))
        replay = browser.post(auth_post.request.url, data=auth_post.request.body,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert replay.status_code in (400, 403)
    with live.app.app_context():
        assert len(db.session.scalars(select(LaunchSession)).all()) == 1
