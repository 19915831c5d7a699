"""Dynamic registration under attack (issue 9): a registration never changes an existing platform,
the configuration must come from the issuer's own origin, an invite is needed, and Kontor calls no
internal address for a stranger. Each test performs the attack against the running code."""
from __future__ import annotations

import re
import socket
import threading
import time
from urllib.parse import quote

import pytest
import requests
from flask import Flask, jsonify, request
from sqlalchemy import select

from lms_module.extensions import db
from lms_module.lti.models import Platform, RegistrationInvite
from support.apps import make_app
from support.live_server import serving_on

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
REAL_ISSUER = "http://127.0.0.1:5301"
REAL_CLIENT = "real-client-id"


class AttackerLms:
    """A platform of the attacker's: its configuration claims whatever issuer it likes, its
    registration endpoint answers with whatever client id it likes, all URLs point to itself."""

    def __init__(self, claimed_issuer, client_id: str) -> None:
        self.claimed_issuer = claimed_issuer
        self.client_id = client_id
        self.requests: list[str] = []

    def app(self) -> Flask:
        app = Flask("attacker")

        @app.get("/.well-known/openid-configuration")
        def configuration():
            self.requests.append("configuration")
            base = request.host_url.rstrip("/")
            issuer = self.claimed_issuer(base) if callable(self.claimed_issuer) else self.claimed_issuer
            return jsonify({
                "issuer": issuer,
                "authorization_endpoint": base + "/auth",
                "token_endpoint": base + "/token",
                "jwks_uri": base + "/certs",
                "registration_endpoint": base + "/register",
                PLATFORM_CONFIGURATION: {"product_family_code": "evil"},
            })

        @app.post("/register")
        def register():
            self.requests.append("register")
            return jsonify({"client_id": self.client_id, TOOL_CONFIGURATION: {"deployment_id": "1"}})

        return app


def add_real_platform(app, issuer=REAL_ISSUER, client_id=REAL_CLIENT):
    with app.app_context():
        db.session.add(Platform(issuer=issuer, client_id=client_id, name="School Moodle",
                                auth_login_url=issuer + "/mod/lti/auth.php",
                                auth_token_url=issuer + "/mod/lti/token.php",
                                key_set_url=issuer + "/mod/lti/certs.php"))
        db.session.commit()


def platform_urls(app, issuer=REAL_ISSUER, client_id=REAL_CLIENT):
    with app.app_context():
        platform = db.session.scalars(
            select(Platform).where(Platform.issuer == issuer, Platform.client_id == client_id)).one()
        return platform.auth_login_url, platform.key_set_url, platform.name


def register(client, configuration_url, **params):
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
    url = "/lti/register?openid_configuration=" + quote(configuration_url, safe="") + ("&" + query if query else "")
    return client.get(url, headers={"Accept-Language": "en"})


def platform_count(app):
    with app.app_context():
        return len(db.session.scalars(select(Platform)).all())


# 1 + 2: the attack of the finding, and the origin tricks


def test_userinfo_takeover_of_an_existing_platform_is_refused(app, client):
    """GET /lti/register?openid_configuration=http://127.0.0.1:5301@127.0.0.1:<attacker>/... moved the
    real platform's login and key URLs to the attacker (then the attacker's tokens launched)."""
    add_real_platform(app)
    before = platform_urls(app)
    attacker = AttackerLms(REAL_ISSUER, REAL_CLIENT)
    with serving_on(attacker.app()) as port:
        response = register(client, f"{REAL_ISSUER}@127.0.0.1:{port}/.well-known/openid-configuration")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "bad_openid_configuration_url" in page and "without user name or password" in page
    assert platform_urls(app) == before
    assert attacker.requests == []  # refused before anything was fetched


@pytest.mark.parametrize("claimed, host", [
    ("http://127.0.0.1", "127.0.0.12"),  # a host that extends the issuer's (canvas.instructure.com.evil.example)
    ("http://127.0.0.1", "127.0.0.1"),   # the issuer's host on another port
])
def test_configuration_from_another_origin_cannot_take_over(app, client, claimed, host):
    add_real_platform(app, issuer=claimed)
    before = platform_urls(app, issuer=claimed)
    attacker = AttackerLms(claimed, REAL_CLIENT)
    with serving_on(attacker.app(), host=host) as port:
        response = register(client, f"http://{host}:{port}/.well-known/openid-configuration")
    assert response.status_code == 400
    assert "issuer_mismatch" in response.get_data(as_text=True)
    assert platform_urls(app, issuer=claimed) == before


