"""DNS rebinding by a registered platform. Registration checks that the hosts of a platform's token
endpoint and key set resolve to public addresses, once. Kontor then reached the hosts of every
platform's issuer, token and key set URLs wherever they resolved, so whoever registered could point
the name at 169.254.169.254 or the private network afterwards, and Kontor's worker sent its token
requests (and AGS / NRPS calls) there. Now only a platform an administrator added (`platform add`:
maybe an LMS in the school's own network) has its hosts trusted; a registered one's every connection
is checked when it is opened.

The rebinding is real: the platform's name resolves (socket.getaddrinfo, answered here for one made-up
name) to 127.0.0.1 while it registers and to 127.0.0.2 afterwards. The guard is told that 127.0.0.2
is internal (it stands for 169.254.169.254 or 10.x: the tests cannot listen there) and 127.0.0.1 the
internet, as in test_registration_security. A service listening on 127.0.0.2 records every request."""
from __future__ import annotations

import socket
from urllib.parse import quote

import pytest
from flask import Flask, jsonify, request
from sqlalchemy import select

from lms_module.extensions import db
from lms_module.lti.models import Platform
from lms_module.lti.registration import NRPS_SCOPE
from lms_module.lti.services_clients import CallLimits, ClientCache, ServiceFailure
from support.apps import empty_all_tables, make_app
from support.live_server import serving_on
from support.registering_lms import registering_lms

NAME = "lms.rebinding.test"
PUBLIC = "127.0.0.1"
INTERNAL = "127.0.0.2"
CLIENT_ID = "registered-client"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"


class Dns:
    """Answers for NAME as its owner sets them; every other name resolves as usual."""

    def __init__(self, monkeypatch) -> None:
        self.address = PUBLIC
        real = socket.getaddrinfo

        def getaddrinfo(host, port, *args, **kwargs):
            name = host.decode() if isinstance(host, bytes) else host
            if name != NAME:
                return real(host, port, *args, **kwargs)
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (self.address, int(port)))]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def internal_service(calls: list[str]) -> Flask:
    """What listens at the internal address: a metadata service, or the school's own LMS."""
    internal = Flask("internal")

    @internal.route("/<path:path>", methods=["GET", "POST"])
    def anything(path):
        calls.append(f"{request.method} /{path}")
        if path == "token":
            return jsonify({"access_token": "internal-token", "token_type": "Bearer", "expires_in": 3600})
        if path == "certs":
            return jsonify({"keys": [{"kid": "school-key", "kty": "RSA"}]})
        return jsonify({"id": "ami-id", "instance-id": "i-123"})

    return internal


@pytest.fixture
def dns(monkeypatch):
    return Dns(monkeypatch)


@pytest.fixture
def guarded(database_url, tmp_path, monkeypatch):
    """Kontor as in production (KONTOR_ALLOW_PRIVATE_LMS off), open to registration."""
    from lms_module.lti import address_guard

    monkeypatch.setattr(address_guard, "is_forbidden_address", lambda address: address == INTERNAL)
    app = make_app(database_url, tmp_path, KONTOR_ALLOW_PRIVATE_LMS=False, KONTOR_OPEN_REGISTRATION=True)
    yield app
    empty_all_tables(app)


@pytest.fixture
def network():
    """An internal service on 127.0.0.2:P and, on 127.0.0.1:P, an LMS that registers itself: the same
    port, so that the platform's URLs (http://NAME:P/...) lead to either, as NAME resolves."""
    calls: list[str] = []
    with serving_on(internal_service(calls), INTERNAL) as port:
        answer = {"client_id": CLIENT_ID, TOOL_CONFIGURATION: {"deployment_id": "1"}}
        with serving_on(registering_lms(answer), PUBLIC, port):
            yield port, calls


def register(app, port: int) -> None:
    url = f"http://{NAME}:{port}/.well-known/openid-configuration"
    response = app.test_client().get("/lti/register?openid_configuration=" + quote(url, safe=""),
                                     headers={"Accept-Language": "en"})
    assert response.status_code == 200, response.get_data(as_text=True)[-500:]


def add_as_administrator(app, port: int) -> None:
    base = f"http://{NAME}:{port}"
    result = app.test_cli_runner().invoke(args=[
        "platform", "add", "--issuer", base, "--client-id", CLIENT_ID, "--deployment-id", "1",
        "--auth-url", base + "/auth", "--token-url", base + "/token", "--jwks-url", base + "/certs"])
    assert result.exit_code == 0, result.output


