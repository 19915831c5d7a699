"""Courses and resource links are known per platform and deployment, and a link never moves to
another course (issue 9, "a resource link moves between courses").

The attack: a properly signed launch names course A's resource link id in course B's context. Before
the fix it re-parented the link, and B's instructor then downloaded A's responses CSV."""
import re

from sqlalchemy import select

from lms_module.extensions import db
from lms_module.courses.models import Course, LaunchSession, ResourceLink
from lms_module.lti.models import Deployment
from support.lti_forgery import begin_login, claims_for, post_launch

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
COURSE_B = {"id": "course-b", "label": "B101", "title": "Course B"}


def _signed_launch(live, browser, user="3", **changes):
    state, nonce = begin_login(live, browser, user=user)
    claims = claims_for(live, nonce, user=user, **changes)
    return post_launch(browser, live, live.kit.sign_id_token(claims), state)


def _placements(live):
    """(link id, course context id) of every resource link."""
    with live.app.app_context():
        return [(link.link_id, db.session.get(Course, link.course_id).context_id)
                for link in db.session.scalars(select(ResourceLink).order_by(ResourceLink.id))]


def _links(live):
    with live.app.app_context():
        return [(link.link_id, link.deployment_id, db.session.get(Course, link.course_id).context_id)
                for link in db.session.scalars(select(ResourceLink).order_by(ResourceLink.id))]


def test_a_link_of_course_a_launched_in_course_b_is_refused(live):
    with live.browser() as browser:
        page = live.launch(browser, user="3")  # course A's instructor sets up the activity
        launch_a = re.search(r"/l/([^/]+)/", page.url).group(1)
        link_id = _placements(live)[0][0]
    with live.browser() as attacker:
        refused = _signed_launch(live, attacker, **{LTI + "context": COURSE_B})
        assert refused.status_code == 403, refused.text[:300]
        assert "resource_link_in_other_course" in refused.text and "Traceback" not in refused.text
        assert _placements(live) == [(link_id, "2")]  # still in course A (context "2" in the emulator)
        with live.app.app_context():
            assert db.session.scalars(select(LaunchSession.id)).all() == [launch_a]
            assert db.session.scalars(select(Course).where(Course.context_id == "course-b")).first() is None
        # Nothing of course A opens for this browser.
        assert attacker.get(f"{live.url}/l/{launch_a}/reports/responses.csv").status_code == 403


def test_the_same_link_id_in_another_deployment_is_another_activity(live):
    """LTI makes link ids unique per deployment: the same id from a second deployment is a new
    record in its own course, and course A's link stays where it is."""
    with live.app.app_context():
        platform_id = db.session.scalars(select(Deployment.platform_id)).first()
        db.session.add(Deployment(platform_id=platform_id, deployment_id="2", active=True))
        db.session.commit()
    with live.browser() as browser:
        live.launch(browser, user="3")
        link_id = _links(live)[0][0]
        answer = _signed_launch(live, browser, **{LTI + "context": COURSE_B, LTI + "deployment_id": "2"})
        assert answer.status_code == 302, answer.text[:300]
    assert _links(live) == [(link_id, "1", "2"), (link_id, "2", "course-b")]


def test_a_link_recorded_before_deployments_were_kept_is_claimed_by_its_next_launch(live):
    with live.browser() as browser:
        live.launch(browser, user="4")
        with live.app.app_context():
            for model in (ResourceLink, Course):
                for row in db.session.scalars(select(model)):
                    row.deployment_id = None  # as the migration leaves rows without a recorded launch
            db.session.commit()
        assert live.launch(browser, user="4").status_code == 200
    links = _links(live)
    assert len(links) == 1 and links[0][1:] == ("1", "2")
    with live.app.app_context():
        assert db.session.scalars(select(Course.deployment_id)).all() == ["1"]


def test_an_oversized_link_id_is_refused_not_cut(live):
    with live.browser() as browser:
        answer = _signed_launch(live, browser, user="4", **{LTI + "resource_link": {"id": "x" * 256}})
    assert answer.status_code == 400 and "invalid_message" in answer.text
    assert _links(live) == []
