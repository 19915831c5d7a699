"""OIDC launches: login initiation, auth.php and the id_token's Moodle shape."""

from __future__ import annotations

import json

import jwt
import requests

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
BO = "https://purl.imsglobal.org/spec/lti-bo/claim/basicoutcome"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

# Claim order of launch-student.json / deep-linking-request.json.
RESOURCE_LINK_ORDER = [
    "nonce", "iat", "exp", "iss", "aud", LTI + "deployment_id", LTI + "target_link_uri", "sub", LTI + "lis",
    LTI + "roles", LTI + "context", LTI + "message_type", LTI + "resource_link", BO, "given_name", "family_name",
    "name", LTI + "ext", "email", LTI + "launch_presentation", LTI + "tool_platform", LTI + "version",
    LTI + "custom", AGS, NRPS,
]
DEEP_LINKING_ORDER = [
    "nonce", "iat", "exp", "iss", "aud", LTI + "deployment_id", LTI + "target_link_uri", "sub", LTI + "lis",
    LTI + "roles", LTI + "context", LTI + "message_type", "given_name", "family_name", "name", LTI + "ext",
    "email", LTI + "launch_presentation", LTI + "tool_platform", LTI + "version", AGS, LTI + "custom", NRPS,
    DL_SETTINGS,
]


def test_login_initiation_is_moodles_post_form(rig):
    rig.launch("/launch/2?user=4&locale=en")
    login = rig.tool.logins[-1]
    assert list(login) == ["iss", "target_link_uri", "login_hint", "lti_message_hint", "client_id", "lti_deployment_id"]
    assert login["iss"] == rig.lms_url
    assert login["login_hint"] == "4"
    assert login["target_link_uri"] == f"{rig.base_url}/lti/launch"
    hint = json.loads(login["lti_message_hint"])
    assert list(hint) == ["cmid", "launchid"] and hint["cmid"] == 2
    assert hint["launchid"].startswith("ltilaunch1_")
    assert '"cmid":2,' in login["lti_message_hint"]  # compact JSON, as Moodle writes it


def test_student_id_token_verifies_and_has_moodles_claims(rig):
    claims = rig.launch("/launch/2?user=4&locale=en")
    token = rig.tool.launches[-1]["id_token"]
    assert list(jwt.get_unverified_header(token)) == ["typ", "alg", "kid"]
    assert jwt.get_unverified_header(token)["kid"] == rig.state.key.kid
    assert list(claims) == RESOURCE_LINK_ORDER
    assert claims["exp"] == claims["iat"] + 60
    assert claims["aud"] == rig.client_id and claims["sub"] == "4"
    assert claims[LTI + "roles"] == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    assert claims[LTI + "resource_link"] == {"title": "Kontor quiz", "description": "", "id": "1"}
    assert claims[LTI + "lis"] == {"person_sourcedid": "", "course_section_sourcedid": ""}
    assert claims[LTI + "ext"] == {"user_username": "student1", "lms": "moodle-2"}
    presentation = claims[LTI + "launch_presentation"]
    assert presentation["locale"] == "en" and presentation["document_target"] == "iframe"
    assert "sesskey=" in presentation["return_url"]
    memberships_url = f"{rig.lms_url}/mod/lti/services.php/CourseSection/2/bindings/1/memberships"
    # The tool's own parameter (as Kontor's setup asks for) first: student1 keeps the server's zone.
    assert claims[LTI + "custom"] == {"timezone": "99", "context_memberships_url": memberships_url}
    assert claims[AGS]["lineitems"] == f"{rig.lms_url}/mod/lti/services.php/2/lineitems?type_id=1"
    assert claims[AGS]["lineitem"] == f"{rig.lms_url}/mod/lti/services.php/2/lineitems/2/lineitem?type_id=1"
    assert len(claims[AGS]["scope"]) == 4
    assert claims[NRPS] == {"context_memberships_url": memberships_url, "service_versions": ["1.0", "2.0"]}
    assert json.loads(claims[BO]["lis_result_sourcedid"])["data"]["userid"] == "4"


def test_instructor_and_german_launches(rig):
    teacher = rig.launch("/launch/2?user=3")
    assert teacher[LTI + "roles"] == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]
    german = rig.launch("/launch/2?user=6&locale=de")
    assert german[LTI + "launch_presentation"]["locale"] == "de"
    assert german["family_name"] == "Schüler"


def test_deep_linking_request_shape(rig):
    claims = rig.launch("/deeplink/start?user=3&title=Deep+linked")
    hint = json.loads(rig.tool.logins[-1]["lti_message_hint"])
    assert list(hint) == ["launchid"] and hint["launchid"].startswith("ltilaunch_ContentItemSelectionRequest")
    assert list(claims) == DEEP_LINKING_ORDER
    assert claims[LTI + "message_type"] == "LtiDeepLinkingRequest"
    assert claims[LTI + "launch_presentation"] == {"locale": "en"}
    assert "lineitem" not in claims[AGS]
    settings = claims[DL_SETTINGS]
    assert settings["accept_types"] == ["ltiResourceLink"]
    assert settings["accept_multiple"] is True and settings["auto_create"] is False
    assert settings["title"] == "Deep linked" and "data" not in settings
    assert settings["deep_link_return_url"].startswith(f"{rig.lms_url}/deeplink/return?course=2&id=1&sesskey=")


