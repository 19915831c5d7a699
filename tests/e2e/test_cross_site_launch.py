"""Launches as a real LMS on another site makes them, in Chromium.

The demo LMS and Kontor run on two sites (the browser keys cookies by site: host names differ,
ports do not count). Each test starts from a fresh browser context without cookies and ends when
the quiz's start page is shown:

- HTTP: Kontor on http://127.0.0.1, the LMS on http://localhost (development and demo);
- HTTPS: Kontor on https://kontor.test, the LMS on https://lms.test, both with a certificate of a
  certificate authority made for the test run (trustme), KONTOR_HTTPS=1 as in production;

in the LMS's iframe (as Moodle shows a tool) and as a window of its own (as Canvas can open one),
with third-party cookies allowed, blocked (Chromium's default for a fresh context; Kontor's
partitioned cookies still work then), and with Kontor's cookies refused in the LMS's frame
altogether (as Safari does): then the launch ends in a new window, through platform storage when
the LMS offers it.

Every journey runs twice: the demo LMS playing Moodle 4.5 (POST login, no platform storage) and
hosted Canvas (GET login with `lti_storage_target`, platform storage always offered). The Chromium
profiles with cookie preferences are started once per run and shared.
"""
from __future__ import annotations

import base64
import hashlib
import json
import socket
import ssl
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from lms_module.extensions import db
from lms_module.library.services import import_path
from support.accessibility import assert_accessible

from support.chromium import BROWSER_ARGS, CHROMIUM
from support.kontor_live import serve_two_sites

ALL_TYPES = Path(__file__).resolve().parents[1] / "unit" / "engine" / "fixtures" / "all_types.yaml"
QUIZ_START = "form[action$='/quiz/start']"
KONTOR_HOST, LMS_HOST = "kontor.test", "lms.test"
TIMEOUT_MS = 15000


def with_quiz(live):
    with live.app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()
    live.lms.set_custom_parameters(2, {"quiz": "all-types"})
    return live


def activity_url(live, user="4"):
    return f"{live.lms_url}/course/view/2?user={user}&locale=en"


def window_launch_url(live, user="4"):
    """The LMS's launch page on its own (Moodle's launch.php in a new window, Canvas's new tab)."""
    return f"{live.lms_url}/launch/2?user={user}&locale=en"


def quiz_in_frame(page):
    """The quiz start page inside the LMS's iframe; returns Kontor's frame."""
    page.frame_locator("iframe#contentframe").locator(QUIZ_START).wait_for(timeout=TIMEOUT_MS)
    return next(f for f in page.frames if "/l/" in f.url)


def recorder(page):
    seen: list[tuple[str, str, int]] = []
    page.on("response", lambda r: seen.append((r.request.method, r.url.split("?")[0], r.status)))
    return seen


def preferences_context(playwright, user_data_dir: Path, preferences: dict, args=()):
    """A fresh Chromium profile with these preferences (cookie settings have no command line flag)."""
    (user_data_dir / "Default").mkdir(parents=True)
    (user_data_dir / "Default" / "Preferences").write_text(json.dumps({"profile": preferences}))
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir), executable_path=CHROMIUM, args=[*BROWSER_ARGS, *args], locale="en-GB",
        viewport={"width": 1100, "height": 900})


ALLOW_THIRD_PARTY = {"cookie_controls_mode": 0, "block_third_party_cookies": False}
BLOCK_THIRD_PARTY = {"cookie_controls_mode": 1, "block_third_party_cookies": True}


@pytest.fixture(scope="session")
def profile_browser(playwright_driver, tmp_path_factory):
    """A Chromium profile per set of preferences, started once per run and shared by the tests (and
    the LMS profiles) that need it; each test gets it without cookies and closes its own pages."""
    started = {}

    def browser(name: str, preferences: dict, args=()):
        if name not in started:
            started[name] = preferences_context(playwright_driver, tmp_path_factory.mktemp(name), preferences, args)
        started[name].clear_cookies()
        return started[name]

    yield browser
    for context in started.values():
        context.close()


def close_pages(context):
    # The profile's first (blank) page stays open: closing a profile's last window ends its browser
    # session, and with it the session cookies of the next test's launches.
    for page in context.pages[1:]:
        page.close()


def refuse_kontor_cookies_in(live):
    """Kontor may keep no cookie while the LMS's page is the top-level site (Safari's behaviour)."""
    def pattern(url):
        scheme, rest = url.split("://", 1)
        return f"{scheme}://{rest.split(':')[0].split('/')[0]}:*"
    # Ports are wildcards: the refusal holds for every test's servers on these two hosts.
    return {**BLOCK_THIRD_PARTY, "content_settings": {"exceptions": {"cookies": {
        f"{pattern(live.url)},{pattern(live.lms_url)}": {"setting": 2}}}}}


def is_canvas(live) -> bool:
    return live.app.config["KONTOR_DEMO_LMS_PROFILE"] == "canvas"


