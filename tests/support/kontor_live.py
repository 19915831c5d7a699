"""Kontor and its demo LMS on a real HTTP server, as the LMS and a browser see them."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import requests

from lms_module.demo import DEMO_MOUNT, register_demo_platform
from lms_module.demo_lms.testing import PlatformTestKit
from lms_module.extensions import db
from lms_module.lti import keys
from support.form_browser import FormBrowser, parse_page


@dataclass
class LiveKontor:
    app: object
    url: str

    @property
    def lms_url(self) -> str:
        return self.url + DEMO_MOUNT

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


def start_live(app_factory, server):
    app = app_factory(server.base_url)
    with app.app_context():
        keys.ensure_tool_key()
        register_demo_platform(app)
        db.session.commit()
    server.serve(app)
    server.start()
    return LiveKontor(app=app, url=server.base_url)
