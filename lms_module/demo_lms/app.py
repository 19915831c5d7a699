"""The demo LMS application factory."""

from __future__ import annotations

import json
import socket
import time

from flask import Flask, Response, request

from . import php_json
from .faults import DROP_CONNECTION
from .keys import PlatformKey
from .model import ReceivedScore
from .runtime import STATE_KEY, TOOL_KEYS_KEY, URLS_KEY, platform_state
from .settings import DemoLmsSettings
from .state import PlatformState
from .tool_jwt import ToolKeyCache
from .urls import PlatformUrls
from .views import ags, canvas, deep_linking, nrps, oidc, pages, registration, token

# Which fault-injection kind a request to an endpoint counts as.
FAULT_KIND_BY_ENDPOINT = {
    "token.token": "token",
    "token.certs": "certs",
    "ags.scores": "scores",
    "ags.lineitems": "lineitems",
    "ags.lineitem": "lineitem",
    "ags.results": "results",
    "nrps.memberships": "nrps",
    "oidc.auth": "auth",
    "registration.register": "registration",
    "deep_linking.deep_link_return": "deeplink_return",
    # The Canvas profile's endpoints count as the same kinds, so fault tests run on both profiles.
    "canvas.token": "token",
    "canvas.jwks": "certs",
    "canvas.scores": "scores",
    "canvas.line_items": "lineitems",
    "canvas.line_item": "lineitem",
    "canvas.results": "results",
    "canvas.names_and_roles": "nrps",
    "canvas.authorize": "auth",
    "canvas.deep_linking_response": "deeplink_return",
}
# The course page stays up when the emulator is "down", so a demo can switch it back on.
ALWAYS_UP = {"pages.index"}


def create_demo_lms(settings: DemoLmsSettings) -> Flask:
    """A self-contained Flask app that plays Moodle 4.5 (or Canvas) for one course and one tool.

    It talks to the tool only over HTTP. Mount it anywhere (e.g. under /demo-lms with
    DispatcherMiddleware); `settings.base_url` must be its public URL including that prefix.
    The Canvas profile adds Canvas's endpoints (views/canvas.py) and hands out their URLs.
    """
    app = Flask(__name__, template_folder="templates", static_folder=None)
    state = PlatformState(settings, PlatformKey.load_or_generate(settings.key_pem_path))
    app.extensions[STATE_KEY] = state
    for blueprint in (pages.bp, oidc.bp, token.bp, ags.bp, nrps.bp, deep_linking.bp, registration.bp):
        app.register_blueprint(blueprint)
    if settings.is_canvas:
        app.register_blueprint(canvas.bp)
    app.extensions[URLS_KEY] = PlatformUrls(app.url_map, settings.base_url, settings.issuer, settings.is_canvas)
    app.extensions[TOOL_KEYS_KEY] = ToolKeyCache(settings.http_timeout)
    app.before_request(_apply_faults)
    app.after_request(_record_score_posts)
    return app


def _apply_faults() -> Response | None:
    endpoint = request.endpoint
    if endpoint is None or endpoint in ALWAYS_UP:
        return None
    state = platform_state()
    with state.lock:
        decision = state.faults.decide(FAULT_KIND_BY_ENDPOINT.get(endpoint))
    if decision.delay_seconds:
        time.sleep(decision.delay_seconds)  # outside the lock: other requests go on meanwhile
    if decision.status is None:
        return None
    state.log_line(f"fault injected: {endpoint} answered {decision.status or 'nothing (connection dropped)'}")
    if decision.status == DROP_CONNECTION:
        return _drop_connection()
    body = decision.body
    if body is None:
        body = "Service Unavailable" if decision.status == 503 else ""
    if isinstance(body, (dict, list)):
        response = Response(php_json.encode(body), status=decision.status, content_type="application/json")
    else:
        response = Response(str(body), status=decision.status, content_type="text/plain; charset=utf-8")
    if decision.retry_after is not None:
        response.headers["Retry-After"] = str(decision.retry_after)
    return response


def _drop_connection() -> Response:
    """Close the client's socket so it sees a reset, not an HTTP answer.

    Werkzeug's development server exposes the socket; the write of the (empty) 503 that follows
    then fails and the server treats the connection as dropped. Other servers get the 503.
    """
    connection = request.environ.get("werkzeug.socket")
    if connection is not None:
        try:
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    return Response("", status=503)


def _record_score_posts(response: Response) -> Response:
    if request.endpoint in ("ags.scores", "canvas.scores") and request.method == "POST":
        raw = request.get_data(as_text=True)
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        state = platform_state()
        state.record_score(
            ReceivedScore(state.now(), request.url, raw, parsed, dict(request.headers), response.status_code)
        )
    return response