def login_method(live) -> str:
    """Moodle posts the login initiation; Canvas sends it as a GET with `lti_storage_target`."""
    return "GET" if is_canvas(live) else "POST"


def lms_sign_in(live) -> str:
    """The LMS's OIDC auth endpoint the cookie check sends the browser to (Canvas's redirects on)."""
    return live.lms_url + ("/api/lti/authorize_redirect" if is_canvas(live) else "/auth")


def states_in_platform_storage(page, live) -> int:
    """How many login states Kontor has put into the LMS's platform storage (the emulator keeps
    them in its origin's localStorage, keyed by the tool's origin)."""
    return page.evaluate("prefix => Object.keys(localStorage).filter(k => k.startsWith(prefix)).length",
                         f"demo-lms.lti-storage|{live.url}|kontor-state-")


def launch_three_times(context, live):
    """First launch, second launch, a launch after the browser's cookies were cleared: each ends
    on the quiz in the LMS's iframe, the launch bound to the browser by Kontor's state cookie.
    On Canvas every login also puts its state into the LMS's platform storage first."""
    page = context.new_page()
    seen, all_seen = recorder(page), recorder(page)
    page.goto(activity_url(live))
    frame = quiz_in_frame(page)
    # The first launch went through the cookie check page (no cookie of Kontor in this browser yet;
    # on Canvas the platform storage page), whose form sends the browser to the LMS's sign-in: the
    # CSP must let it go there.
    assert (login_method(live), live.url + "/lti/login", 200) in seen, seen
    assert any(method == "GET" and url == lms_sign_in(live) for method, url, _ in seen), seen
    assert_accessible(frame, "quiz start page after a cross-site launch")
    seen.clear()
    page.goto(activity_url(live))
    quiz_in_frame(page)
    if is_canvas(live):
        # Canvas offers platform storage: every login puts the state there before the sign-in.
        assert (login_method(live), live.url + "/lti/login", 200) in seen, seen
    else:
        assert (login_method(live), live.url + "/lti/login", 302) in seen, seen  # the cookie was kept: straight on
    context.clear_cookies()
    page.goto(activity_url(live))
    quiz_in_frame(page)
    # The cookie carried every launch: platform storage was never needed to confirm one.
    assert not any(url.endswith("/lti/storage-confirm") for _, url, _ in all_seen), all_seen
    assert states_in_platform_storage(page, live) == (3 if is_canvas(live) else 0)
    page.close()


def end_in_the_quiz_with_cookies_refused(context, live):
    """Kontor's cookies refused inside the LMS's frame. Moodle (no platform storage): the cookie
    check offers a new window, whose launch (a cross-site form post from the LMS to Kontor) keeps
    its state cookie. Canvas: the state travels through the LMS's platform storage, the launch is
    confirmed, and the quiz opens in a window of its own with a one-time ticket."""
    page = context.new_page()
    seen = recorder(page)
    page.goto(activity_url(live))
    frame = page.frame_locator("iframe#contentframe")
    offer = frame.locator("a[href*='/lti/enter/']" if is_canvas(live) else "#kontor-cookies-blocked a")
    offer.wait_for(timeout=TIMEOUT_MS)
    if is_canvas(live):
        assert ("POST", live.url + "/lti/storage-confirm", 302) in seen, seen
    with context.expect_page() as opened:
        offer.click()
    window = opened.value
    window.locator(QUIZ_START).wait_for(timeout=TIMEOUT_MS)
    assert window.url.startswith(live.url + "/l/")


@pytest.fixture(params=["moodle", "canvas"])
def lms_profile(request):
    """The demo LMS plays Moodle 4.5 (no platform storage, POST login) or hosted Canvas (GET login
    with `lti_storage_target`, platform storage always offered)."""
    return request.param


# --- HTTP: http://127.0.0.1 (Kontor) and http://localhost (LMS) ------------------------------------

@pytest.fixture
def http_sites(database_url, tmp_path, lms_profile):
    live, stop = serve_two_sites(database_url, tmp_path, KONTOR_DEMO_LMS_PROFILE=lms_profile)
    yield with_quiz(live)
    stop()


def test_http_iframe_first_second_and_after_clearing_cookies(chromium, http_sites):
    context = chromium.new_context(locale="en-GB")  # fresh, third-party cookies blocked (default)
    try:
        launch_three_times(context, http_sites)
    finally:
        context.close()


def test_http_new_window_launch(chromium, http_sites):
    context = chromium.new_context(locale="en-GB")
    try:
        page = context.new_page()
        page.goto(window_launch_url(http_sites))
        page.locator(QUIZ_START).wait_for(timeout=TIMEOUT_MS)
        assert page.url.startswith(http_sites.url + "/l/")
    finally:
        context.close()


def test_http_cookies_refused_in_the_frame_end_in_the_quiz_in_a_new_window(profile_browser, http_sites):
    context = profile_browser("refuse-http", refuse_kontor_cookies_in(http_sites))
    try:
        end_in_the_quiz_with_cookies_refused(context, http_sites)
    finally:
        close_pages(context)


