"""Response headers: who may frame Kontor, what browsers may keep, and the usual hardening."""
from __future__ import annotations

import logging
import secrets
import time
from urllib.parse import urlsplit

from flask import current_app, g, request
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..courses.models import LaunchSession

log = logging.getLogger("kontor.security")

# Longest frame-ancestors source list sent (characters). nginx's default proxy buffer is 4 KB for all
# headers together; the whole CSP stays below 2 KB with this and one form target.
MAX_FRAME_ANCESTORS_CHARS = 1024
# A scheme, a host of at most 253 characters and a port.
_MAX_ORIGIN_CHARS = 280


def origin_of(url: str | None) -> str | None:
    """scheme://host[:port] of an http(s) URL (never userinfo, path or query), or None."""
    if not url or not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    origin = f"{parts.scheme}://{host}" + (f":{port}" if port else "")
    return origin if len(origin) <= _MAX_ORIGIN_CHARS else None


class FrameAncestors:
    """The origins that may frame Kontor for one platform: its issuer, its login URL and the pages
    it launched from (learnt from its signed launches). Only the platform of the current launch is
    named on a page, so registering platforms never makes another platform's pages grow.
    Cached briefly per platform, so a change takes effect within a minute on every worker."""

    ttl_seconds = 60
    max_cached = 1000
    # platform id -> (platform id, its framing URLs) or None; set by lti/ (web knows no platform table).
    urls_for = staticmethod(lambda platform_id: None)

    @property
    def _values(self) -> dict[int, tuple[str, float]]:
        # One cache per app (and so per database): platform ids mean nothing across them.
        return current_app.extensions.setdefault("kontor.frame_ancestors", {})

    def invalidate(self, platform_id: int | None = None) -> None:
        if platform_id is None:
            self._values.clear()
        else:
            self._values.pop(platform_id, None)

    def value(self, platform_id: int | None) -> str:
        if platform_id is None:
            return "'self'"
        cached = self._values.get(platform_id)
        if cached is not None and time.monotonic() - cached[1] <= self.ttl_seconds:
            return cached[0]
        urls = self.urls_for(platform_id)
        if urls is None:
            return "'self'"
        value = self._sources(platform_id, urls)
        if len(self._values) >= self.max_cached:
            self._values.clear()
        self._values[platform_id] = (value, time.monotonic())
        return value

    @staticmethod
    def _sources(platform_id: int, urls: list[str]) -> str:
        sources = ["'self'"]
        length = len(sources[0])
        left_out = 0
        for url in urls:
            origin = origin_of(url)
            if not origin or origin in sources:
                continue
            if length + 1 + len(origin) > MAX_FRAME_ANCESTORS_CHARS:
                left_out += 1
                continue
            sources.append(origin)
            length += 1 + len(origin)
        if left_out:
            log.warning("platform %s: %d frame origins left out, the header would grow too long",
                        platform_id, left_out)
        return " ".join(sources)


frame_ancestors = FrameAncestors()


def allow_framing_by(platform_id: int | None) -> None:
    """This response may be framed by the pages of this platform (a login or launch in progress)."""
    if platform_id is not None:
        g.frame_platform_id = platform_id


def allow_framing_by_origin_of(url: str | None) -> None:
    """This page, which offers no action (nothing to click into), may also be framed by the origin
    of `url`: a refused registration, shown in the registration dialog of an LMS Kontor does not know."""
    origin = origin_of(url)
    if origin:
        g.frame_extra_origin = origin


def allow_form_target(url: str | None) -> None:
    """This page's form sends the browser to `url` (the platform's sign-in or its deep linking return):
    its origin, and no other, joins 'self' in form-action. Browsers enforce form-action on the form's
    target, so without it the LMS's sign-in is blocked as soon as the LMS lives on another origin."""
    origin = origin_of(url)
    if origin:
        g.form_target_origin = origin


def allow_framing_by_launch(launch_id: str | None) -> None:
    """This response may be framed by the platform that made this launch."""
    if launch_id:
        allow_framing_by(db.session.scalar(
            db.select(LaunchSession.platform_id).where(LaunchSession.id == launch_id)
        ))


def _framing_platform() -> int | None:
    platform_id = g.get("frame_platform_id")
    if platform_id is None and g.get("launch") is not None:
        platform_id = g.launch.platform_id
    return platform_id


def _frame_ancestors() -> str:
    try:
        value = frame_ancestors.value(_framing_platform())
    except SQLAlchemyError:
        # The database is away (the 503 page): nobody but Kontor itself may frame it then.
        db.session.rollback()
        value = "'self'"
    extra = g.get("frame_extra_origin")
    if extra and extra not in value.split():
        value += " " + extra
    return value


def _holds_personal_data(response) -> bool:
    """Pages and the downloads of a launch (reports, exports) may show names, answers and grades:
    no browser or proxy cache keeps them. Static files and the public key set stay cacheable."""
    if response.mimetype == "text/html":
        return True
    return request.path.startswith("/l/")


def init_app(app) -> None:
    @app.before_request
    def assign_request_id():
        g.request_id = secrets.token_hex(6)

    @app.after_request
    def harden(response):
        if response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = (
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                "form-action 'self' " + _form_targets() + "; base-uri 'none'; object-src 'none'; "
                f"frame-ancestors {_frame_ancestors()}"
            )
        # A view that set its own private caching (a course image: immutable under its id) keeps it.
        if _holds_personal_data(response) and not g.get("cache_control_set"):
            response.headers["Cache-Control"] = "no-store"
        if current_app.config.get("KONTOR_HTTPS"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Request-Id", g.get("request_id", "-"))
        return response


def _form_targets() -> str:
    # The platform a page's form sends the browser to (allow_form_target), if any.
    target = g.get("form_target_origin")
    return target or ""
