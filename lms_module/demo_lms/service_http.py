"""HTTP conventions of Moodle's services.php (mod/lti/classes/local/ltiservice/response.php).

- Routing is by media type: a GET whose Accept is neither empty, nor contains ``*/*``, nor is
  exactly one of the resource's formats, and a write whose raw Content-Type (parameters
  included) is not exactly one of them, get 400 "No handler found for <path> <accept> <ctype>".
- Errors without a body get a JSON body ``{status, reason, request{method, url, accept,
  contentType}}``; the status line carries Moodle's reason phrase.
- Success bodies are sent with ``Content-Type: <format>; charset=utf-8``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from flask import Response, request

from .model import AccessToken
from .state import PlatformState

REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

SERVICES_PREFIX = "/mod/lti/services.php"


def status_line(status: int, reason: str) -> str:
    """A status string werkzeug can send: one line, latin-1 only (Moodle puts bodies in it)."""
    clean = reason.replace("\r", " ").replace("\n", " ").encode("latin-1", "replace").decode("latin-1")
    return f"{status} {clean or REASONS.get(status, '')}"


def request_uri() -> str:
    """$_SERVER['REQUEST_URI']: path and query as the client sent them, mount path included."""
    raw = request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI")
    if raw:
        return raw
    query = request.query_string.decode("latin-1")
    return request.script_root + request.path + (f"?{query}" if query else "")


def error_response(status: int, reason: str = "") -> Response:
    reason = reason or REASONS.get(status, "")
    details: dict[str, str] = {"method": request.method, "url": request_uri()}
    if "Accept" in request.headers:
        details["accept"] = request.headers["Accept"]
    if "Content-Type" in request.headers:
        details["contentType"] = request.headers["Content-Type"].split(";", 1)[0]
    body = json.dumps({"status": status, "reason": reason, "request": details}, indent=4)
    return Response(body, status=status_line(status, reason), content_type="application/json; charset=utf-8")


def body_response(body: str, media_type: str, status: int = 200, reason: str = "") -> Response:
    return Response(body, status=status_line(status, reason or REASONS.get(status, "")),
                    content_type=f"{media_type}; charset=utf-8")


def no_handler_response() -> Response:
    return error_response(400, _no_handler_reason())


def _no_handler_reason() -> str:
    path = request.path.split(SERVICES_PREFIX, 1)[-1]
    is_get = request.method == "GET"
    accept = request.headers.get("Accept", "") if is_get else ""
    content_type = "" if is_get else request.headers.get("Content-Type", "")
    return f"No handler found for {path} {accept} {content_type}"


def negotiation_fails(formats: Iterable[str]) -> bool:
    """services.php's handler match for this request against one resource's formats."""
    formats = tuple(formats)
    if request.method == "GET":
        accept = request.headers.get("Accept", "")
        return bool(accept) and "*/*" not in accept and accept not in formats
    if request.method == "DELETE":
        return False
    return request.headers.get("Content-Type", "") not in formats


def bearer_token(state: PlatformState, type_id: str | None, any_of_scopes: Iterable[str]) -> AccessToken | None:
    """The request's access token if it is valid for the tool type and one of the scopes."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    token = state.valid_access_token(value.strip())
    if token is None:
        return None
    tool = state.tool(token.client_id)
    if tool is None or type_id is None or str(tool.type_id) != type_id:
        return None
    if not set(token.scopes) & set(any_of_scopes):
        return None
    return token
