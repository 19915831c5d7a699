"""The platform's key set (JWKS) is kept in the database: launches do not fetch it each time, a rotated
key is followed with one refetch, and tokens with made-up kids cannot make Kontor hammer the LMS.

The demo LMS counts every request to its JWKS endpoint ("certs") over real HTTP."""
from datetime import timedelta

from sqlalchemy import select, update

from support.lti_forgery import begin_login, claims_for, post_launch
from support.platform_kit import generate_adversary_key
from lms_module.extensions import db
from lms_module.lti.models import Platform, utcnow


def jwks_requests(live) -> int:
    return live.lms.request_counts.get("certs", 0)


def launch_ok(live, browser, user="4"):
    page = live.launch(browser, user=user)
    assert page.status_code == 200, page.text[:500]
    assert "/l/" in page.url
    return page


def test_ten_launches_fetch_the_key_set_once(live):
    with live.browser() as browser:
        for i in range(10):
            launch_ok(live, browser, user=str(4 + i % 3))
    assert jwks_requests(live) == 1
    with live.app.app_context():
        platform = db.session.scalars(select(Platform)).one()
        assert platform.key_set["keys"][0]["kid"] == live.lms.key.kid
        assert platform.key_set_fetched_at is not None


def test_a_rotated_platform_key_is_fetched_once_and_the_launch_succeeds(live):
    with live.browser() as browser:
        launch_ok(live, browser)
        live.lms.rotate_key()  # Moodle publishes only the new key: a new kid
        launch_ok(live, browser)
        launch_ok(live, browser)
    assert jwks_requests(live) == 2


def test_forged_tokens_with_unknown_kids_refetch_at_most_once(live):
    with live.browser() as browser:
        launch_ok(live, browser)  # the key set is stored
    before = jwks_requests(live)
    adversary = generate_adversary_key("adversary")
    for i in range(10):
        with live.browser() as browser:
            state, nonce = begin_login(live, browser)
            token = live.kit.sign_id_token(claims_for(live, nonce), key=adversary, headers={"kid": f"random-kid-{i}"})
            response = post_launch(browser, live, token, state)
        assert response.status_code == 400 and "bad_signature" in response.text
    assert jwks_requests(live) - before <= 1
    with live.browser() as browser:
        launch_ok(live, browser)  # the real platform is not locked out
    assert jwks_requests(live) - before <= 1


def test_a_key_set_older_than_the_max_age_is_fetched_again(live):
    with live.browser() as browser:
        launch_ok(live, browser)
        with live.app.app_context():
            hours = live.app.config["KONTOR_PLATFORM_KEYS_MAX_AGE_HOURS"]
            db.session.execute(update(Platform).values(key_set_fetched_at=utcnow() - timedelta(hours=hours, minutes=1)))
            db.session.commit()
        launch_ok(live, browser)
        launch_ok(live, browser)
    assert jwks_requests(live) == 2


def test_a_failed_refresh_keeps_the_stored_key_set(live):
    """The LMS's JWKS endpoint fails when the stored set is due: launches go on with the stored set,
    and the refresh is tried again after a minute, not on every launch."""
    with live.browser() as browser:
        launch_ok(live, browser)
        with live.app.app_context():
            hours = live.app.config["KONTOR_PLATFORM_KEYS_MAX_AGE_HOURS"]
            db.session.execute(update(Platform).values(key_set_fetched_at=utcnow() - timedelta(hours=hours, minutes=1)))
            db.session.commit()
        live.lms.inject_failure("certs", 503, times=5)
        launch_ok(live, browser)
        launch_ok(live, browser)
    assert jwks_requests(live) == 2


def test_a_platform_removed_before_its_key_set_fetch_is_no_key_set_not_a_crash(live, monkeypatch):
    """The fetch reads the platform's row after the claim has been committed: a `platform remove`
    in between leaves nothing to read (PlatformEndpoint.read gives None), and the launch ended in an
    AttributeError (a 500) instead of the refusal for a key set that cannot be had."""
    import pytest

    from lms_module.lti import platform_keys

    class Removed:
        @staticmethod
        def read(platform_id):
            return None

    monkeypatch.setattr(platform_keys, "PlatformEndpoint", Removed)
    with live.app.app_context():
        platform_id = db.session.scalars(select(Platform.id)).first()
        with pytest.raises(platform_keys.KeySetUnavailable):
            platform_keys.key_set_for(platform_id, "any-kid", platform_keys.KeyPolicy(), stored=(None, None))
    assert jwks_requests(live) == 0
