"""Every bad launch is refused with a clear 4xx page, the reason logged, and no session created.

Each test starts a real OIDC login at Kontor (so state cookie and nonce are genuine), then posts an
id_token that is valid in every respect but one. The list covers the bad payloads of the 1EdTech
LTI 1.3 tool certification and more."""
import base64
import time

import pytest
from sqlalchemy import select

from support.platform_kit import generate_adversary_key, sign_jwt
from lms_module.extensions import db
from lms_module.courses.models import LaunchSession
from lms_module.lti.models import Deployment, OidcLogin
from support.lti_forgery import DROP, begin_login, claims_for, post_launch

LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def assert_rejected(live, response, reason, status=400):
    assert response.status_code == status, response.text[:500]
    assert reason in response.text  # the reason code is on the page (and in the log)
    assert "Traceback" not in response.text
    with live.app.app_context():
        assert db.session.scalars(select(LaunchSession)).all() == []
    assert "kontor_session" not in response.cookies  # no session for this browser


@pytest.fixture
def login(live):
    browser = live.browser()
    state, nonce = begin_login(live, browser)
    yield browser, state, nonce
    browser.close()


def test_a_valid_forged_launch_passes(live, login):
    """The baseline of this file: with nothing changed the token is accepted."""
    browser, state, nonce = login
    response = post_launch(browser, live, live.kit.sign_id_token(claims_for(live, nonce)), state)
    assert response.status_code == 302
    assert "/l/" in response.headers["Location"]


def test_missing_kid(live, login):
    browser, state, nonce = login
    token = live.kit.sign_id_token(claims_for(live, nonce), headers={"kid": None})
    assert_rejected(live, post_launch(browser, live, token, state), "missing_kid")


def test_unknown_kid_refetches_the_jwks_once_then_refuses(live, login):
    browser, state, nonce = login
    before = live.lms.request_counts.get("certs", 0)
    token = live.kit.sign_id_token(claims_for(live, nonce), key=generate_adversary_key("kid-nobody-knows"),
                                   headers={"kid": "kid-nobody-knows"})
    assert_rejected(live, post_launch(browser, live, token, state), "bad_signature")
    assert live.lms.request_counts.get("certs", 0) - before in (1, 2)  # first fetch, then one refetch at most


def test_platform_key_rotation_is_followed(live):
    """A token under a new platform key is accepted after one JWKS refetch."""
    with live.browser() as browser:
        live.launch(browser, user="4")  # caches the old key set
        live.lms.rotate_key()
        page = live.launch(browser, user="4")
    assert page.status_code == 200
    assert "not set up yet" in page.text


def test_wrong_signature(live, login):
    browser, state, nonce = login
    token = live.kit.sign_id_token(claims_for(live, nonce), key=generate_adversary_key(live.kit.kid),
                                   headers={"kid": live.kit.kid})
    assert_rejected(live, post_launch(browser, live, token, state), "bad_signature")


def test_alg_none(live, login):
    browser, state, nonce = login
    token = live.kit.sign_id_token(claims_for(live, nonce), alg="none")
    assert_rejected(live, post_launch(browser, live, token, state), "wrong_algorithm")


def test_hmac_signed_with_the_platform_public_key(live, login):
    browser, state, nonce = login
    token = live.kit.sign_id_token(claims_for(live, nonce), alg="HS256")
    assert_rejected(live, post_launch(browser, live, token, state), "wrong_algorithm")


def test_expired(live, login):
    browser, state, nonce = login
    now = int(time.time())
    token = live.kit.sign_id_token(claims_for(live, nonce, iat=now - 300, exp=now - 240))
    assert_rejected(live, post_launch(browser, live, token, state), "expired_token")


def test_iat_far_in_the_future(live, login):
    browser, state, nonce = login
    now = int(time.time())
    token = live.kit.sign_id_token(claims_for(live, nonce, iat=now + 3600, exp=now + 3660))
    assert_rejected(live, post_launch(browser, live, token, state), "token_from_the_future")


def test_small_clock_skew_is_tolerated(live, login):
    browser, state, nonce = login
    now = int(time.time())
    token = live.kit.sign_id_token(claims_for(live, nonce, iat=now + 5, exp=now + 65))
    assert post_launch(browser, live, token, state).status_code == 302


def test_wrong_audience(live, login):
    browser, state, nonce = login
    token = live.kit.sign_id_token(claims_for(live, nonce, aud="some-other-client"))
    assert_rejected(live, post_launch(browser, live, token, state), "wrong_audience")


def test_audience_list_needs_azp_naming_the_client(live, login):
    browser, state, nonce = login
    client_id = live.lms.settings.client_id
    token = live.kit.sign_id_token(claims_for(live, nonce, aud=["another-tool", client_id]))
    assert_rejected(live, post_launch(browser, live, token, state), "wrong_audience")


