"""Public URLs of the emulator, built from its URL map and the configured base URL.

Protocol URLs (issuer, token endpoint, service URLs in claims) must be the same whichever host
name a request came in on, so they are built against `base_url` (which includes the mount
path, the SCRIPT_NAME under DispatcherMiddleware), not against the current request.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from werkzeug.routing import Map


class PlatformUrls:
    def __init__(self, url_map: Map, base_url: str, issuer: str | None = None, canvas: bool = False) -> None:
        parts = urlsplit(base_url.rstrip("/"))
        # Moodle's issuer is its own URL; Canvas's (https://canvas.instructure.com) is not.
        self.issuer = issuer or base_url.rstrip("/")
        self.canvas = canvas
        self._adapter = url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)

    def external(self, endpoint: str, **values: Any) -> str:
        """The absolute URL of `endpoint`; unknown values become the query string, in order."""
        return self._adapter.build(endpoint, values, force_external=True)

    # Moodle's service URLs carry ?type_id=N, and sub-resources go BEFORE the query string.
    # Canvas's are plain paths (/api/lti/courses/<id>/line_items/<item>[/scores]), per developer key.

    def lineitems(self, course_id: str, type_id: int) -> str:
        if self.canvas:
            return self.external("canvas.line_items", course_id=course_id)
        return self.external("ags.lineitems", course_id=course_id, type_id=type_id)

    def lineitems_base(self, course_id: str) -> str:
        return self.external("ags.lineitems", course_id=course_id)

    def lineitem(self, course_id: str, item_id: int, type_id: int) -> str:
        if self.canvas:
            return self.external("canvas.line_item", course_id=course_id, item_id=item_id)
        return self.external("ags.lineitem", course_id=course_id, item_id=item_id, type_id=type_id)

    def results(self, course_id: str, item_id: int, type_id: int) -> str:
        if self.canvas:
            return self.external("canvas.results", course_id=course_id, item_id=item_id)
        return self.external("ags.results", course_id=course_id, item_id=item_id, type_id=type_id)

    def scores(self, course_id: str, item_id: int, type_id: int) -> str:
        if self.canvas:
            return self.external("canvas.scores", course_id=course_id, item_id=item_id)
        return self.external("ags.scores", course_id=course_id, item_id=item_id, type_id=type_id)

    def memberships(self, course_id: str, type_id: int) -> str:
        if self.canvas:
            return self.external("canvas.names_and_roles", course_id=course_id)
        return self.external("nrps.memberships", course_id=course_id, type_id=type_id)
