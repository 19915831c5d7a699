"""Canvas and Kontor's registration paths, over HTTP against the Canvas profile of the demo LMS.

Dynamic registration: hosted Canvas serves its openid configuration from the school's host while
naming the issuer https://canvas.instructure.com. Kontor requires the configuration and the issuer
to share an origin, so it refuses, says how to install Kontor in hosted Canvas instead (the
developer key JSON, as the README says), stores nothing and leaves the invite open.

The developer key JSON: the Canvas admin enters Kontor's /lti/canvas.json URL; the LMS fetches it
and the launch then uses exactly the URLs it names."""
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from sqlalchemy import select

from lms_module.extensions import db
from lms_module.lti.invites import find_open_invite
from lms_module.courses.models import LaunchSession
from lms_module.lti.models import Platform
from lms_module.roster import refresh_course

pytestmark = pytest.mark.parametrize("lms_profile", ["canvas"])


def _platforms(live):
    with live.app.app_context():
        return [(p.issuer, p.client_id) for p in db.session.scalars(select(Platform).order_by(Platform.id))]


def _register_through_canvas(live, language, query=""):
    """Canvas's "+ LTI Registration" with Kontor's registration URL: Canvas opens it in its dialog."""
    tools_before = set(live.lms.tools)
    with live.browser() as browser:
        browser.session.headers["Accept-Language"] = language
        page = browser.get(f"{live.lms_url}/registration/start?" + urlencode({"url": f"{live.url}/lti/register{query}"}))
    assert set(live.lms.tools) == tools_before  # Canvas never got a registration request
    return page


@pytest.mark.parametrize(("language", "words"), [
    ("en", "register it with the developer key"),
    ("de", "Entwicklerschlüssel"),
])
def test_hosted_canvas_dynamic_registration_is_refused_clearly_and_stores_nothing(live, language, words):
    before = _platforms(live)
    page = _register_through_canvas(live, language)
    # Kontor read Canvas's configuration from the school's host and refused its foreign issuer.
    assert "/lti/register?" in page.url and "openid-configuration" in page.url
    assert page.status_code == 400
    assert "hosted_canvas" in page.text
    assert words in page.text
    assert f"{live.url}/lti/canvas.json" in page.text  # what to use instead
    assert "Traceback" not in page.text
    assert _platforms(live) == before == [("https://canvas.instructure.com", live.lms.settings.client_id)]


def test_the_refusal_leaves_the_invite_open(live, runner_for_live):
    result = runner_for_live.invoke(args=["platform", "invite", "--name", "School Canvas", "--expires", "1h",
                                          "--base-url", live.url])
    assert result.exit_code == 0, result.output
    invite_url = next(word for word in result.output.split() if "/lti/register?invite=" in word)
    token = parse_qs(urlsplit(invite_url).query)["invite"][0]
    page = _register_through_canvas(live, "en", query=f"?invite={token}")
    assert page.status_code == 400 and "hosted_canvas" in page.text
    with live.app.app_context():
        assert find_open_invite(token) is not None  # a failed attempt does not use the invite up
    assert len(_platforms(live)) == 1


@pytest.fixture
def runner_for_live(live):
    return live.app.test_cli_runner()


def test_a_developer_key_from_kontors_json_url_is_what_the_launch_uses(live, runner_for_live):
    # The Canvas admin: Developer Keys, + LTI Key, "Enter URL" with Kontor's JSON URL. Canvas fetches it.
    json_url = f"{live.url}/lti/canvas.json"
    answer = requests.post(f"{live.lms_url}/accounts/site_admin/developer_keys", data={"url": json_url}, timeout=10)
    assert answer.status_code == 200, answer.text
    key = answer.json()
    client_id, deployment_id = key["id"], key["deployment_id"]
    assert client_id != live.lms.settings.client_id  # a new developer key beside the demo's
    configuration = requests.get(json_url, timeout=10).json()
    tool = live.lms.tools[client_id]
    assert tool.configuration == configuration
    # Kontor's administrator: `flask platform add` with the key's client id and deployment id.
    settings = live.lms.settings
    result = runner_for_live.invoke(args=[
        "platform", "add", "--issuer", settings.issuer, "--client-id", client_id, "--deployment-id", deployment_id,
        "--auth-url", settings.auth_login_url, "--token-url", settings.auth_token_url,
        "--jwks-url", settings.key_set_url, "--name", "School Canvas"])
    assert result.exit_code == 0, result.output
    # The teacher adds the app to the course; an instructor opens it.
    activity = live.lms.add_activity("Kontor via developer key", {"quiz": "career-exam"}, tool_client_id=client_id)
    with live.browser() as browser:
        page = live.launch(browser, user="3", activity=activity.cmid, locale="en")
        requests_made = [r.request for r in browser.history]
    assert page.status_code == 200, page.text[:500]
    assert page.url.endswith("/instructor")
    # The login went to the JSON's oidc_initiation_url, the id_token to its target_link_uri.
    login = next(r for r in requests_made if r.url.startswith(configuration["oidc_initiation_url"] + "?"))
    assert f"client_id={client_id}" in login.url
    authorize = next(r for r in requests_made if "/api/lti/authorize?" in r.url)
    redirect_uri = parse_qs(urlsplit(authorize.url).query)["redirect_uri"][0]
    assert redirect_uri == configuration["target_link_uri"]
    assert any(r.method == "POST" and r.url == configuration["target_link_uri"] for r in requests_made)
    with live.app.app_context():
        platform = db.session.scalars(select(Platform).where(Platform.client_id == client_id)).one()
        launch = db.session.scalars(select(LaunchSession).where(LaunchSession.platform_id == platform.id)).one()
        assert launch.role == "instructor" and launch.deployment_id == deployment_id
        # The JSON's custom field: Canvas sent Tina's own zone.
        assert launch.time_zone == "Europe/Berlin"
        course_id = launch.course_id
    # A service call: Canvas checks Kontor's client assertion against the JSON's public_jwk_url and
    # grants only the JSON's scopes (all or nothing), so the roster arrives only if both are right.
    assert tool.jwks_uri == configuration["public_jwk_url"] == f"{live.url}/lti/jwks"
    with live.app.app_context():
        result = refresh_course(course_id)
        assert result.members == 4
