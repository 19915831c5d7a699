"""Worker processes that all need an access token at the same moment make one token request
(issue 15: at most 2 token requests per 10,000 scores with 4 worker processes)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from lms_module.extensions import db
from lms_module.lti import ags, tokens
from lms_module.lti.http import LmsSession
from lms_module.lti.models import Platform
from lms_module.lti.services_clients import CallLimits, PlatformEndpoint
from support.databases import backend


@pytest.mark.skipif(backend() != "postgresql",
                    reason="across processes the fetch is serialised by a PostgreSQL advisory lock")
def test_processes_needing_a_token_at_once_fetch_it_once(rig, monkeypatch):
    # Each thread plays a process of its own: no shared in-process lock, no shared memo.
    monkeypatch.setattr(tokens, "_lock_for", lambda platform_id, key: threading.Lock())
    monkeypatch.setattr(tokens, "_memo", dict)  # a fresh memo on every call
    with rig.app.app_context():
        platform = db.session.scalars(select(Platform)).one()
        endpoint = PlatformEndpoint.of(platform)
        db.session.remove()
    rig.lms.delay("token", 0.5)  # the first fetch is still under way when the others look
    barrier = threading.Barrier(4)
    got, errors = [], []

    def process():
        try:
            with rig.app.app_context(), LmsSession() as session:
                barrier.wait(10)
                got.append(tokens.access_token(endpoint, [ags.SCOPE_SCORE], session=session, limits=CallLimits()))
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=process) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert len(got) == 4 and len(set(got)) == 1
    assert rig.lms.token_requests == 1
