"""Rate limits per client address on the public LTI endpoints (Flask-Limiter).

`/lti/login` stores a row per call and `/lti/register` calls out to the network: without a limit one
client can fill the database or make Kontor knock on other servers. The limits come from
KONTOR_RATELIMIT_LOGIN / KONTOR_RATELIMIT_REGISTER, the counters live in KONTOR_RATELIMIT_STORAGE
(memory:// per process, or Redis shared by all processes). A refused request gets the one error page
with status 429 and a Retry-After header.
"""
from __future__ import annotations

import time

from flask import Flask, current_app
from flask_limiter.errors import RateLimitExceeded

from ..extensions import limiter
from .errors import render_error


def login_limit() -> str:
    return current_app.config["KONTOR_RATELIMIT_LOGIN"]


def register_limit() -> str:
    return current_app.config["KONTOR_RATELIMIT_REGISTER"]


@limiter.request_filter
def _switched_off() -> bool:
    # Asked per request of the app at hand (the Limiter object itself is shared by every app built
    # in this process, as tests build many).
    return not current_app.config.get("KONTOR_RATELIMIT_ENABLED", True)


# Limits that only Flask-Limiter's check before every request applies (no view's decorator does).
LIMITS_FOR_EVERY_REQUEST = ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META")


def _check_in_the_limited_views_only(app: Flask) -> None:
    """Flask-Limiter checks a view's own limits (limiter.limit on login, launch and register) in the
    view's decorator; its before_request hook, run before every request of the app, applies only
    default, application-wide, meta and blueprint limits. Kontor has none of those, so on every page
    and autosave the hook looked and found nothing to count (some 40 µs of CPU a request, issue 15).
    Flask-Limiter has no switch for the hook (auto_check went in 3.13, and it stopped the decorators'
    checks as well), so it is taken off here. If such limits are configured it stays, as nothing else
    would apply them; that Kontor sets no blueprint limit is kept by a test."""
    if any(app.config.get(name) for name in LIMITS_FOR_EVERY_REQUEST):
        return
    app.before_request_funcs[None].remove(limiter._check_request_limit)


def init_app(app: Flask) -> None:
    # Flask-Limiter's own switch stays on; KONTOR_RATELIMIT_ENABLED is read per request (above).
    app.config["RATELIMIT_ENABLED"] = True
    app.config["RATELIMIT_STORAGE_URI"] = app.config["KONTOR_RATELIMIT_STORAGE"] or "memory://"
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "kontor")
    limiter.init_app(app)
    _check_in_the_limited_views_only(app)
    app.register_error_handler(RateLimitExceeded, too_many_requests)


def too_many_requests(error: RateLimitExceeded):
    """The 429 page with Retry-After (a blueprint that knows who frames its pages adds that first)."""
    body, status = render_error(429, "rate_limited")
    current = limiter.current_limit
    wait = max(1, int(current.reset_at - time.time())) if current is not None else 60
    return body, status, {"Retry-After": str(wait)}
