"""The Canvas profile's launch and token endpoint, seen by the fake tool: the tool reads the auth
and token URLs from the platform's settings (Canvas's are on the school's host, not under its
issuer https://canvas.instructure.com)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import requests

from lms_module.demo_lms.settings import CANVAS_ISSUER

LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def test_a_canvas_launch_reaches_the_fake_tool(make_rig):
    rig = make_rig(profile="canvas")
    claims = rig.launch("/launch/2?user=4&locale=en")
    login = rig.tool.logins[-1]
    assert login["iss"] == CANVAS_ISSUER and login["lti_storage_target"] == "post_message_forwarding"
    assert re.fullmatch(r"\d+:[0-9a-f]{40}", login["deployment_id"])
    assert rig.tool.launches[-1]["lti_storage_target"] == "post_message_forwarding"
    assert claims["iss"] == CANVAS_ISSUER and claims["aud"] == rig.client_id
    assert claims["sub"] == rig.state.subject("4") != "4"  # Canvas's sub is a UUID
    assert claims[LTI + "roles"]


def test_canvas_sends_the_users_time_zone_else_the_accounts(make_rig):
    """Canvas's $Person.address.timezone is always an IANA name: the user's own zone, or the
    account's default zone for a user who chose none (the demo account's: Europe/Berlin)."""
    rig = make_rig(profile="canvas")
    rig.state.set_custom_parameters(2, {"tz": "$Person.address.timezone"})
    assert rig.launch("/launch/2?user=5&locale=en")[LTI + "custom"]["tz"] == "Europe/London"
    assert rig.launch("/launch/2?user=4&locale=en")[LTI + "custom"]["tz"] == "Europe/Berlin"


def test_canvas_grants_a_token_for_an_assertion_addressed_to_its_token_url(make_rig):
    rig = make_rig(profile="canvas")
    assert rig.token_url.endswith("/login/oauth2/token")
    assert rig.access_token()


def test_the_school_host_redirect_keeps_every_parameter_as_it_came(make_rig):
    """sso.canvaslms.com's redirect to the school's host keeps the query. Parameters named like
    url_for's own arguments (_external, _anchor) answered 500 or were dropped from the redirect."""
    rig = make_rig(profile="canvas")
    sent = [("state", "s1"), ("_external", "1"), ("_anchor", "top"), ("nonce", "n1")]
    response = requests.get(rig.lms_url + "/api/lti/authorize_redirect", params=sent, allow_redirects=False, timeout=10)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path.endswith("/api/lti/authorize") and not location.fragment
    assert parse_qsl(location.query) == sent
