"""A running worker follows an administrator's change of a platform at its next call, without a
restart. The worker keeps a service client (and its HTTP session) per platform and scope set; it
kept one built from the platform's old token URL until it was restarted, so a corrected token URL
(`flask platform add` again) reached it only then.

The worker here is the real one (`Worker.run_once`, rounds at the moments the rows are due) against
the demo LMS; the URL the administrator corrects, or moves to, is a server that answers every
request with 503 and records it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.grade_sync.delivery import DeliveryReport
from lms_module.grade_sync.models import PENDING, GradeOutbox
from lms_module.lti.models import Platform
from lms_module.lti.services_clients import ServiceFailure
from lms_module.worker import Worker
from support.live_server import LiveServer


class Elsewhere:
    """Another address for the token endpoint: nothing that hands out tokens."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.server = LiveServer()
        self.server.serve(self)
        self.server.start()
        self.token_url = self.server.base_url + "/token"

    def __call__(self, environ, start_response):
        self.calls.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"not here"]


@pytest.fixture
def elsewhere():
    server = Elsewhere()
    yield server
    server.server.stop()


@pytest.fixture
def worker(rig):
    worker = Worker(rig.app, worker_id="test-worker", rosters=False)
    yield worker
    worker.cache.close()


def platform_add(rig, *, token_url: str) -> None:
    """The administrator's `flask platform add` for the existing platform, with `token_url`."""
    with rig.app.app_context():
        platform = db.session.scalars(select(Platform)).one()
        args = ["platform", "add", "--issuer", platform.issuer, "--client-id", platform.client_id,
                "--deployment-id", platform.deployments[0].deployment_id, "--auth-url", platform.auth_login_url,
                "--token-url", token_url, "--jwks-url", platform.key_set_url]
        db.session.remove()
    result = rig.app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output


def token_url(rig) -> str:
    with rig.app.app_context():
        url = db.session.scalar(select(Platform.auth_token_url))
        db.session.remove()
    return url


