"""Response headers: who may frame Kontor, and the usual hardening."""
from __future__ import annotations

import secrets
import time
from urllib.parse import urlsplit

from flask import g
from sqlalchemy import select

from ..extensions import db
from ..lti.models import Platform


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


class FrameAncestors:
    """Origins of every registered platform (and of the pages they launched from), cached briefly
    so that registering a platform takes effect within a minute on every worker."""

    ttl_seconds = 60

    def __init__(self) -> None:
        self._value: str | None = None
        self._loaded_at = 0.0

    def invalidate(self) -> None:
        self._value = None

    def value(self) -> str:
        if self._value is None or time.monotonic() - self._loaded_at > self.ttl_seconds:
            origins: set[str] = set()
            for platform in db.session.scalars(select(Platform)):
                for url in (platform.issuer, platform.auth_login_url, *(platform.frame_origins or [])):
                    origin = _origin(url)
                    if origin:
                        origins.add(origin)
            self._value = " ".join(["'self'", *sorted(origins)])
            self._loaded_at = time.monotonic()
        return self._value


frame_ancestors = FrameAncestors()


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
                f"frame-ancestors {frame_ancestors.value()}"
            )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Request-Id", g.get("request_id", "-"))
        return response


def _form_targets() -> str:
    # Deep linking answers the platform with a form post to its return URL.
    target = g.get("form_target_origin")
    return target or ""