def test_audience_list_with_matching_azp_is_accepted(live, login):
    browser, state, nonce = login
    client_id = live.lms.settings.client_id
    token = live.kit.sign_id_token(claims_for(live, nonce, aud=["another-tool", client_id], azp=client_id))
    assert post_launch(browser, live, token, state).status_code == 302


def test_azp_for_another_client(live, login):
    browser, state, nonce = login
    token = live.kit.sign_id_token(claims_for(live, nonce, azp="another-tool"))
    assert_rejected(live, post_launch(browser, live, token, state), "wrong_audience")


def test_unknown_issuer(live, login):
    browser, state, nonce = login
    token = live.kit.sign_id_token(claims_for(live, nonce, iss="https://evil.example"))
    assert_rejected(live, post_launch(browser, live, token, state), "unknown_issuer")


def test_unknown_deployment_is_recorded_and_can_be_activated(live, login):
    browser, state, nonce = login
    token = live.kit.sign_id_token(claims_for(live, nonce, **{LTI + "deployment_id": "77"}))
    assert_rejected(live, post_launch(browser, live, token, state, **{"Accept-Language": "en"}),
                    "unknown_deployment", status=403)
    with live.app.app_context():
        row = db.session.scalars(select(Deployment).where(Deployment.deployment_id == "77")).one()
        assert row.active is False
    result = live.app.test_cli_runner().invoke(args=[
        "platform", "activate-deployment", "--issuer", live.kit.issuer,
        "--client-id", live.lms.settings.client_id, "--deployment-id", "77"])
    assert result.exit_code == 0, result.output
    state2, nonce2 = begin_login(live, browser)
    token2 = live.kit.sign_id_token(claims_for(live, nonce2, **{LTI + "deployment_id": "77"}))
    assert post_launch(browser, live, token2, state2).status_code == 302


@pytest.mark.parametrize("refusal", ["before_the_nonce", "after_the_nonce"])
def test_a_refused_launch_ends_its_login(live, login, refusal):
    """The boundary rolls a refused launch back, yet its login stays ended (routes.launch's one
    early commit): the same state cannot be posted again, not even with a token that would pass."""
    browser, state, nonce = login
    if refusal == "before_the_nonce":
        token = live.kit.sign_id_token(claims_for(live, nonce), key=generate_adversary_key(live.kit.kid),
                                       headers={"kid": live.kit.kid})
        reason = "bad_signature"
    else:  # refused while recording the launch, after the nonce was used
        claims = claims_for(live, nonce)
        claims[LTI + "resource_link"] = {**claims[LTI + "resource_link"], "id": "x" * 300}
        token, reason = live.kit.sign_id_token(claims), "invalid_message"
    assert_rejected(live, post_launch(browser, live, token, state), reason)
    with live.app.app_context():
        assert db.session.get(OidcLogin, state) is None
    good = live.kit.sign_id_token(claims_for(live, nonce))
    assert_rejected(live, post_launch(browser, live, good, state), "unknown_state")


def test_replayed_nonce(live, login):
    browser, state, nonce = login
    token = live.kit.sign_id_token(claims_for(live, nonce))
    assert post_launch(browser, live, token, state).status_code == 302
    with live.app.app_context():
        db.session.query(LaunchSession).delete()
        db.session.commit()
    # Same token again (the login row is gone): refused.
    assert_rejected(live, post_launch(browser, live, token, state), "unknown_state")


def test_nonce_of_another_login(live, login):
    browser, state, _nonce = login
    _state2, nonce2 = begin_login(live, browser)
    token = live.kit.sign_id_token(claims_for(live, nonce2))
    assert_rejected(live, post_launch(browser, live, token, state), "wrong_nonce")


def test_a_used_nonce_stays_used_across_logins(live, login):
    browser, state, nonce = login
    assert post_launch(browser, live, live.kit.sign_id_token(claims_for(live, nonce)), state).status_code == 302
    with live.app.app_context():
        db.session.query(LaunchSession).delete()
        # An attacker re-creates a login row that expects the old nonce: the used-nonce table still says no.
        from datetime import timedelta

        from lms_module.lti.models import Platform, utcnow
        platform = db.session.scalars(select(Platform)).one()
        db.session.add(OidcLogin(state="state-again", nonce=nonce, platform_id=platform.id,
                                 expires_at=utcnow() + timedelta(minutes=5)))
        db.session.commit()
    browser.session.cookies.set("kontor-state-state-again", "state-again")
    token = live.kit.sign_id_token(claims_for(live, nonce))
    assert_rejected(live, post_launch(browser, live, token, "state-again"), "replayed_nonce")


def test_missing_state(live, login):
    browser, _state, nonce = login
    response = browser.session.post(live.url + "/lti/launch", data={"id_token": live.kit.sign_id_token(claims_for(live, nonce))},
                                    allow_redirects=False)
    assert_rejected(live, response, "missing_state")