def read_members(app, port: int, cache: ClientCache | None = None):
    """What the roster refresh does: a token from the token endpoint, then the members URL. With
    `cache`, the client is kept in it, as a running worker keeps its clients across rounds."""
    with app.app_context():
        platform_id = db.session.scalars(select(Platform.id).where(Platform.client_id == CLIENT_ID)).one()
        own = cache is None
        cache = cache or ClientCache()
        try:
            client = cache.client(platform_id, [NRPS_SCOPE], CallLimits(timeout=2, deadline=4))
            db.session.commit()  # as the worker: no transaction open while the LMS answers
            return client.request("GET", f"http://{NAME}:{port}/members", what="course members")
        finally:
            if own:
                cache.close()
            db.session.rollback()


def hosts_trusted(app) -> bool:
    with app.app_context():
        return db.session.scalars(select(Platform.hosts_trusted).where(Platform.client_id == CLIENT_ID)).one()


def test_a_registered_platform_that_rebinds_its_name_to_an_internal_address_is_refused(guarded, dns, network):
    port, calls = network
    register(guarded, port)
    assert not hosts_trusted(guarded)
    dns.address = INTERNAL  # the owner of the name points it at the internal network
    with pytest.raises(ServiceFailure) as failure:
        read_members(guarded, port)
    assert calls == []  # no token request, no members call
    assert failure.value.kind == "refused"
    assert f"{NAME} resolves to {INTERNAL}, a loopback, private or reserved address" in failure.value.message


def test_a_registered_platform_is_reached_while_its_name_stays_public(guarded, dns, network, monkeypatch):
    """The check costs a registered platform nothing while it stays where it registered."""
    from lms_module.lti import address_guard

    port, calls = network
    register(guarded, port)
    # The LMS on 127.0.0.1 answers nothing but registration: the internal service stands in for it.
    monkeypatch.setattr(address_guard, "is_forbidden_address", lambda address: False)
    dns.address = INTERNAL
    assert read_members(guarded, port).status == 200
    assert calls == ["POST /token", "GET /members"]


def test_an_administrators_platform_in_the_private_network_is_reached(guarded, dns, network):
    port, calls = network
    add_as_administrator(guarded, port)
    assert hosts_trusted(guarded)
    dns.address = INTERNAL  # the school's own LMS, in its own network
    assert read_members(guarded, port).status == 200
    assert calls == ["POST /token", "GET /members"]


def test_the_administrator_trusts_and_distrusts_a_platforms_hosts(guarded, dns, network):
    port, calls = network
    register(guarded, port)
    dns.address = INTERNAL
    runner = guarded.test_cli_runner()
    base = f"http://{NAME}:{port}"
    assert "hosts=checked" in runner.invoke(args=["platform", "list"]).output

    result = runner.invoke(args=["platform", "trust-hosts", "--issuer", base, "--client-id", CLIENT_ID, "--on"])
    assert result.exit_code == 0, result.output
    assert "wherever they resolve" in result.output
    assert "hosts=trusted" in runner.invoke(args=["platform", "list"]).output
    assert read_members(guarded, port).status == 200
    assert calls == ["POST /token", "GET /members"]

    result = runner.invoke(args=["platform", "trust-hosts", "--issuer", base, "--client-id", CLIENT_ID, "--off"])
    assert result.exit_code == 0, result.output
    # No restart needed (test_a_running_worker_stops_reaching_the_internal_address_…).
    assert "A running worker uses this setting from its next call to the platform." in result.output
    assert "restart" not in result.output
    with pytest.raises(ServiceFailure):
        read_members(guarded, port)
    assert calls == ["POST /token", "GET /members"]

    result = runner.invoke(args=["platform", "trust-hosts", "--issuer", base, "--client-id", CLIENT_ID])
    assert result.exit_code != 0 and "--on or --off" in result.output
    result = runner.invoke(args=["platform", "trust-hosts", "--issuer", base, "--client-id", "nobody", "--on"])
    assert result.exit_code != 0 and "No platform" in result.output