def test_a_registration_never_changes_an_existing_platform(app, client):
    """Even when the configuration comes from the issuer's own origin (a rogue admin of that LMS, or a
    taken-over LMS page), a registration that names a known issuer + client id changes nothing."""
    attacker = AttackerLms(lambda base: base, REAL_CLIENT)
    with serving_on(attacker.app()) as port:
        issuer = f"http://127.0.0.1:{port}"
        add_real_platform(app, issuer=issuer)
        with app.app_context():
            platform = db.session.scalars(select(Platform).where(Platform.issuer == issuer)).one()
            platform.auth_login_url, platform.key_set_url = "https://real.example/auth", "https://real.example/certs"
            db.session.commit()
        response = register(client, f"{issuer}/.well-known/openid-configuration")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "already registered with Kontor" in page and "platform_exists" in page
    assert platform_urls(app, issuer=issuer) == ("https://real.example/auth", "https://real.example/certs", "School Moodle")
    assert platform_count(app) == 1


def test_refusal_is_in_german_for_german_readers(app, client):
    add_real_platform(app)
    attacker = AttackerLms(lambda base: base, REAL_CLIENT)
    with serving_on(attacker.app()) as port:
        add_real_platform(app, issuer=f"http://127.0.0.1:{port}")
        response = client.get("/lti/register?openid_configuration="
                              + quote(f"http://127.0.0.1:{port}/.well-known/openid-configuration", safe=""),
                              headers={"Accept-Language": "de"})
    assert response.status_code == 409
    assert "bereits bei Kontor registriert" in response.get_data(as_text=True)


# 3: invites


@pytest.fixture
def closed_live(database_url, tmp_path):
    """Kontor with the demo LMS on a real port, registration by invite only (the production default)."""
    from support.kontor_live import serve_one_site

    kontor, stop = serve_one_site(database_url, tmp_path, KONTOR_OPEN_REGISTRATION=False)
    yield kontor
    stop()


def invite_url(live, *args) -> str:
    result = live.app.test_cli_runner().invoke(args=["platform", "invite", "--base-url", live.url, *args])
    assert result.exit_code == 0, result.output
    return re.search(r"http\S+/lti/register\?invite=\S+", result.output).group(0)


def test_without_an_invite_registration_is_refused_and_nothing_is_fetched(closed_live):
    attacker = AttackerLms(lambda base: base, "new-client")
    with serving_on(attacker.app()) as port:
        response = register(closed_live.app.test_client(), f"http://127.0.0.1:{port}/.well-known/openid-configuration")
        wrong = register(closed_live.app.test_client(), f"http://127.0.0.1:{port}/.well-known/openid-configuration",
                         invite="not-an-invite")
    assert response.status_code == 403 and "invitation from its administrator" in response.get_data(as_text=True)
    assert wrong.status_code == 403 and "invite_invalid" in wrong.get_data(as_text=True)
    assert attacker.requests == []
    assert platform_count(closed_live.app) == 1  # the demo LMS only


def test_an_invite_registers_one_lms_and_names_it(closed_live):
    url = invite_url(closed_live, "--name", "Moodle of the school", "--expires", "2h")
    with closed_live.app.app_context():
        (invite,) = db.session.scalars(select(RegistrationInvite)).all()
        assert url.split("invite=")[1] not in (invite.token_hash, "")  # only a hash is stored
        assert len(invite.token_hash) == 64
    # The LMS appends its own parameters to the pasted tool URL, as Moodle does.
    with closed_live.browser() as browser:
        browser.session.headers["Accept-Language"] = "en"
        page = browser.get(f"{closed_live.lms_url}/registration/start?url={quote(url, safe='')}")
    assert page.status_code == 200 and "Kontor is registered" in page.text
    with closed_live.app.app_context():
        names = [p.name for p in db.session.scalars(select(Platform).order_by(Platform.id))]
        assert names[-1] == "Moodle of the school" and len(names) == 2
        assert db.session.scalars(select(RegistrationInvite)).one().used_at is not None
    listing = closed_live.app.test_cli_runner().invoke(args=["platform", "invites"])
    assert "No open invites." in listing.output
    # Used up: the same URL registers nothing more.
    with closed_live.browser() as browser:
        again = browser.get(f"{closed_live.lms_url}/registration/start?url={quote(url, safe='')}")
    assert again.status_code == 403
    assert platform_count(closed_live.app) == 2