def test_wrong_state(live, login):
    browser, _state, nonce = login
    token = live.kit.sign_id_token(claims_for(live, nonce))
    assert_rejected(live, post_launch(browser, live, token, "state-made-up"), "unknown_state")


def test_state_without_this_browsers_cookie(live, login):
    """Login CSRF: another browser posts a launch for a login this browser did not start."""
    browser, state, nonce = login
    token = live.kit.sign_id_token(claims_for(live, nonce))
    with live.browser() as other:
        assert_rejected(live, post_launch(other, live, token, state), "state_not_bound")


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({LTI + "message_type": "LtiSomethingElse"}, "wrong_message_type"),
        ({LTI + "message_type": DROP}, "missing_message_type"),
        ({LTI + "version": "1.1"}, "wrong_version"),
        ({LTI + "version": DROP}, "missing_version"),
        ({"sub": DROP}, "missing_claim"),
        ({"sub": ""}, "missing_sub"),
        ({LTI + "roles": DROP}, "missing_roles"),
        ({LTI + "deployment_id": DROP}, "missing_deployment_id"),
        ({LTI + "resource_link": DROP}, "missing_resource_link"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_claim_problems(live, login, changes, reason):
    browser, state, nonce = login
    token = live.kit.sign_id_token(claims_for(live, nonce, **changes))
    assert_rejected(live, post_launch(browser, live, token, state), reason)


@pytest.mark.parametrize("message_type", [["LtiResourceLinkRequest"], {"type": "LtiResourceLinkRequest"}],
                         ids=["list", "object"])
def test_a_message_type_that_is_no_string_is_refused_and_ends_the_login(live, login, message_type):
    """`message_type in {...}` raised TypeError (unhashable) for a list or an object: a 500 page and a
    traceback instead of the refusal, and the 500 rolled back the end of the login, so its state
    could be posted again. Any platform can sign such a token, and with invitations or open
    registration that is anyone who registered one."""
    browser, state, nonce = login
    token = live.kit.sign_id_token(claims_for(live, nonce, **{LTI + "message_type": message_type}))
    assert_rejected(live, post_launch(browser, live, token, state), "wrong_message_type")
    good = live.kit.sign_id_token(claims_for(live, nonce))
    assert_rejected(live, post_launch(browser, live, good, state), "unknown_state")


def test_a_jwt_that_is_not_an_lti_message(live, login):
    browser, state, nonce = login
    now = int(time.time())
    plain = {"iss": live.kit.issuer, "aud": live.lms.settings.client_id, "sub": "4", "nonce": nonce,
             "iat": now, "exp": now + 60}
    assert_rejected(live, post_launch(browser, live, live.kit.sign_id_token(plain), state), "missing_message_type")


def test_deep_linking_request_without_settings(live, login):
    browser, state, nonce = login
    claims = live.kit.build_launch_claims("3", None, nonce, message_type="LtiDeepLinkingRequest")
    claims.pop("https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings")
    assert_rejected(live, post_launch(browser, live, live.kit.sign_id_token(claims), state), "missing_deep_linking_settings")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "token",
    [
        "only.two",
        "a.b.c.d",
        "!!!.@@@.###",
        _b64(b"not json") + "." + _b64(b"also not") + ".sig",
        _b64(b'["a list"]') + "." + _b64(b'{"iss": 1}') + ".sig",
        "",
    ],
    ids=["two-parts", "four-parts", "bad-base64", "not-json", "header-not-object", "empty"],
)
def test_malformed_tokens(live, login, token):
    browser, state, _nonce = login
    response = post_launch(browser, live, token, state)
    assert_rejected(live, response, "missing_id_token" if token == "" else "malformed_token")


def test_oversized_token(live, login):
    browser, state, nonce = login
    token = live.kit.sign_id_token(claims_for(live, nonce, padding="x" * 70_000))
    assert_rejected(live, post_launch(browser, live, token, state), "oversized_token", status=413)


def test_rejection_page_speaks_the_browsers_language(live, login):
    browser, state, nonce = login
    token = live.kit.sign_id_token(claims_for(live, nonce), alg="none")
    response = post_launch(browser, live, token, state, **{"Accept-Language": "de-DE,de;q=0.9"})
    assert response.status_code == 400
    assert '<html lang="de">' in response.text
    assert "Die Anmeldung aus Ihrem LMS war ungültig" in response.text


def test_rejections_are_logged_with_their_reason(live, login, caplog):
    browser, state, nonce = login
    token = live.kit.sign_id_token(claims_for(live, nonce), alg="none")
    with caplog.at_level("WARNING", logger="kontor.lti"):
        post_launch(browser, live, token, state)
    assert any("wrong_algorithm" in record.getMessage() for record in caplog.records)


def test_sign_jwt_helper_is_really_rs256(live):
    """Guard for this file's premise: the kit signs like the platform, verifiable with its JWKS."""
    import jwt

    token = sign_jwt({"x": 1}, live.lms.key, None, "RS256")
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["kid"] == live.kit.kid