def rounds(rig, worker: Worker) -> DeliveryReport:
    """A worker round at the moment the next pending row is due (or now); again while a row waits
    for the next whole second (a score of the same student went out in this one)."""
    total = DeliveryReport()
    for _ in range(3):
        with rig.app.app_context():
            due = db.session.scalar(select(db.func.min(GradeOutbox.next_attempt_at))
                                    .where(GradeOutbox.status == PENDING))
            db.session.remove()
        report = worker.run_once(max(utcnow(), due or utcnow())).delivery
        for name in ("claimed", "sent", "retrying", "failed", "superseded", "released"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        if not report.waiting:
            break
    return total


def the_client(worker: Worker):
    [client] = worker.cache.clients.values()
    return client


def test_an_unchanged_platform_keeps_its_client_and_session_across_rounds(rig, worker):
    """Reading the platform's row at every lookup must not cost a new client, session or token."""
    sam = rig.launch("4")
    rig.attempt(sam, correct=2)
    assert rounds(rig, worker).sent == 1
    client = the_client(worker)
    session = client.session
    rig.attempt(sam, correct=4)
    assert rounds(rig, worker).sent == 1
    assert the_client(worker) is client and client.session is session
    assert rig.lms.token_requests == 1
    assert rig.lms.grade("4").raw_grade == 100.0


def test_a_corrected_token_url_is_used_at_the_running_workers_next_delivery(rig, worker, elsewhere):
    right = token_url(rig)
    platform_add(rig, token_url=elsewhere.token_url)  # the administrator's mistake
    sam = rig.launch("4")
    rig.attempt(sam, correct=3)
    assert rounds(rig, worker).retrying == 1
    assert elsewhere.calls == ["POST /token"]

    platform_add(rig, token_url=right)  # corrected; the worker is not restarted
    assert rounds(rig, worker).sent == 1
    assert elsewhere.calls == ["POST /token"]  # the old URL is not asked again
    assert rig.lms.token_requests == 1
    assert rig.lms.grade("4").raw_grade == 75.0
    assert the_client(worker).endpoint.token_url == right


def test_after_a_token_url_change_the_lms_token_is_kept_and_the_next_one_comes_from_the_new_url(
        rig, worker, elsewhere):
    """The access token is the LMS's, for its services: a new token URL does not make it invalid
    (Kontor never sends it to the token URL). The next token, when the LMS no longer accepts this
    one, is asked for at the new URL. The old client's connections are closed."""
    sam = rig.launch("4")
    rig.attempt(sam, correct=2)
    assert rounds(rig, worker).sent == 1
    old = the_client(worker)
    right = token_url(rig)
    pool = old.session.get_adapter(right).poolmanager
    assert pool.pools  # a kept-alive connection to the LMS

    platform_add(rig, token_url=elsewhere.token_url)  # the LMS's token endpoint moved
    rig.attempt(sam, correct=4)
    assert rounds(rig, worker).sent == 1  # with the token the worker had
    new = the_client(worker)
    assert new is not old and new.endpoint.token_url == elsewhere.token_url != right
    assert not pool.pools  # the old session was closed
    assert elsewhere.calls == [] and rig.lms.token_requests == 1

    rig.lms.expire_access_tokens()  # the LMS refuses the token (401): a new one is needed
    rig.attempt(sam, correct=1)
    assert rounds(rig, worker).retrying == 1
    assert elsewhere.calls == ["POST /token"]
    assert rig.lms.token_requests == 1


def test_a_removed_platforms_clients_are_closed_and_its_lookup_is_refused(rig, worker):
    """`flask platform remove` while the worker runs: its next lookup for the platform closes the
    kept client and says why, instead of failing inside Kontor on a missing row."""
    sam = rig.launch("4")
    rig.attempt(sam, correct=2)
    assert rounds(rig, worker).sent == 1
    old = the_client(worker)
    pool = old.session.get_adapter(old.endpoint.token_url).poolmanager
    with rig.app.app_context():
        platform = db.session.scalars(select(Platform)).one()
        issuer, client_id, platform_id = platform.issuer, platform.client_id, platform.id
        db.session.remove()
    result = rig.app.test_cli_runner().invoke(
        args=["platform", "remove", "--issuer", issuer, "--client-id", client_id])
    assert result.exit_code == 0, result.output
    with rig.app.app_context():
        with pytest.raises(ServiceFailure) as failure:
            worker.cache.client(platform_id, old.scopes, old.limits)
        db.session.remove()
    assert failure.value.kind == "refused" and "no longer registered" in failure.value.message
    assert worker.cache.clients == {} and not pool.pools


def test_a_token_kept_in_the_process_is_not_handed_to_a_platform_of_another_issuer(rig):
    """SQLite gives a removed platform's id to the next one added. The removal deletes the stored
    tokens (the rows go with the platform), but a process also keeps the last token per platform
    in memory: it must not hand it to the new platform, whose issuer differs, even if its client
    id and token URL happen to be the same."""
    from dataclasses import replace

    from lms_module.lti import ags, tokens
    from lms_module.lti.http import LmsSession
    from lms_module.lti.models import AccessToken
    from lms_module.lti.services_clients import CallLimits, PlatformEndpoint

    with rig.app.app_context(), LmsSession() as session:
        endpoint = PlatformEndpoint.of(db.session.scalars(select(Platform)).one())
        first = tokens.access_token(endpoint, [ags.SCOPE_SCORE], session=session, limits=CallLimits())
        db.session.execute(db.delete(AccessToken))  # as removing the platform does
        db.session.commit()
        other = replace(endpoint, issuer="https://another-lms.example")
        second = tokens.access_token(other, [ags.SCOPE_SCORE], session=session, limits=CallLimits())
        db.session.remove()
    assert second != first and rig.lms.token_requests == 2