def test_a_failed_registration_leaves_the_invite_usable(closed_live):
    url = invite_url(closed_live)
    token = url.split("invite=")[1]
    response = register(closed_live.app.test_client(), "http://127.0.0.1:9/nothing", invite=token)
    assert response.status_code == 400
    listing = closed_live.app.test_cli_runner().invoke(args=["platform", "invites"])
    assert "name=-" in listing.output
    with closed_live.browser() as browser:
        page = browser.get(f"{closed_live.lms_url}/registration/start?url={quote(url, safe='')}")
    assert page.status_code == 200
    assert platform_count(closed_live.app) == 2


def test_expired_and_revoked_invites_are_refused(closed_live):
    import time_machine

    url = invite_url(closed_live, "--expires", "30m")
    with time_machine.travel(time.time() + 31 * 60):
        with closed_live.browser() as browser:
            late = browser.get(f"{closed_live.lms_url}/registration/start?url={quote(url, safe='')}")
    assert late.status_code == 403
    second = invite_url(closed_live)
    with closed_live.app.app_context():
        invite_id = db.session.scalars(select(RegistrationInvite.id).order_by(RegistrationInvite.id.desc())).first()
    assert closed_live.app.test_cli_runner().invoke(args=["platform", "revoke-invite", str(invite_id)]).exit_code == 0
    with closed_live.browser() as browser:
        revoked = browser.get(f"{closed_live.lms_url}/registration/start?url={quote(second, safe='')}")
    assert revoked.status_code == 403
    assert platform_count(closed_live.app) == 1


def test_invite_needs_the_external_address(app, runner):
    result = runner.invoke(args=["platform", "invite"])
    assert result.exit_code != 0 and "KONTOR_BASE_URL" in result.output
    assert runner.invoke(args=["platform", "invite", "--base-url", "https://k.example", "--expires", "90d"]).exit_code != 0
    configured = make_app(app.config["DATABASE_URL"], app.instance_path, KONTOR_BASE_URL="https://kontor.example.edu/")
    result = configured.test_cli_runner().invoke(args=["platform", "invite"])
    assert result.exit_code == 0
    assert re.search(r"^https://kontor\.example\.edu/lti/register\?invite=[\w-]{40,}$", result.stdout.strip())


# 4: no calls into internal networks


class ConnectionRecorder:
    """A listening socket that counts the connections it receives."""

    def __init__(self, family=socket.AF_INET, host="127.0.0.1") -> None:
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(8)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def recorder():
    recorder = ConnectionRecorder()
    yield recorder
    recorder.close()


def _ipv6_recorder():
    try:
        return ConnectionRecorder(socket.AF_INET6, "::1")
    except OSError:
        return None


def test_internal_addresses_are_not_called(database_url, tmp_path, recorder):
    app = make_app(database_url, tmp_path, KONTOR_ALLOW_PRIVATE_LMS=False)
    client = app.test_client()
    recorder6 = _ipv6_recorder()
    targets = [f"http://127.0.0.1:{recorder.port}/.well-known/openid-configuration",
               f"http://localhost:{recorder.port}/.well-known/openid-configuration",
               "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/.well-known/openid-configuration",
               "https://[::ffff:127.0.0.1]:%d/x" % recorder.port]
    if recorder6 is not None:
        targets.append(f"http://[::1]:{recorder6.port}/.well-known/openid-configuration")
    try:
        for target in targets:
            started = time.monotonic()
            response = register(client, target)
            assert response.status_code == 400, target
            page = response.get_data(as_text=True)
            assert "private_address" in page and "private or local network" in page, target
            assert time.monotonic() - started < 6, target  # refused, not timed out (the timeout is 10 s)
        time.sleep(0.2)
        assert recorder.connections == 0
        assert recorder6 is None or recorder6.connections == 0
    finally:
        if recorder6 is not None:
            recorder6.close()
    assert platform_count(app) == 0


