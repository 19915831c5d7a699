"""Rate limits per client address on /lti/login, /lti/launch and /lti/register (issue 9).

Every login initiation stores a row and every registration calls out: one address must not be able
to send them without end. The test profile switches the limits off; these tests switch them on."""
from __future__ import annotations

import random
import re
from urllib.parse import quote

import pytest

from support.apps import empty_all_tables, make_app


def limited_app(database_url, tmp_path, **overrides):
    settings = {"KONTOR_RATELIMIT_ENABLED": True, "KONTOR_RATELIMIT_LOGIN": "3/minute",
                "KONTOR_RATELIMIT_REGISTER": "2/minute"}
    settings.update(overrides)
    return make_app(database_url, tmp_path, **settings)


def login(client, address, headers=None):
    return client.get("/lti/login?iss=https%3A%2F%2Flms.example&login_hint=1&target_link_uri=x",
                      environ_base={"REMOTE_ADDR": address}, headers={"Accept-Language": "en", **(headers or {})})


def test_one_address_is_stopped_after_its_logins_another_is_served(database_url, tmp_path):
    app = limited_app(database_url, tmp_path)
    client = app.test_client()
    for _ in range(3):
        assert login(client, "203.0.113.7").status_code == 400  # unknown issuer, but answered
    refused = login(client, "203.0.113.7")
    assert refused.status_code == 429
    assert "Too many requests came from your address" in refused.get_data(as_text=True)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert login(client, "203.0.113.8").status_code == 400  # another address is still served
    german = login(client, "203.0.113.7", headers={"Accept-Language": "de"})
    assert german.status_code == 429 and "zu viele Anfragen" in german.get_data(as_text=True)


def test_launch_and_register_are_limited_too(database_url, tmp_path):
    app = limited_app(database_url, tmp_path)
    client = app.test_client()
    address = {"REMOTE_ADDR": "203.0.113.9"}
    statuses = [client.post("/lti/launch", data={"id_token": "x"}, environ_base=address).status_code for _ in range(4)]
    assert statuses[:3] != [429] * 3 and statuses[3] == 429
    register = "/lti/register?openid_configuration=" + quote("http://127.0.0.1:9/x", safe="")
    statuses = [client.get(register, environ_base=address).status_code for _ in range(3)]
    assert statuses[:2] == [400, 400] and statuses[2] == 429


def test_the_address_comes_from_the_trusted_proxy(database_url, tmp_path):
    """Behind nginx (KONTOR_TRUSTED_PROXIES=1) each client is counted by its X-Forwarded-For
    address, not by the proxy's."""
    app = limited_app(database_url, tmp_path, KONTOR_TRUSTED_PROXIES=1)
    client = app.test_client()

    def via_proxy(client_address):
        return login(client, "127.0.0.1", headers={"X-Forwarded-For": client_address})

    assert [via_proxy("198.51.100.1").status_code for _ in range(4)] == [400, 400, 400, 429]
    assert via_proxy("198.51.100.2").status_code == 400


def test_limits_are_off_in_the_test_profile(app, client):
    assert all(login(client, "203.0.113.10").status_code == 400 for _ in range(70))


def test_counters_can_live_in_redis(database_url, tmp_path):
    """KONTOR_RATELIMIT_STORAGE=redis://… shares the counters between processes (two apps here)."""
    redis = pytest.importorskip("redis")
    storage = "redis://127.0.0.1:6379/0"
    redis.Redis.from_url(storage).ping()  # the machine's Redis (make test starts it)
    address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    first = limited_app(database_url, tmp_path, KONTOR_RATELIMIT_STORAGE=storage)
    assert [login(first.test_client(), address).status_code for _ in range(3)] == [400, 400, 400]
    second = limited_app(database_url, tmp_path, KONTOR_RATELIMIT_STORAGE=storage)
    assert login(second.test_client(), address).status_code == 429
    keys = redis.Redis.from_url(storage).keys(f"*{address}*")
    assert keys  # the counter is in Redis, not in the process


def test_an_ipv6_client_is_counted_by_its_network_not_by_each_of_its_addresses(database_url, tmp_path):
    """An IPv6 subscriber gets a whole /64 (2^64 addresses) and picks a new one per request: counted
    per address, each login was the first of its address and the limit never applied."""
    app = limited_app(database_url, tmp_path)
    client = app.test_client()
    statuses = [login(client, f"2001:db8:0:7::{n:x}").status_code for n in range(1, 5)]
    assert statuses == [400, 400, 400, 429]
    assert login(client, "2001:db8:0:8::1").status_code == 400  # the next network is someone else
    assert login(client, "203.0.113.20").status_code == 400  # IPv4 stays per address
    assert [login(client, "::ffff:203.0.113.21").status_code for _ in range(4)][-1] == 429


