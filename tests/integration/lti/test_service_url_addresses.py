"""The LMS service URLs Kontor calls later (course members, line items, scores) come from a
platform's signed launches, and with invitations or open registration a platform is anyone who
registered one. Registration refuses internal addresses for the URLs it stores (token endpoint, key
set); the service URLs of the launches went to any address: a registered platform named
http://169.254.169.254/… or a service in Kontor's own network as its members URL, and Kontor's
worker called it with its access token and kept up to 300 characters of the answer in the failure
it stores (for grade delivery, the one instructors read on the grade page). Now they must lead to
public addresses (unless
KONTOR_ALLOW_PRIVATE_LMS), except the hosts of the platform's own URLs when an administrator added it
(an LMS in the school's own network added with `platform add`; a registered platform's own hosts are
checked too: test_platform_host_trust)."""
from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from lms_module.courses.models import Course
from lms_module.extensions import db
from lms_module.lti.services_clients import ServiceFailure
from lms_module.roster import refresh_course
from support.lti_forgery import begin_login, post_launch
from support.live_server import live_server

NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"


@pytest.fixture
def guarded_live(database_url, tmp_path):
    """Kontor as in production (KONTOR_ALLOW_PRIVATE_LMS off) with the demo LMS on 127.0.0.1,
    registered as an administrator would add it."""
    from support.kontor_live import serve_one_site

    kontor, stop = serve_one_site(database_url, tmp_path, KONTOR_ALLOW_PRIVATE_LMS=False)
    yield kontor
    stop()


def _instructor_launch(live, memberships_url: str | None = None) -> int:
    """A signed instructor launch of the demo LMS; returns the id of its course in Kontor."""
    with live.browser() as browser:
        state, nonce = begin_login(live, browser, user="3")
        claims = live.kit.build_launch_claims("3", 2, nonce)
        if memberships_url is not None:
            claims[NRPS] = {"context_memberships_url": memberships_url, "service_versions": ["2.0"]}
        assert post_launch(browser, live, live.kit.sign_id_token(claims), state).status_code == 302
        url = claims[NRPS]["context_memberships_url"]
    with live.app.app_context():
        return db.session.scalars(select(Course.id).where(Course.memberships_url == url)).one()


def _metadata_service(calls: list[str]) -> Flask:
    """What a cloud's metadata address answers (an instance's secrets); `calls` records each call."""
    internal = Flask("internal-service")

    @internal.get("/latest/meta-data/")
    def metadata():
        calls.append("metadata")
        return "ami-id\ninstance-id\niam/security-credentials/kontor-role\n"

    return internal


def test_a_service_url_on_an_internal_address_is_never_called(guarded_live):
    calls = []
    with live_server(_metadata_service(calls)) as base_url:
        # Another name than the platform's own hosts (127.0.0.1), resolving to loopback.
        url = base_url.replace("127.0.0.1", "localhost") + "/latest/meta-data/"
        course_id = _instructor_launch(guarded_live, url)
        with guarded_live.app.app_context():
            with pytest.raises(ServiceFailure) as failure:
                refresh_course(course_id)
    assert calls == []
    assert failure.value.kind == "refused"
    assert "loopback, private or reserved address" in failure.value.message
    assert "instance-id" not in failure.value.message


def test_the_platforms_own_hosts_are_called_wherever_they_resolve(guarded_live):
    """The demo LMS sits on 127.0.0.1 like an LMS in a school's own network: its members are read."""
    course_id = _instructor_launch(guarded_live)
    with guarded_live.app.app_context():
        result = refresh_course(course_id)
    assert result.members >= 2
    with guarded_live.app.app_context():
        assert db.session.get(Course, course_id).roster_synced_at is not None


def test_the_sign_in_host_a_registration_never_checked_does_not_open_the_guard(guarded_live):
    """Registration checks the hosts Kontor calls (the configuration's, the token endpoint's, the key
    set's), not the sign-in URL's (authorization_endpoint), which only the browser opens. A platform
    that named an internal host as its sign-in URL got that host trusted for its service URLs, and so
    its launches could name http://169.254.169.254/… (here: localhost) as the members URL again."""
    from lms_module.lti.models import Platform

    calls = []
    with live_server(_metadata_service(calls)) as base_url:
        internal_base = base_url.replace("127.0.0.1", "localhost")
        course_id = _instructor_launch(guarded_live, internal_base + "/latest/meta-data/")
        with guarded_live.app.app_context():
            for platform in db.session.scalars(select(Platform)):
                platform.auth_login_url = internal_base + "/auth"  # as a registration would have stored it
            db.session.commit()
            with pytest.raises(ServiceFailure) as failure:
                refresh_course(course_id)
    assert calls == []
    assert failure.value.kind == "refused"
