"""Fault injection, the course page, persistence and the testing helpers."""

from __future__ import annotations

import json
import time

import jwt
import pytest
import requests

from lms_module.demo_lms import DemoLmsSettings, create_demo_lms
from lms_module.demo_lms.scopes import AGS_SCOPES, MEDIA_LINEITEM, MEDIA_SCORE
from support.platform_kit import generate_adversary_key


def test_injected_token_failures_then_recovery(rig):
    rig.state.inject_failure("token", 503, times=2, retry_after=7, body={"error": "temporarily_unavailable"})
    first = rig.request_token(list(AGS_SCOPES))
    assert (first.status_code, first.headers["Retry-After"]) == (503, "7")
    assert first.json() == {"error": "temporarily_unavailable"}
    assert rig.request_token(list(AGS_SCOPES)).status_code == 503
    assert rig.request_token(list(AGS_SCOPES)).status_code == 200
    assert rig.state.token_requests == 3


def test_injected_score_failure_is_logged_and_leaves_the_gradebook_alone(rig):
    token = rig.access_token()
    rig.state.inject_failure("scores", 500, times=1, body="boom")
    body = json.dumps({"userId": "4", "scoreGiven": 1, "scoreMaximum": 1, "activityProgress": "Completed",
                       "gradingProgress": "FullyGraded", "timestamp": "2026-11-28T09:00:00Z"})
    url = f"{rig.lms_url}/mod/lti/services.php/2/lineitems/2/lineitem/scores?type_id=1"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": MEDIA_SCORE}
    failed = requests.post(url, data=body, headers=headers, timeout=5)
    assert (failed.status_code, failed.text) == (500, "boom")
    assert rig.state.grade("4") is None
    assert requests.post(url, data=body, headers=headers, timeout=5).status_code == 200
    assert [entry.status for entry in rig.state.received_scores] == [500, 200]
    assert rig.state.received_scores[0].raw_body == body
    assert rig.state.received_scores[0].headers["Content-Type"] == MEDIA_SCORE
    assert rig.state.request_counts["scores"] == 2


def test_delay_and_down(rig):
    token = rig.access_token()
    url = f"{rig.lms_url}/mod/lti/services.php/2/lineitems/2/lineitem?type_id=1"
    headers = {"Authorization": f"Bearer {token}", "Accept": MEDIA_LINEITEM}
    rig.state.delay("lineitem", 0.3)
    started = time.monotonic()
    assert requests.get(url, headers=headers, timeout=5).status_code == 200
    assert time.monotonic() - started >= 0.3
    with pytest.raises(requests.Timeout):
        requests.get(url, headers=headers, timeout=0.1)
    rig.state.delay("lineitem", 0)
    rig.state.set_down(True)
    assert requests.get(url, headers=headers, timeout=5).status_code == 503
    assert requests.get(rig.url("/certs"), timeout=5).status_code == 503
    assert requests.get(rig.url("/"), timeout=5).status_code == 200
    rig.state.set_down(False)
    assert requests.get(url, headers=headers, timeout=5).status_code == 200


def test_unknown_fault_kinds_are_refused(rig):
    with pytest.raises(ValueError):
        rig.state.inject_failure("coffee", 418, times=1)


def test_course_page_is_accessible_and_shows_the_gradebook(rig):
    token = rig.access_token()
    requests.post(
        f"{rig.lms_url}/mod/lti/services.php/2/lineitems/2/lineitem/scores?type_id=1",
        data=json.dumps({"userId": "6", "scoreGiven": 3, "scoreMaximum": 4, "activityProgress": "Completed",
                         "gradingProgress": "FullyGraded", "timestamp": "2026-11-28T09:00:00Z", "comment": "gut"}),
        headers={"Authorization": f"Bearer {token}", "Content-Type": MEDIA_SCORE},
        timeout=5,
    )
    page = requests.get(rig.url("/"), timeout=5)
    assert page.status_code == 200 and '<html lang="en">' in page.text
    for label in ("Launch as student (Deutsch)", "Launch as student (English)", "Launch as instructor",
                  "Add a quiz (deep linking)"):
        assert f">{label}</button>" in page.text
    assert "<h1>" in page.text and "<caption>" in page.text
    assert "75.00" in page.text and "gut" in page.text and "FullyGraded" in page.text
    assert "token granted" in page.text
    assert 'action="/demo-lms/course/view/2"' in page.text  # links honour SCRIPT_NAME


def test_state_persists_to_a_json_file(tmp_path, platform_pem):
    settings = DemoLmsSettings(
        base_url="http://lms.invalid/demo-lms", tool_base_url="http://tool.invalid",
        key_pem_path=platform_pem, state_path=str(tmp_path / "state.json"),
    )
    first = create_demo_lms(settings).extensions["demo_lms"]
    activity = first.add_activity("Persisted quiz", {"quiz": "p1"})
    second = create_demo_lms(settings).extensions["demo_lms"]
    assert second.activity(activity.cmid).custom_parameters == "quiz=p1"
    assert second.key.kid == first.key.kid


def test_testing_kit_forges_moodle_shaped_tokens(rig):
    claims = rig.kit.build_launch_claims("4", 2, nonce="n-1")
    assert claims["sub"] == "4" and claims["nonce"] == "n-1"
    assert list(claims)[:5] == ["nonce", "iat", "exp", "iss", "aud"]
    genuine = rig.kit.sign_id_token(claims)
    assert rig.verify_id_token(genuine)["sub"] == "4"
    forged = rig.kit.sign_id_token(claims, key=generate_adversary_key(kid=rig.kit.kid))
    with pytest.raises(jwt.InvalidSignatureError):
        rig.verify_id_token(forged)
    unsigned = rig.kit.sign_id_token(claims, alg="none")
    assert unsigned.endswith(".") and jwt.get_unverified_header(unsigned)["alg"] == "none"
    confused = rig.kit.sign_id_token(claims, alg="HS256")
    assert jwt.get_unverified_header(confused)["alg"] == "HS256"
    no_kid = rig.kit.sign_id_token(claims, headers={"kid": None})
    assert "kid" not in jwt.get_unverified_header(no_kid)
    deep = rig.kit.build_launch_claims("3", None, nonce="n-2", message_type="LtiDeepLinkingRequest")
    assert "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings" in deep
    assert rig.kit.private_key_pem.startswith(b"-----BEGIN PRIVATE KEY-----")


def test_frame_pages_render(rig):
    deep_linking = requests.get(rig.url("/deeplink/view?user=3"), timeout=5)
    assert deep_linking.status_code == 200 and "/demo-lms/deeplink/start?user=3" in deep_linking.text
    registration = requests.get(rig.url("/registration/view"), timeout=5)
    assert "org.imsglobal.lti.close" in registration.text and "/demo-lms/registration/start" in registration.text
    returned = requests.get(rig.url("/return?course=2&lti_msg=Saved"), timeout=5)
    assert "Saved" in returned.text


def test_dropped_connections(rig):
    rig.state.inject_failure("certs", 0, times=1)
    with pytest.raises(requests.ConnectionError):
        requests.get(rig.url("/certs"), timeout=5)
    assert requests.get(rig.url("/certs"), timeout=5).status_code == 200
    rig.state.set_down(True, drop_connections=True)
    with pytest.raises(requests.ConnectionError):
        rig.request_token(list(AGS_SCOPES))
    rig.state.set_down(False)
    assert rig.request_token(list(AGS_SCOPES)).status_code == 200
