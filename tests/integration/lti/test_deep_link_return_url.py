"""A deep linking launch names the URL Kontor's answer is posted to; only a web address is accepted
(issue 9: a `javascript:` return URL was stopped only by the CSP of the page that posts to it)."""
import pytest
from sqlalchemy import select

from lms_module.extensions import db
from lms_module.courses.models import LaunchSession
from support.lti_forgery import begin_login, post_launch

SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


def _deep_linking_launch(live, return_url):
    with live.browser() as browser:
        state, nonce = begin_login(live, browser, user="3")
        claims = live.kit.build_launch_claims("3", None, nonce, message_type="LtiDeepLinkingRequest")
        claims[SETTINGS]["deep_link_return_url"] = return_url
        return post_launch(browser, live, live.kit.sign_id_token(claims), state, **{"Accept-Language": "en"})


@pytest.mark.parametrize("return_url", [
    "javascript:alert(document.domain)//https://lms.example/return",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://lms.example/return",
    "https:///no-host",
])
def test_a_return_url_that_is_not_a_web_address_is_refused(live, return_url):
    response = _deep_linking_launch(live, return_url)
    assert response.status_code == 400
    assert "bad_deep_link_return_url" in response.text
    assert "not a web address (http or https)" in response.text
    with live.app.app_context():
        assert db.session.scalars(select(LaunchSession)).all() == []


def test_a_web_return_url_is_accepted(live):
    response = _deep_linking_launch(live, live.lms_url + "/deep-link-return")
    assert response.status_code == 302, response.text[:300]
