"""Odd input at the endpoints anyone can reach without a launch: a malformed request is refused with
the error page (400, in the reader's language), never answered with a 500 or a silent 200."""
from __future__ import annotations

import pytest

from lms_module.extensions import db
from lms_module.lti.registration import save_platform

ISSUER = "https://lms.example"
LAUNCH_URL = "http://localhost/lti/launch"


@pytest.fixture
def platform(app):
    with app.app_context():
        save_platform(issuer=ISSUER, client_id="c1", deployment_id="1", auth_login_url=ISSUER + "/auth",
                      auth_token_url=ISSUER + "/token", key_set_url=ISSUER + "/certs")
        db.session.commit()


def _refused(response, language="en"):
    page = response.get_data(as_text=True)
    assert response.status_code == 400, (response.status_code, page[:300])
    assert "Error code" in page if language == "en" else "Fehlercode" in page
    assert "Traceback" not in page


@pytest.mark.parametrize("target", ["http://[::1", "http://[localhost]/lti/launch", "http://[::1]x/lti/launch"])
def test_a_target_link_uri_that_is_no_url_is_refused(client, platform, target):
    """urlsplit raises ValueError on a broken IPv6 host: the login answered 500."""
    for language in ("en", "de"):
        response = client.get("/lti/login", query_string={"iss": ISSUER, "client_id": "c1", "login_hint": "4",
                                                           "target_link_uri": target},
                              headers={"Accept-Language": language})
        _refused(response, language)
        assert "foreign_target_link_uri" in response.get_data(as_text=True)


NUL_REQUESTS = [
    ("GET", "/", {"query_string": {"from": "lms\x00"}}),
    ("GET", "/lti/login", {"query_string": {"iss": ISSUER + "\x00", "login_hint": "4", "target_link_uri": LAUNCH_URL}}),
    ("POST", "/lti/login", {"data": {"iss": ISSUER, "client_id": "c1", "login_hint": "4",
                                     "target_link_uri": LAUNCH_URL, "lti_storage_target": "\x00frame"}}),
    ("POST", "/lti/launch", {"data": {"id_token": "a.b.c", "state": "state-\x00"}}),
    ("POST", "/lti/storage-confirm", {"data": {"handoff": "\x00", "state_value": "x"}}),
    ("GET", "/lti/check/%00", {}),
    ("GET", "/lti/jwks?x=1&x=%00", {}),
    ("GET", "/lti/enter/x%00", {}),
    ("GET", "/lti/register", {"query_string": {"invite": "\x00", "openid_configuration": "https://lms.example/x"}}),
]


@pytest.mark.parametrize("method, path, request_args", NUL_REQUESTS, ids=[f"{m} {p}" for m, p, _ in NUL_REQUESTS])
def test_a_nul_character_in_a_public_request_is_refused(app, client, platform, method, path, request_args):
    """PostgreSQL refuses NUL in text (psycopg raises DataError: a 500 page and an error in the log);
    SQLite stored it (a login row with a NUL in its storage target). No Kontor value holds a NUL."""
    from sqlalchemy import func, select

    from lms_module.lti.models import OidcLogin

    for language in ("en", "de"):
        response = client.open(path, method=method, headers={"Accept-Language": language}, **request_args)
        _refused(response, language)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OidcLogin)) == 0


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("name", ["_external", "_scheme", "_anchor", "_method"])
def test_a_login_parameter_named_like_an_argument_of_url_for_keeps_the_new_window_link(app, platform, method, name):
    """The cookie check's new-window link was built by url_for(**the login's parameters): a parameter
    named `_external` was a TypeError (a 500 page and a traceback for one parameter anyone can add);
    `_scheme`, `_anchor` and `_method` were taken as url_for's own and left out of the link (`_anchor`
    became its fragment), so the new window did not repeat the login the LMS had sent."""
    import html
    import re
    from urllib.parse import parse_qsl, urlsplit

    params = {"iss": ISSUER, "client_id": "c1", "login_hint": "4", "target_link_uri": LAUNCH_URL, name: "0"}
    args = {"query_string": params} if method == "GET" else {"data": params}
    response = app.test_client().open("/lti/login", method=method, headers={"Accept-Language": "en"}, **args)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, (response.status_code, page[-300:])
    link = html.unescape(re.search(r'<a class="button" href="([^"]+)"', page).group(1))
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path, parts.fragment) == ("http", "localhost", "/lti/login", "")
    assert dict(parse_qsl(parts.query)) == {**params, "kontor_new_window": "1"}
    # The new window opens the same login and goes straight on to the LMS.
    again = app.test_client().get(parts.path + "?" + parts.query)
    assert again.status_code == 302 and again.headers["Location"].startswith(ISSUER + "/auth?")


# JSON nested deeper than Python's recursion limit: json.loads raises RecursionError, which is no
# ValueError, so the handlers that turn an LMS's garbage into a refusal let it through (a 500).
DEEP_JSON = "[" * 100_000 + "]" * 100_000


def test_a_registration_answered_with_deeply_nested_json_is_refused(client):
    from flask import Flask, Response

    from support.live_server import live_server

    lms = Flask("deep")
    lms.add_url_rule("/config", "config", lambda: Response(DEEP_JSON, mimetype="application/json"))
    with live_server(lms) as base_url:
        for language, words in (("en", "Registration failed"), ("de", "Registrierung fehlgeschlagen")):
            response = client.get("/lti/register", query_string={
                "openid_configuration": base_url + "/config"}, headers={"Accept-Language": language})
            page = response.get_data(as_text=True)
            assert response.status_code == 400, page[-400:]
            assert words in page and "platform_error" in page


