"""Dynamic registration against the demo LMS, the Canvas JSON configuration, and bad registrations."""
from urllib.parse import quote

import jwt
import pytest
from sqlalchemy import select

from lms_module.courses.models import LaunchSession
from lms_module.extensions import db
from lms_module.lti.models import Deployment, Platform


def test_dynamic_registration_round_trip(live):
    with live.browser() as browser:
        browser.session.headers["Accept-Language"] = "en"
        page = browser.get(live.lms_url + "/registration/start")
    assert page.status_code == 200, page.text[:500]
    assert "Kontor is registered" in page.text
    assert "registration-close.js" in page.text  # posts org.imsglobal.lti.close to the LMS
    with live.app.app_context():
        platforms = db.session.scalars(select(Platform).order_by(Platform.id)).all()
        assert len(platforms) == 2  # the demo registration and the new one
        new = platforms[-1]
        assert new.issuer == live.kit.issuer
        assert new.auth_login_url.endswith("/auth") and new.key_set_url.endswith("/certs")
        deployment = db.session.scalars(select(Deployment).where(Deployment.platform_id == new.id)).one()
        assert deployment.active
        db.session.expunge_all()
    # What Kontor sent, as the platform recorded it.
    tool = live.lms.tools[new.client_id]
    assert tool.initiate_login_uri == live.url + "/lti/login"
    assert tool.redirect_uris == [live.url + "/lti/launch"]
    assert tool.jwks_uri == live.url + "/lti/jwks"
    assert tool.target_link_uri == live.url + "/lti/launch"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in tool.scopes
    assert "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly" in tool.scopes
    assert deployment.deployment_id == tool.deployment_id
    # The person's time zone in every launch (pages show times in it).
    sent = tool.registration["https://purl.imsglobal.org/spec/lti-tool-configuration"]
    assert sent["custom_parameters"] == {"timezone": "$Person.address.timezone"}
    assert tool.custom_parameters == {"timezone": "$Person.address.timezone"}


def test_a_dynamically_registered_tool_gets_the_persons_time_zone(live):
    with live.browser() as browser:
        browser.session.headers["Accept-Language"] = "en"
        assert "Kontor is registered" in browser.get(live.lms_url + "/registration/start").text
    with live.app.app_context():
        new = db.session.scalars(select(Platform).order_by(Platform.id.desc())).first()
        client_id = new.client_id
    live.lms.activate_tool(client_id)
    activity = live.lms.add_activity("Kontor, registered", {"quiz": "career-exam"}, tool_client_id=client_id)
    with live.browser() as browser:
        page = live.launch(browser, user="6", activity=activity.cmid)  # Stefan: Europe/Berlin in Moodle
    assert page.status_code == 200, page.text[:500]
    with live.app.app_context():
        launch = db.session.scalars(select(LaunchSession).where(LaunchSession.platform_id == new.id)).one()
        assert launch.time_zone == "Europe/Berlin"


def test_registration_with_an_unreachable_configuration(live):
    client = live.app.test_client()
    response = client.get("/lti/register?openid_configuration=" + quote("http://127.0.0.1:9/nothing", safe=""),
                          headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "could not register" in response.get_data(as_text=True)
    with live.app.app_context():
        assert len(db.session.scalars(select(Platform)).all()) == 1


def test_registration_refuses_a_configuration_from_another_issuer(live):
    """The configuration URL must live under the issuer it names: the same document fetched under
    another host name (localhost instead of 127.0.0.1) names an issuer that does not match."""
    other_host = live.lms_url.replace("127.0.0.1", "localhost") + "/.well-known/openid-configuration"
    response = live.app.test_client().get("/lti/register?openid_configuration=" + quote(other_host, safe=""))
    assert response.status_code == 400
    assert "issuer_mismatch" in response.get_data(as_text=True)
    with live.app.app_context():
        assert len(db.session.scalars(select(Platform)).all()) == 1


def test_registration_without_parameters(live):
    response = live.app.test_client().get("/lti/register")
    assert response.status_code == 400


@pytest.mark.parametrize("language, words", [("en", "Paste it into your LMS"), ("de", "Fügen Sie sie in Ihrer Lernplattform")])
def test_an_invite_opened_on_its_own_says_where_to_paste_it(app, client, language, words):
    """An administrator who opens the printed registration URL in a browser (not from the LMS) read
    only "the request could not be processed"; the invite stays usable."""
    from datetime import timedelta

    from lms_module.lti.invites import create_invite, find_open_invite
    with app.app_context():
        _, token = create_invite("Moodle Example", timedelta(hours=1))
        db.session.commit()
    response = client.get("/lti/register", query_string={"invite": token}, headers={"Accept-Language": language})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and words in page
    with app.app_context():
        assert find_open_invite(token) is not None


def test_canvas_json_configuration(client):
    data = client.get("/lti/canvas.json", base_url="https://kontor.example.edu").get_json()
    assert data["title"] == "Kontor"
    assert data["oidc_initiation_url"] == "https://kontor.example.edu/lti/login"
    assert data["target_link_uri"] == "https://kontor.example.edu/lti/launch"
    assert data["public_jwk_url"] == "https://kontor.example.edu/lti/jwks"
    assert set(data["scopes"]) >= {
        "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
        "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
        "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
    }
    (extension,) = data["extensions"]
    assert extension["platform"] == "canvas.instructure.com"
    assert extension["domain"] == "kontor.example.edu"
    placements = {p["placement"]: p for p in extension["settings"]["placements"]}
    assert set(placements) == {"link_selection", "assignment_selection"}
    assert all(p["message_type"] == "LtiDeepLinkingRequest" for p in placements.values())
    # Canvas substitutes the person's time zone into this custom field at every launch.
    assert data["custom_fields"] == {"timezone": "$Person.address.timezone"}


def test_registration_token_is_passed_to_the_platform(live):
    """The registration token Moodle issues is a JWT for the platform; Kontor returns it untouched."""
    with live.browser() as browser:
        browser.get(live.lms_url + "/registration/start")
    starts = [r for r in browser.history if "/lti/register?" in r.url]
    token = starts[0].url.split("registration_token=")[1]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["scope"] == "reg"
