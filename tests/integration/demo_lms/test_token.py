"""token.php and certs.php."""

from __future__ import annotations

import re

import requests

from lms_module.demo_lms.keys import PlatformKey
from lms_module.demo_lms.scopes import AGS_SCOPES, SCOPE_NRPS, SCOPE_TOOLSETTING


def test_certs_serves_one_rs256_signing_key(rig):
    answer = requests.get(rig.url("/certs"), timeout=5)
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    (key,) = answer.json()["keys"]
    assert list(key) == ["kty", "alg", "kid", "e", "n", "use"]
    assert key["alg"] == "RS256" and key["use"] == "sig" and key["kid"] == rig.state.key.kid


def test_a_correctly_signed_assertion_gets_a_token(rig):
    answer = rig.request_token(list(AGS_SCOPES))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Content-type" in [name for name, _ in answer.raw.headers.items()]  # PHP's spelling
    assert '\n  "token_type" : "Bearer",\n' in answer.text  # Moodle's hand-made JSON
    body = answer.json()
    assert re.fullmatch(r"[0-9a-f]{32}", body["access_token"])
    assert body["expires_in"] == 3600 and body["token_type"] == "Bearer"
    assert body["scope"] == " ".join(AGS_SCOPES)
    assert rig.state.token_requests == 1


def test_scopes_are_granted_as_the_permitted_subset(rig):
    answer = rig.request_token([*AGS_SCOPES, SCOPE_NRPS, SCOPE_TOOLSETTING])
    assert answer.json()["scope"] == " ".join([*AGS_SCOPES, SCOPE_NRPS])


def test_only_unknown_scopes_is_invalid_scope(rig):
    answer = rig.request_token(["https://example.com/unknown-scope"])
    assert answer.status_code == 400
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert answer.text == '{\n  "error" : "invalid_scope"\n}'


def test_a_wrongly_signed_assertion_is_refused(rig):
    intruder = PlatformKey.generate(kid=rig.tool.key.kid)
    answer = rig.request_token(list(AGS_SCOPES), rig.tool.client_assertion(rig.client_id, rig.token_url, key=intruder))
    assert answer.status_code == 400 and answer.json() == {"error": "invalid_client"}


def test_assertion_checks(rig):
    cases = {
        "wrong audience": rig.tool.client_assertion(rig.client_id, "https://elsewhere.example/token"),
        "expired": rig.tool.client_assertion(rig.client_id, rig.token_url, exp=1),
        "iss differs from sub": rig.tool.client_assertion(rig.client_id, rig.token_url, iss="someone"),
        "no jti": rig.tool.client_assertion(rig.client_id, rig.token_url, jti=None),
    }
    for case, assertion in cases.items():
        answer = rig.request_token(list(AGS_SCOPES), assertion)
        assert (answer.status_code, answer.json()) == (400, {"error": "invalid_client"}), case
    unknown = rig.request_token(list(AGS_SCOPES), rig.tool.client_assertion("nobody", rig.token_url))
    assert unknown.json() == {"error": "invalid_client"}


def test_a_jti_cannot_be_replayed(rig):
    assertion = rig.tool.client_assertion(rig.client_id, rig.token_url)
    assert rig.request_token(list(AGS_SCOPES), assertion).status_code == 200
    replay = rig.request_token(list(AGS_SCOPES), assertion)
    assert replay.status_code == 400 and replay.json() == {"error": "invalid_client"}


def test_malformed_requests(rig):
    wrong_grant = requests.post(
        rig.token_url,
        data={"grant_type": "password", "client_assertion_type": "x", "client_assertion": "a.b.c", "scope": "s"},
        timeout=5,
    )
    assert wrong_grant.json() == {"error": "unsupported_grant_type"}
    as_json = requests.post(rig.token_url, json={"grant_type": "client_credentials"}, timeout=5)
    assert as_json.status_code == 400 and as_json.json() == {"error": "invalid_request"}


def test_the_tool_jwks_is_fetched_again_for_an_unknown_kid(rig):
    assert rig.request_token(list(AGS_SCOPES)).status_code == 200
    fetches = rig.tool.jwks_requests
    assert rig.request_token(list(AGS_SCOPES)).status_code == 200
    assert rig.tool.jwks_requests == fetches  # cached
    rig.tool.rotate_key()
    assert rig.request_token(list(AGS_SCOPES)).status_code == 200
    assert rig.tool.jwks_requests == fetches + 1