def test_a_launch_whose_platform_serves_deeply_nested_json_as_its_key_set_is_refused(live):
    from support.lti_forgery import begin_login, claims_for, post_launch

    live.lms.inject_failure("certs", 200, body=DEEP_JSON)  # 200: the body stands for the key set
    with live.browser() as browser:
        state, nonce = begin_login(live, browser)
        response = post_launch(browser, live, live.kit.sign_id_token(claims_for(live, nonce)), state)
    assert response.status_code == 400, response.text[-400:]
    assert "Traceback" not in response.text and "bad_signature" in response.text


@pytest.mark.parametrize("field", ["issuer_path", "client_id", "deployment_id", "jwks_uri", "product_family_code"])
def test_a_registration_whose_lms_answers_with_a_nul_is_refused(app, client, field):
    """The configuration and the registration answer are the LMS's: a NUL in what Kontor stores from
    them reached PostgreSQL (DataError: a 500) or was stored as sent (SQLite)."""
    from flask import Flask, jsonify, request
    from sqlalchemy import select

    from lms_module.lti.models import Platform
    from support.live_server import live_server

    lms = Flask("nul")

    def nul(name, value):
        return value + "\x00" if field == name else value

    @lms.get("/.well-known/openid-configuration")
    def configuration():
        base = request.host_url.rstrip("/")
        # (the issuer's path is free; only its origin must be the configuration's)
        return jsonify({"issuer": base + nul("issuer_path", "/"), "authorization_endpoint": base + "/auth",
                        "token_endpoint": base + "/token", "jwks_uri": base + nul("jwks_uri", "/certs"),
                        "registration_endpoint": base + "/register",
                        "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                            "product_family_code": nul("product_family_code", "moodle")}})

    lms.add_url_rule("/register", "register", methods=["POST"], view_func=lambda: jsonify({
        "client_id": nul("client_id", "c1"),
        "https://purl.imsglobal.org/spec/lti-tool-configuration": {"deployment_id": nul("deployment_id", "1")}}))
    with live_server(lms) as base_url:
        response = client.get("/lti/register", query_string={
            "openid_configuration": base_url + "/.well-known/openid-configuration"}, headers={"Accept-Language": "de"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400, (response.status_code, page[-300:])
    assert "Registrierung fehlgeschlagen" in page
    with app.app_context():
        assert db.session.scalars(select(Platform)).all() == []


@pytest.mark.parametrize("tool_configuration", ["1", ["1"], 5])
def test_a_registration_answer_whose_tool_configuration_is_no_object_is_refused(app, client, tool_configuration):
    """`tool_conf.get(...)` on a string or a list raised AttributeError, which no handler expected: a 500."""
    from sqlalchemy import select

    from lms_module.lti.models import Platform
    from support.live_server import live_server
    from support.registering_lms import registering_lms

    lms = registering_lms({"client_id": "c1", "https://purl.imsglobal.org/spec/lti-tool-configuration": tool_configuration},
                          product_family_code="x")
    with live_server(lms) as base_url:
        response = client.get("/lti/register", query_string={
            "openid_configuration": base_url + "/.well-known/openid-configuration"}, headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400, (response.status_code, page[-300:])
    assert "Registration failed" in page and "bad_registration_response" in page
    with app.app_context():
        assert db.session.scalars(select(Platform)).all() == []


@pytest.mark.parametrize("host", ["a" * 64 + ".example", "kontor." + "b" * 70, "x" * 300])
def test_a_host_header_that_is_no_host_name_gets_the_error_page(client, host):
    """A label longer than 63 characters cannot be IDNA-encoded: Werkzeug refuses the Host (BadHost,
    400) and Flask has no URL adapter for the request, so rendering the error page (url_for of the
    stylesheet) raised AttributeError, and its 500 page again: a bare server error and a traceback
    in the log, for one header anyone can send."""
    for language in ("en", "de"):
        response = client.get("/lti/register", headers={"Host": host, "Accept-Language": language})
        _refused(response, language)


def test_a_refusal_cannot_write_lines_of_its_own_into_the_log(app, client, platform, caplog):
    """The log quoted what a stranger sent (a login's target_link_uri, an unverified token's issuer,
    an LMS's client id) as it came: a line break in it forged a log line of the attacker's choosing."""
    import base64
    import json
    import logging

    def b64(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    forged = "\n2026-12-06 12:00:00,000 INFO kontor.lti: launch accepted: admin\r"
    caplog.set_level(logging.INFO, logger="kontor.lti")
    client.get("/lti/login", query_string={"iss": ISSUER, "login_hint": "4", "target_link_uri": "https://evil" + forged})
    token = f"{b64({'alg': 'RS256', 'kid': 'k'})}.{b64({'iss': 'https://x' + forged, 'aud': 'c1'})}.c2ln"
    client.post("/lti/launch", data={"id_token": token, "state": "s"})
    messages = [record.getMessage() for record in caplog.records if record.name == "kontor.lti"]
    assert len(messages) >= 2 and any("evil" in message for message in messages)
    assert all("\n" not in message and "\r" not in message for message in messages), messages
