"""Outgoing HTTP to an LMS: a named User-Agent (Canvas requires one), timeouts, no stray redirects."""
from __future__ import annotations

import requests
from flask import current_app

from ..version import __version__

USER_AGENT = f"Kontor/{__version__} (LTI 1.3 tool; +https://kontor.example/)"


class LmsSession(requests.Session):
    """A requests session that always sends Kontor's User-Agent and never waits forever."""

    def __init__(self, timeout: float = 10.0) -> None:
        super().__init__()
        self.headers["User-Agent"] = USER_AGENT
        self._timeout = timeout
        # A redirect to another host would carry our bearer token away; LMS service URLs never redirect.
        self.max_redirects = 0

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", self._timeout)
        kwargs.setdefault("allow_redirects", False)
        return super().request(method, url, *args, **kwargs)


def lms_session() -> LmsSession:
    return LmsSession(timeout=float(current_app.config.get("KONTOR_HTTP_TIMEOUT_SECONDS", 10)))
