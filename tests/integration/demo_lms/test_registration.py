"""LTI Dynamic Registration (dynamic-registration.json)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import jwt
import requests

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"


def start_registration(rig) -> tuple[str, str]:
    """GET /registration/start without following it: (openid_configuration, registration_token)."""
    answer = requests.get(rig.url("/registration/start"), allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{rig.base_url}/lti/register"
    query = parse_qs(location.query)
    return query["openid_configuration"][0], query["registration_token"][0]


def test_openid_configuration_is_moodles(rig):
    answer = requests.get(rig.url("/.well-known/openid-configuration"), timeout=5)
    document = answer.json()
    assert document["issuer"] == rig.lms_url
    assert document["token_endpoint"] == rig.token_url and document["jwks_uri"] == rig.url("/certs")
    assert document["authorization_endpoint"] == rig.url("/auth")
    assert document["registration_endpoint"] == rig.url("/registration")
    assert document["subject_types_supported"] == ["public", "pairwise"]
    assert "openid" in document["scopes_supported"]
    platform = document["https://purl.imsglobal.org/spec/lti-platform-configuration"]
    assert platform["product_family_code"] == "moodle"
    assert {"type": "LtiDeepLinkingRequest", "placements": ["ContentArea"]} in platform["messages_supported"]
    assert "Person.name.full" in platform["variables"]


def test_registration_token_is_signed_by_the_platform(rig):
    configuration_url, token = start_registration(rig)
    assert configuration_url == rig.url("/.well-known/openid-configuration")
    assert list(jwt.get_unverified_header(token)) == ["typ", "alg", "kid"]
    claims = jwt.decode(token, rig.state.key.private_key.public_key(), algorithms=["RS256"])
    assert claims["scope"] == "reg" and claims["exp"] == claims["iat"] + 3600 and len(claims["sub"]) == 15


def test_round_trip_through_the_tool(rig):
    answer = rig.browser.open(rig.url("/registration/start"))
    assert answer.status_code == 200
    (recorded,) = rig.tool.registrations
    assert recorded["status"] == 200
    body = recorded["body"]
    tool = rig.state.tool(body["client_id"])
    assert tool is not None and tool.status == "pending"
    assert body["logo_uri"] == "" and body["grant_types"] == ["client_credentials", "implicit"]
    configuration = body[TOOL_CONFIGURATION]
    assert configuration["deployment_id"] == str(tool.type_id) == "2"
    launch_url = f"{rig.base_url}/lti/launch"
    assert configuration["messages"] == [{"type": "LtiDeepLinkingRequest", "target_link_uri": launch_url}]
    assert configuration["claims"] == ["sub", "iss", "name", "family_name", "given_name", "email"]
    assert configuration["custom_parameters"] == {"registered_by": "dynamic"}

    # Pending tools cannot be launched until an admin activates them.
    activity = rig.state.add_activity("Registered tool quiz", tool_client_id=tool.client_id)
    assert rig.browser.open(rig.url(f"/launch/{activity.cmid}?user=4")).status_code == 400
    rig.state.activate_tool(tool.client_id)
    claims = rig.launch(f"/launch/{activity.cmid}?user=4", audience=tool.client_id)
    assert claims["aud"] == tool.client_id
    assert claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == "2"
    assert claims["https://purl.imsglobal.org/spec/lti/claim/custom"]["registered_by"] == "dynamic"


def test_auto_activation_for_the_demo(make_rig):
    rig = make_rig(auto_activate_tools=True)
    rig.browser.open(rig.url("/registration/start"))
    assert rig.state.tool(rig.tool.registrations[0]["body"]["client_id"]).status == "active"


def test_registration_tokens_are_single_use_and_required(rig, registration_metadata):
    _, token = start_registration(rig)
    metadata = registration_metadata(rig.base_url)
    endpoint = rig.url("/registration")
    assert requests.post(endpoint, json=metadata, timeout=5).status_code == 401
    first = requests.post(endpoint, json=metadata, headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert first.status_code == 200
    assert first.headers["Content-Type"] == "application/json; charset=utf-8"
    again = requests.post(endpoint, json=metadata, headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert again.status_code == 401


def test_invalid_metadata_is_refused(rig, registration_metadata):
    _, token = start_registration(rig)
    metadata = registration_metadata(rig.base_url)
    metadata["token_endpoint_auth_method"] = "client_secret_basic"
    answer = requests.post(rig.url("/registration"), json=metadata, headers={"Authorization": f"Bearer {token}"},
                           timeout=5)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_client_metadata"