def test_a_running_worker_stops_reaching_the_internal_address_at_its_next_call_after_trust_hosts_off(
        guarded, dns, network):
    """The worker keeps its clients and their sessions across rounds. Withdrawing the trust reaches
    it at its next call: before, its kept session still reached the rebound name as trusted until
    the worker was restarted."""
    port, calls = network
    add_as_administrator(guarded, port)
    dns.address = INTERNAL  # the name now leads to the internal network
    cache = ClientCache()
    try:
        assert read_members(guarded, port, cache).status == 200  # trusted: reached
        assert calls == ["POST /token", "GET /members"]
        kept = next(iter(cache.clients.values()))
        assert read_members(guarded, port, cache).status == 200
        assert next(iter(cache.clients.values())) is kept  # unchanged platform: the same client

        base = f"http://{NAME}:{port}"
        result = guarded.test_cli_runner().invoke(
            args=["platform", "trust-hosts", "--issuer", base, "--client-id", CLIENT_ID, "--off"])
        assert result.exit_code == 0, result.output
        with pytest.raises(ServiceFailure) as failure:
            read_members(guarded, port, cache)  # the same worker, not restarted
        assert calls == ["POST /token", "GET /members", "GET /members"]  # nothing after --off
        assert failure.value.kind == "refused"
        assert f"{NAME} resolves to {INTERNAL}, a loopback, private or reserved address" in failure.value.message
    finally:
        cache.close()


def test_adding_a_deployment_to_a_registered_platform_does_not_trust_its_hosts(guarded, dns, network):
    """`platform add` with a registered platform's issuer and client id (to add a deployment) keeps
    its hosts checked: its owner still owns their names. It says how to trust them."""
    port, calls = network
    register(guarded, port)
    base = f"http://{NAME}:{port}"
    result = guarded.test_cli_runner().invoke(args=[
        "platform", "add", "--issuer", base, "--client-id", CLIENT_ID, "--deployment-id", "2",
        "--auth-url", base + "/auth", "--token-url", base + "/token", "--jwks-url", base + "/certs"])
    assert result.exit_code == 0, result.output
    assert "trust-hosts" in result.output
    assert not hosts_trusted(guarded)


# The platform's key set: fetched during a launch (when none is stored, it is old, or a token names a
# kid the stored set lacks), so anyone who starts a launch makes Kontor fetch it. It was fetched
# with a plain session, without the address check even where KONTOR_ALLOW_PRIVATE_LMS is off.


def signed_launch(port: int) -> str:
    """An id_token as the registered platform would send it (its key set decides whether it is good)."""
    import time

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {"iss": f"http://{NAME}:{port}", "aud": CLIENT_ID, "sub": "student-1", "nonce": "n-1",
              "iat": now, "exp": now + 300,
              "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "1",
              "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
              "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0"}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "platform-key-1"})


def test_a_launch_cannot_make_kontor_fetch_a_key_set_from_an_internal_address(guarded, dns, network, caplog):
    port, calls = network
    register(guarded, port)
    dns.address = INTERNAL
    with caplog.at_level("WARNING", logger="lms_module.lti.platform_keys"):
        response = guarded.test_client().post("/lti/launch", data={"id_token": signed_launch(port), "state": "s"},
                                              headers={"Accept-Language": "en"})
    assert calls == []  # no GET /certs at the internal address
    # The answer to a key set that cannot be fetched: the launch is refused, not a 500.
    assert response.status_code == 400
    assert "bad_signature" in response.get_data(as_text=True)
    assert any(f"{NAME} resolves to {INTERNAL}" in record.getMessage() for record in caplog.records)
    with guarded.app_context():
        platform = db.session.scalars(select(Platform).where(Platform.client_id == CLIENT_ID)).one()
        assert platform.key_set == {"keys": []}  # the failure path: nothing usable stored, retried later


def test_an_administrators_platform_gets_its_key_set_from_the_private_network(guarded, dns, network):
    from lms_module.lti import platform_keys

    port, calls = network
    add_as_administrator(guarded, port)
    dns.address = INTERNAL
    with guarded.app_context():
        platform_id = db.session.scalars(select(Platform.id).where(Platform.client_id == CLIENT_ID)).one()
        key_set = platform_keys.key_set_for(platform_id, "school-key", platform_keys.KeyPolicy(timeout=2))
    assert key_set == {"keys": [{"kid": "school-key", "kty": "RSA"}]}
    assert calls == ["GET /certs"]