def test_the_lab_setting_allows_the_demo_lms_on_loopback(live):
    """KONTOR_ALLOW_PRIVATE_LMS (on in the test and demo profiles) lets the demo LMS register."""
    with live.browser() as browser:
        page = browser.get(live.lms_url + "/registration/start")
    assert page.status_code == 200


def test_registration_refuses_non_http_urls(client):
    for url in ("file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", "http://user:pw@lms.example/x"):
        response = register(client, url)
        assert response.status_code == 400
        assert "bad_openid_configuration_url" in response.get_data(as_text=True)


def test_registration_endpoint_is_checked_too(database_url, tmp_path, recorder):
    """The guarded session checks every connection, so a public configuration that names an internal
    registration endpoint is refused as well (shown here on the session: no public LMS in a test)."""
    from lms_module.lti.address_guard import BlockedAddress, outbound_session

    session = outbound_session(timeout=2, allow_private=False)
    with pytest.raises(BlockedAddress):
        session.post(f"http://localhost:{recorder.port}/register", json={})
    time.sleep(0.1)
    assert recorder.connections == 0


def test_the_guarded_session_connects_to_the_checked_address(monkeypatch):
    """With the classifier satisfied, the adapter connects (to the address it checked) and does not
    follow redirects."""
    from lms_module.lti import address_guard

    monkeypatch.setattr(address_guard, "is_forbidden_address", lambda address: False)
    redirecting = Flask("redirecting")
    redirecting.add_url_rule("/x", "x", lambda: ("", 302, {"Location": "http://169.254.169.254/"}))
    redirecting.add_url_rule("/ok", "ok", lambda: "fine")
    with serving_on(redirecting) as port:
        session = address_guard.outbound_session(timeout=2, allow_private=False)
        assert session.get(f"http://localhost:{port}/ok").text == "fine"
        with pytest.raises(requests.TooManyRedirects):  # LmsSession: max_redirects = 0
            session.get(f"http://localhost:{port}/x")


@pytest.mark.parametrize("internal", ["jwks_uri", "token_endpoint"])
def test_a_registration_cannot_make_kontor_call_an_internal_address_later(database_url, tmp_path, monkeypatch,
                                                                           recorder, internal):
    """The configuration and registration endpoints are public, but the key set URL (fetched at every
    launch anyone starts) or the token endpoint (called by the grade worker) lies in the internal
    network: stored, they made Kontor call it later, for whoever registered. 127.0.0.2 stands for
    the internal network here (127.0.0.1 for the internet, where the LMS is)."""
    from lms_module.lti import address_guard

    monkeypatch.setattr(address_guard, "is_forbidden_address", lambda address: address == "127.0.0.2")
    app = make_app(database_url, tmp_path, KONTOR_ALLOW_PRIVATE_LMS=False)
    lms = Flask("lms")

    @lms.get("/.well-known/openid-configuration")
    def configuration():
        base = request.host_url.rstrip("/")
        urls = {"authorization_endpoint": base + "/auth", "token_endpoint": base + "/token",
                "jwks_uri": base + "/certs", internal: f"http://127.0.0.2:{recorder.port}/latest/meta-data/"}
        return jsonify({"issuer": base, "registration_endpoint": base + "/register", **urls,
                        PLATFORM_CONFIGURATION: {"product_family_code": "moodle"}})

    lms.add_url_rule("/register", "register", methods=["POST"],
                     view_func=lambda: jsonify({"client_id": "c1", TOOL_CONFIGURATION: {"deployment_id": "1"}}))
    with serving_on(lms) as port:
        for language, words in (("en", "private or local network"), ("de", "privaten oder lokalen Netz")):
            response = app.test_client().get(
                "/lti/register?openid_configuration=" + quote(f"http://127.0.0.1:{port}/.well-known/openid-configuration",
                                                              safe=""), headers={"Accept-Language": language})
            page = response.get_data(as_text=True)
            assert response.status_code == 400, page[-300:]
            assert "private_address" in page and words in page
    assert platform_count(app) == 0
    assert recorder.connections == 0
