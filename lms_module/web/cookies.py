"""Which attributes Kontor's cookies carry, per request.

The LMS shows Kontor from another site: in its iframe, and when a new window is opened, the LMS's
own page posts the launch to Kontor (a cross-site POST). Browsers send a cookie along only when it
is `SameSite=None; Secure` (and in an iframe of a browser that blocks third-party cookies only when
it is also `Partitioned`, a cookie kept per LMS site). `Secure` needs HTTPS, with one exception that
every current browser makes: http://localhost and http://127.0.0.1 are secure contexts. So:

- KONTOR_HTTPS (production): always `Secure; SameSite=None; Partitioned`;
- KONTOR_LOCALHOST_SECURE_COOKIES (development and demo profiles): the same attributes when the
  request came to a loopback host name over plain HTTP, so a local LMS on another host name
  (localhost vs 127.0.0.1) can launch Kontor as a real one would;
- otherwise `SameSite=Lax` (launches from another site then cannot keep a state cookie).
"""
from __future__ import annotations

import ipaddress

from flask import Flask, current_app, has_request_context, request
from flask.sessions import SecureCookieSessionInterface

LOOPBACK_NAMES = {"localhost"}


def is_loopback_host(host: str) -> bool:
    """Does this Host header name a loopback address (which browsers treat as a secure context)?"""
    name = host.strip().lower()
    if name.startswith("["):  # [::1]:5000
        name = name[1:].split("]", 1)[0]
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def cross_site_cookies() -> bool:
    """Do this response's cookies carry `Secure; SameSite=None; Partitioned`?"""
    config = current_app.config
    if config.get("KONTOR_HTTPS"):
        return True
    if not config.get("KONTOR_LOCALHOST_SECURE_COOKIES") or not has_request_context():
        return False
    return is_loopback_host(request.host)


def cookie_attributes() -> dict:
    """Keyword arguments for Response.set_cookie/delete_cookie of Kontor's own cookies."""
    if cross_site_cookies():
        return {"httponly": True, "secure": True, "samesite": "None", "partitioned": True}
    return {"httponly": True, "secure": False, "samesite": "Lax"}


class CrossSiteSessionInterface(SecureCookieSessionInterface):
    """The signed session cookie, with the attributes above decided per request."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return cross_site_cookies() or super().get_cookie_secure(app)

    def get_cookie_samesite(self, app: Flask) -> str | None:
        return "None" if cross_site_cookies() else super().get_cookie_samesite(app)

    def get_cookie_partitioned(self, app: Flask) -> bool:
        return cross_site_cookies() or super().get_cookie_partitioned(app)


def init_app(app: Flask) -> None:
    app.session_interface = CrossSiteSessionInterface()
    # The cookie check's script writes a probe cookie with the same attributes.
    app.jinja_env.globals["cross_site_cookies"] = cross_site_cookies
