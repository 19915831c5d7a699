"""Where the rate limits are checked: each limited view (/lti/login, /lti/launch, /lti/register) in
its own decorator, and nothing before the other requests (issue 15; web/ratelimit.py takes
Flask-Limiter's check before every request off). The limits themselves: lti/test_rate_limits.py."""
from lms_module.extensions import limiter
from support.apps import make_app


def test_nothing_is_left_for_the_check_before_every_request(app):
    """The hook that is taken off applies default, application-wide, meta and blueprint limits only.
    Should Kontor ever want one of those, keep the hook (web/ratelimit.py) or it is never applied."""
    manager = limiter.limit_manager
    assert not manager._default_limits and not manager._application_limits and not limiter._meta_limits
    assert not manager._blueprint_limits
    assert limiter._check_request_limit not in app.before_request_funcs[None]


def test_a_default_limit_keeps_the_check_before_every_request(database_url, tmp_path):
    """Configured by hand (RATELIMIT_DEFAULT, RATELIMIT_APPLICATION or RATELIMIT_META), such a limit
    still applies: the hook stays."""
    try:
        app = make_app(database_url, tmp_path, KONTOR_RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2/minute")
        client = app.test_client()
        address = {"REMOTE_ADDR": "203.0.113.60"}
        assert [client.get("/healthz", environ_base=address).status_code for _ in range(3)] == [200, 200, 429]
    finally:
        limiter.limit_manager.set_default_limits([])  # one Limiter serves every app of this process