@pytest.mark.parametrize("lms_profile", ["canvas"])
def test_http_state_reaches_a_storage_frame_that_loads_late(chromium, http_sites):
    """The LMS loads its storage frame beside Kontor's: when it is still loading as Kontor's login
    puts the state, that message reaches a blank frame and is lost. Kontor asks again until the
    frame answers (the first message here is always lost: the frame is held back for 4 s, longer
    than Kontor's login page takes to ask, and longer than the 3 s Kontor once waited)."""
    context = chromium.new_context(locale="en-GB")
    try:
        def storage_frame_late(route):
            time.sleep(4)
            route.continue_()
        context.route(f"{http_sites.lms_url}/platform-storage", storage_frame_late)
        page = context.new_page()
        page.goto(activity_url(http_sites))
        quiz_in_frame(page)
        assert states_in_platform_storage(page, http_sites) == 1
    finally:
        context.close()


# --- HTTPS: https://kontor.test (Kontor) and https://lms.test (LMS), as in production --------------

@dataclass
class Tls:
    ca_pem: Path
    server_context: ssl.SSLContext
    spki_sha256: str  # base64 SHA-256 of the certificate's public key, for Chromium


@pytest.fixture(scope="session")
def tls(tmp_path_factory):
    ca = trustme.CA()
    cert = ca.issue_cert(KONTOR_HOST, LMS_HOST)
    folder = tmp_path_factory.mktemp("tls")
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    leaf = x509.load_pem_x509_certificate(cert.cert_chain_pems[0].bytes())
    spki = leaf.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return Tls(folder / "ca.pem", context, base64.b64encode(hashlib.sha256(spki).digest()).decode())


@pytest.fixture
def resolve_test_hosts(monkeypatch, tls):
    """Kontor and the LMS call each other by these names (JWKS, keys): map them to 127.0.0.1 in this
    process, as Chromium's --host-resolver-rules does in the browser, and trust the test CA."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        return real("127.0.0.1" if host in (KONTOR_HOST, LMS_HOST) else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.ca_pem))


def https_browser_args(tls):
    # The certificate is trusted by its key (no system store needed); any other certificate is not.
    return [f"--host-resolver-rules=MAP {KONTOR_HOST} 127.0.0.1, MAP {LMS_HOST} 127.0.0.1",
            f"--ignore-certificate-errors-spki-list={tls.spki_sha256}"]


@pytest.fixture(scope="session")
def https_chromium(playwright_driver, tls):
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=[*BROWSER_ARGS, *https_browser_args(tls)])
    yield browser
    browser.close()


@pytest.fixture
def https_sites(database_url, tmp_path, tls, resolve_test_hosts, lms_profile):
    live, stop = serve_two_sites(database_url, tmp_path, kontor_host=KONTOR_HOST, lms_host=LMS_HOST,
                                 ssl_context=tls.server_context, KONTOR_HTTPS=True,
                                 KONTOR_DEMO_LMS_PROFILE=lms_profile)
    yield with_quiz(live)
    stop()


def test_https_iframe_with_third_party_cookies_allowed(profile_browser, tls, https_sites):
    context = profile_browser("allow-third-party", ALLOW_THIRD_PARTY, https_browser_args(tls))
    try:
        launch_three_times(context, https_sites)
        kontor_cookies = [c for c in context.cookies() if c["domain"] == KONTOR_HOST]
        assert kontor_cookies and all(c["secure"] and c["sameSite"] == "None" for c in kontor_cookies)
    finally:
        close_pages(context)


def test_https_iframe_with_third_party_cookies_blocked(https_chromium, https_sites):
    """Chromium blocks third-party cookies in a fresh context: Kontor's Partitioned cookies are kept
    per LMS site and carry the launch."""
    context = https_chromium.new_context(locale="en-GB")
    try:
        launch_three_times(context, https_sites)
        kontor_cookies = [c for c in context.cookies() if c["domain"] == KONTOR_HOST]
        assert kontor_cookies and all(c.get("partitionKey") for c in kontor_cookies), kontor_cookies
    finally:
        context.close()


def test_https_new_window_launch(https_chromium, https_sites):
    context = https_chromium.new_context(locale="en-GB")
    try:
        page = context.new_page()
        page.goto(window_launch_url(https_sites))
        page.locator(QUIZ_START).wait_for(timeout=TIMEOUT_MS)
        assert page.url.startswith(https_sites.url + "/l/")
    finally:
        context.close()


def test_https_cookies_refused_in_the_frame_end_in_the_quiz_in_a_new_window(profile_browser, tls, https_sites):
    context = profile_browser("refuse-https", refuse_kontor_cookies_in(https_sites), https_browser_args(tls))
    try:
        end_in_the_quiz_with_cookies_refused(context, https_sites)
    finally:
        close_pages(context)
