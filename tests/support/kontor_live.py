"""Kontor and its demo LMS on a real HTTP server, as the LMS and a browser see them."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import requests

from lms_module.demo import DEMO_MOUNT, register_demo_platform
from support.platform_kit import PlatformTestKit
from lms_module.extensions import db
from lms_module.lti import keys
from support.form_browser import FormBrowser, parse_page


@dataclass
class LiveKontor:
    app: object
    url: str

    @property
    def lms_url(self) -> str:
        """The demo LMS: on its own origin (KONTOR_DEMO_LMS_URL) or mounted under Kontor's."""
        return self.app.config.get("KONTOR_DEMO_LMS_URL") or self.url + DEMO_MOUNT

    @property
    def emulator(self):
        return self.app.extensions["kontor_demo_lms"]

    @property
    def lms(self):
        """The emulator's state: grades, counters, fault injection."""
        return self.emulator.extensions["demo_lms"]

    @property
    def kit(self) -> PlatformTestKit:
        return PlatformTestKit(self.emulator)

    def browser(self) -> FormBrowser:
        return FormBrowser()

    def launch(self, browser: FormBrowser, *, user: str = "4", activity: int = 2, locale: str | None = None) -> requests.Response:
        """Click the launch button of the demo LMS: the whole OIDC flow, ending on a Kontor page."""
        query = {"user": user, **({"locale": locale} if locale else {})}
        view = browser.get(f"{self.lms_url}/course/view/{activity}?{urlencode(query)}")
        return browser.open_iframe(view)

    def start_login(self, browser: FormBrowser, *, user: str = "4", activity: int = 2) -> requests.Response:
        """Up to Kontor's answer to the login initiation (before the LMS's auth endpoint)."""
        view = browser.get(f"{self.lms_url}/course/view/{activity}?user={user}")
        frame = browser.get(parse_page(view).iframes[0]["src"])
        return browser.submit(frame)  # posts ltiInitiateLoginForm to /lti/login


def start_live(app_factory, server, lms_server=None):
    """Serve Kontor on `server`; with `lms_server`, the demo LMS on that server's own origin
    (the app factory then gets its URL too and must set KONTOR_DEMO_LMS_URL to it)."""
    app = app_factory(server.base_url) if lms_server is None else app_factory(server.base_url, lms_server.base_url)
    with app.app_context():
        keys.ensure_tool_key()
        register_demo_platform(app)
        db.session.commit()
    server.serve(app)
    server.start()
    if lms_server is not None:
        lms_server.serve(app.extensions["kontor_demo_lms"])
        lms_server.start()
    return LiveKontor(app=app, url=server.base_url)


def serve_one_site(database_url, tmp_path, **overrides):
    """Kontor with the demo LMS mounted under its own origin on a real port (http://127.0.0.1:P),
    the app made with `overrides`. Returns (LiveKontor, stop); stop empties the tables."""
    from support.apps import empty_all_tables, make_app
    from support.live_server import LiveServer

    server = LiveServer()
    kontor = start_live(lambda base_url: make_app(database_url, tmp_path, KONTOR_DEMO_LMS=True,
                                                  KONTOR_DEMO_BASE_URL=base_url, **overrides), server)

    def stop():
        server.stop()
        empty_all_tables(kontor.app)

    return kontor, stop


def serve_two_sites(database_url, tmp_path, *, kontor_host="127.0.0.1", lms_host="localhost", ssl_context=None,
                    **overrides):
    """Kontor and the demo LMS on two origins of two different sites, as in a deployment: by default
    Kontor on http://127.0.0.1:P and the LMS on http://localhost:Q (host names, not ports, make
    sites). Returns (LiveKontor, stop)."""
    from support.apps import empty_all_tables, make_app
    from support.live_server import LiveServer

    kontor_server = LiveServer(kontor_host, ssl_context)
    lms_server = LiveServer(lms_host, ssl_context)
    kontor = start_live(
        lambda base_url, lms_url: make_app(
            database_url, tmp_path, KONTOR_DEMO_LMS=True, KONTOR_DEMO_BASE_URL=base_url, KONTOR_DEMO_LMS_URL=lms_url,
            KONTOR_LOCALHOST_SECURE_COOKIES=True, **overrides),
        kontor_server, lms_server,
    )

    def stop():
        lms_server.stop()
        kontor_server.stop()
        empty_all_tables(kontor.app)

    return kontor, stop
