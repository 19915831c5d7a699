"""A real HTTP server for a WSGI app, on 127.0.0.1 and a free port, in a background thread.

    with live_server(app) as base_url:
        requests.get(base_url + "/")

When the app needs its own URL at construction (the demo LMS's issuer does), pass a factory:

    with live_server(factory=lambda base_url: build_app(base_url)) as base_url: ...
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

WSGIApp = Callable[..., Any]


class _LateBoundApp:
    """Lets the server bind its port before the real app (which needs the URL) exists."""

    def __init__(self) -> None:
        self.app: WSGIApp | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"app not set yet"]
        return self.app(environ, start_response)


class LiveServer:
    """Listens on 127.0.0.1. `host` is the name the URL uses (another name than the other server's
    makes it another site for the browser: localhost, or a name the browser maps to 127.0.0.1);
    with an `ssl_context` it serves HTTPS."""

    def __init__(self, host: str = "127.0.0.1", ssl_context=None) -> None:
        self._app = _LateBoundApp()
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, self._app, threaded=True)
        scheme = "http"
        if ssl_context is not None:
            # The TLS handshake runs in the request's thread (not in accept): a browser's idle
            # preconnected socket must not stall the server.
            self._server.socket = ssl_context.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False)
            self._server.ssl_context = ssl_context
            scheme = "https"
        self.base_url = f"{scheme}://{host}:{self._server.server_port}"
        # A short poll interval makes stop() quick (shutdown waits for the next poll).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="live-server", daemon=True
        )

    def serve(self, app: WSGIApp) -> None:
        self._app.app = app

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def live_server(app: WSGIApp | None = None, *, factory: Callable[[str], WSGIApp] | None = None) -> Iterator[str]:
    """Serve `app` (or `factory(base_url)`) until the block ends; yields the base URL."""
    if (app is None) == (factory is None):
        raise TypeError("pass exactly one of app and factory")
    server = LiveServer()
    server.serve(app if app is not None else factory(server.base_url))  # type: ignore[misc]
    server.start()
    try:
        yield server.base_url
    finally:
        server.stop()


@contextmanager
def serving_on(app: WSGIApp, host: str = "127.0.0.1", port: int = 0) -> Iterator[int]:
    """Serve `app` on `host` (another loopback address stands for another machine: an internal
    service, an attacker's LMS) and `port` (0: a free one) until the block ends; yields the port."""
    server = make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
