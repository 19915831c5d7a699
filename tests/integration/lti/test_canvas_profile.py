"""Launches through both profiles of the demo LMS, and what only the Canvas profile does."""
import pytest
from sqlalchemy import select

from lms_module.extensions import db
from lms_module.courses.models import Membership, ResourceLink, User
from lms_module.lti.models import Deployment, Platform


@pytest.mark.parametrize("lms_profile", ["moodle", "canvas"])
@pytest.mark.parametrize(("user", "role", "ending"), [("4", "student", "/"), ("3", "instructor", "/instructor")])
def test_student_and_instructor_launch_on_both_profiles(live, lms_profile, user, role, ending):
    with live.browser() as browser:
        page = live.launch(browser, user=user, locale="en")
    assert page.status_code == 200, page.text[:500]
    assert page.url.endswith(ending)
    with live.app.app_context():
        person = db.session.scalars(select(User)).one()
        assert person.subject == live.lms.subject(user)
        assert db.session.scalars(select(Membership)).one().role == role


@pytest.mark.parametrize("lms_profile", ["canvas"])
def test_canvas_login_is_a_get_with_a_storage_target_and_one_issuer(live):
    with live.browser() as browser:
        live.launch(browser, user="4", locale="en")
        login = next(r for r in browser.history if "/lti/login" in r.request.url)
    assert login.request.method == "GET"
    assert "lti_storage_target=post_message_forwarding" in login.request.url
    assert "iss=https%3A%2F%2Fcanvas.instructure.com" in login.request.url
    with live.app.app_context():
        platform = db.session.scalars(select(Platform)).one()
        # The issuer is Canvas's; the endpoints are the school's host (here: the emulator).
        assert platform.issuer == "https://canvas.instructure.com"
        assert platform.auth_login_url.startswith(live.lms_url) and platform.auth_login_url.endswith(
            "/api/lti/authorize_redirect")
        assert db.session.scalars(select(Deployment)).one().deployment_id.startswith("12:")
        link = db.session.scalars(select(ResourceLink)).one()
        assert "/api/lti/courses/2/line_items/" in link.lineitem_url