def test_deep_linking_data_is_sent_when_a_test_sets_it(rig):
    rig.state.set_deep_linking_data("opaque-123")
    claims = rig.launch("/deeplink/start?user=3")
    assert claims[DL_SETTINGS]["data"] == "opaque-123"


def test_learners_cannot_start_deep_linking(rig):
    page = rig.browser.get(rig.url("/deeplink/start?user=4"))
    assert page.status_code == 403


def test_custom_parameters_follow_moodles_key_mapping(rig):
    rig.state.set_custom_parameters(2, {"quizId": "q-7", "who": "$User.username"})
    claims = rig.launch("/launch/2?user=4")
    custom = claims[LTI + "custom"]
    assert list(custom) == ["timezone", "quizid", "quizId", "who", "context_memberships_url"]
    assert custom["quizid"] == custom["quizId"] == "q-7" and custom["who"] == "student1"


def test_person_address_timezone_is_the_profiles_zone_as_moodle_stores_it(rig):
    """$USER->timezone unresolved: '99' is 'the server's zone' (Moodle's default for every account)."""
    rig.state.set_custom_parameters(2, {"tz": "$Person.address.timezone"})
    student1, student3 = rig.launch("/launch/2?user=4"), rig.launch("/launch/2?user=6")
    assert student1[LTI + "custom"]["timezone"] == student1[LTI + "custom"]["tz"] == "99"
    assert student3[LTI + "custom"]["timezone"] == student3[LTI + "custom"]["tz"] == "Europe/Berlin"


def test_auth_rejects_unregistered_redirect_uri(rig):
    rig.tool.auth_overrides["redirect_uri"] = "https://evil.example/steal"
    page = rig.browser.open(rig.url("/launch/2?user=4"))
    assert page.status_code == 400
    assert rig.tool.launches == []


def test_auth_rejects_login_hint_of_someone_else(rig):
    rig.tool.auth_overrides["login_hint"] = "5"
    page = rig.browser.open(rig.url("/launch/2?user=4"))
    assert page.status_code == 400 and "access_denied" in page.text


def test_auth_rejects_missing_nonce_and_wrong_response_mode(rig):
    rig.tool.auth_overrides["nonce"] = None
    assert rig.browser.open(rig.url("/launch/2?user=4")).status_code == 400
    rig.tool.auth_overrides.clear()
    rig.tool.auth_overrides["response_mode"] = "query"
    assert rig.browser.open(rig.url("/launch/2?user=4")).status_code == 400
    assert rig.tool.launches == []


def test_auth_errors_can_be_posted_back_like_moodle(rig):
    rig.state.auth_error_mode = "form_post"
    rig.tool.auth_overrides["prompt"] = "login"
    page = rig.browser.open(rig.url("/launch/2?user=4"))
    assert page.text == "launched"
    posted = rig.tool.launches[-1]
    assert posted["error"] == "invalid_request" and posted["state"].startswith("state-") and "id_token" not in posted


def test_a_launch_id_is_single_use(rig):
    rig.launch("/launch/2?user=4")
    login = rig.tool.logins[-1]
    replay = requests.get(
        f"{rig.lms_url}/auth",
        params={
            "scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
            "client_id": rig.client_id, "redirect_uri": f"{rig.base_url}/lti/launch", "state": "s", "nonce": "n",
            "login_hint": "4", "lti_message_hint": login["lti_message_hint"],
        },
        timeout=5,
    )
    assert replay.status_code == 400


def test_platform_storage_adds_the_storage_target(make_rig):
    rig = make_rig(platform_storage=True)
    rig.launch("/launch/2?user=4")
    assert rig.tool.logins[-1]["lti_storage_target"] == "post_message_forwarding"
    view = rig.browser.get(rig.url("/course/view/2?user=4&locale=en"))
    assert 'name="post_message_forwarding"' in view.text
    frame = rig.browser.get(rig.url("/platform-storage"))
    assert "lti.put_data" in frame.text and "event.origin" in frame.text


def test_course_view_frames_the_launch_like_view_php(rig):
    view = rig.browser.get(rig.url("/course/view/2?user=6&locale=de"))
    assert 'id="contentframe"' in view.text and 'height="600px"' in view.text
    assert "lti.frameResize" in view.text and "post_message_forwarding" not in view.text.split("<script>")[0]
    landed = rig.browser.open_iframe(view)
    assert landed.text == "launched"
    assert rig.tool.logins[-1]["login_hint"] == "6"


def test_rotated_key_signs_with_a_new_kid(rig):
    old_kid = rig.state.key.kid
    rig.state.rotate_key()
    claims = rig.launch("/launch/2?user=4")
    assert claims["sub"] == "4"
    token = rig.tool.launches[-1]["id_token"]
    assert jwt.get_unverified_header(token)["kid"] != old_kid
    assert [key["kid"] for key in requests.get(rig.url("/certs"), timeout=5).json()["keys"]] == [rig.state.key.kid]