def test_a_refused_login_or_launch_is_shown_in_the_frame_of_its_lms(database_url, tmp_path):
    """Logins and launches run in the LMS's iframe. The 429 page said frame-ancestors 'self' only, so
    the browser blocked it there: students behind one school address saw an empty frame instead of
    "wait a minute". It names the platform of the login (its iss) or of the launch (its state)."""
    app = limited_app(database_url, tmp_path, KONTOR_RATELIMIT_LOGIN="1/minute")
    try:
        _refused_in_the_frame_of_its_lms(app)
    finally:
        empty_all_tables(app)  # the platform and the login stored here must not meet later tests


def _refused_in_the_frame_of_its_lms(app):
    from lms_module.extensions import db
    from lms_module.lti.registration import save_platform

    with app.app_context():
        save_platform(issuer="https://lms.example", client_id="c1", deployment_id="1",
                      auth_login_url="https://lms.example/auth", auth_token_url="https://lms.example/token",
                      key_set_url="https://lms.example/certs")
        db.session.commit()
    client = app.test_client()
    address = {"REMOTE_ADDR": "203.0.113.30"}
    form = {"iss": "https://lms.example", "client_id": "c1", "login_hint": "4",
            "target_link_uri": "http://localhost/lti/launch", "kontor_new_window": "1"}
    first = client.post("/lti/login", data=form, environ_base=address)
    assert first.status_code == 302
    state = re.search(r"state=([^&]+)", first.headers["Location"]).group(1)
    for path, data in (("/lti/login", form), ("/lti/launch", {"id_token": "a.b.c", "state": state})):
        if path == "/lti/launch":  # (a refused launch ends its login: this one names another state)
            assert client.post(path, data={"id_token": "x", "state": "other"}, environ_base=address).status_code == 400
        refused = client.post(path, data=data, environ_base=address, headers={"Accept-Language": "de"})
        assert refused.status_code == 429 and "zu viele Anfragen" in refused.get_data(as_text=True)
        policy = refused.headers["Content-Security-Policy"]
        assert "frame-ancestors 'self' https://lms.example" in policy, (path, policy)
    # Nothing known (no iss, an unknown state, a NUL): Kontor's own frame only.
    client.post("/lti/launch", data={"id_token": "x", "state": "state-\x00"}, environ_base={"REMOTE_ADDR": "203.0.113.31"})
    for data in ({"id_token": "x"}, {"id_token": "x", "state": "unknown"}, {"id_token": "x", "state": "state-\x00"}):
        refused = client.post("/lti/launch", data=data, environ_base={"REMOTE_ADDR": "203.0.113.31"})
        assert refused.status_code == 429
        assert refused.headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")


def test_a_refused_login_gets_its_429_page_while_the_database_is_away(tmp_path):
    missing = tmp_path / "no-such-folder" / "kontor.sqlite3"  # SQLite cannot open it: every query fails
    app = limited_app(f"sqlite:///{missing}", tmp_path, KONTOR_RATELIMIT_LOGIN="1/minute")
    client = app.test_client()
    address = {"REMOTE_ADDR": "203.0.113.40"}
    form = {"iss": "https://lms.example", "login_hint": "4", "target_link_uri": "http://localhost/lti/launch"}
    assert client.post("/lti/login", data=form, environ_base=address).status_code == 503
    refused = client.post("/lti/login", data=form, environ_base=address, headers={"Accept-Language": "en"})
    assert refused.status_code == 429 and "Too many requests" in refused.get_data(as_text=True)
    assert refused.headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")


def test_a_whole_school_behind_one_address_can_start_an_exam_together(database_url, tmp_path):
    """Schools and companies reach Kontor from one NAT address, and a year group starts its exam in
    the same minute: the default limits let 1,000 logins and 1,000 launches from one address through
    (the earlier default, 60 a minute, refused the 61st student), and still stop an address
    that sends more than a minute's worth."""
    app = make_app(database_url, tmp_path, KONTOR_RATELIMIT_ENABLED=True)  # the default limits
    client = app.test_client()
    school = {"REMOTE_ADDR": "198.51.100.20"}
    assert {login(client, school["REMOTE_ADDR"]).status_code for _ in range(1000)} == {400}
    assert {client.post("/lti/launch", data={"id_token": "x"}, environ_base=school).status_code
            for _ in range(1000)} == {400}
    statuses = [login(client, school["REMOTE_ADDR"]).status_code for _ in range(201)]
    assert statuses[:200] == [400] * 200 and statuses[200] == 429
