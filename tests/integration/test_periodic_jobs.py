"""Periodic jobs (the deadline sweep, the purge) are claimed through the database: however many
worker processes tick at the same moment, each job body runs once per period (issue 15)."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms_module import worker as worker_module
from lms_module.attempts import services
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.lti import cleanup
from lms_module.worker import PeriodicJob, Worker, claim_job


@pytest.fixture
def counted_jobs(monkeypatch):
    """Count how often each job body runs; each run takes a moment so that the workers overlap."""
    runs = {"sweep": 0, "purge": 0}
    lock = threading.Lock()
    real_sweep, real_purge = services.sweep_overdue, cleanup.purge_expired

    def sweep(moment, limit=200):
        with lock:
            runs["sweep"] += 1
        time.sleep(0.2)
        return real_sweep(moment, limit)

    def purge(moment):
        with lock:
            runs["purge"] += 1
        time.sleep(0.2)
        return real_purge(moment)

    monkeypatch.setattr(services, "sweep_overdue", sweep)
    monkeypatch.setattr(cleanup, "purge_expired", purge)
    return runs


def _tick_together(workers, now):
    barrier = threading.Barrier(len(workers))
    errors = []

    def tick(w):
        try:
            barrier.wait(10)
            w.run_once(now)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=tick, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors


def test_two_workers_ticking_at_the_same_moment_run_each_job_once(app, counted_jobs):
    """Before: every process kept its own 'next sweep' in memory, so N gunicorn processes swept and
    purged N times per period."""
    now = utcnow()
    workers = [Worker(app, worker_id=f"process-{n}", rosters=False) for n in (1, 2)]
    _tick_together(workers, now)
    assert counted_jobs == {"sweep": 1, "purge": 1}

    # Fresh processes (no memory of the period) a moment later: the period is kept in the database.
    later = [Worker(app, worker_id=f"process-{n}", rosters=False) for n in (3, 4)]
    _tick_together(later, now + timedelta(seconds=5))
    assert counted_jobs == {"sweep": 1, "purge": 1}

    # One sweep period later the sweep is due again (once); the purge (every 10 minutes) is not.
    _tick_together([Worker(app, worker_id=f"process-{n}", rosters=False) for n in (5, 6)],
                   now + timedelta(seconds=31))
    assert counted_jobs == {"sweep": 2, "purge": 1}
    with app.app_context():
        rows = {row.name: row for row in db.session.scalars(select(PeriodicJob))}
        assert set(rows) == {"sweep", "purge"}
        assert all(row.claimed_by is None for row in rows.values())  # claims are given back


def test_a_claim_of_a_dead_worker_expires(app):
    now = utcnow()
    with app.app_context():
        assert claim_job("purge", "died", now, timedelta(minutes=10), lease=timedelta(minutes=2)) == \
            (True, now + timedelta(minutes=10))
        # Due again, but still claimed by the worker that never finished: nobody else runs it.
        won, _ = claim_job("purge", "other", now + timedelta(minutes=1), timedelta(seconds=0))
        assert not won
        row = db.session.get(PeriodicJob, "purge")
        row.next_run_at = now  # due
        db.session.commit()
        assert not claim_job("purge", "other", now + timedelta(minutes=1), timedelta(minutes=10))[0]
        assert claim_job("purge", "other", now + timedelta(minutes=3), timedelta(minutes=10))[0]
        assert db.session.get(PeriodicJob, "purge", populate_existing=True).claimed_by == "other"


def test_a_failed_job_gives_its_claim_back(app, monkeypatch):
    def failing(moment, limit=200):
        raise RuntimeError("the sweep fails")

    monkeypatch.setattr(services, "sweep_overdue", failing)
    now = utcnow()
    Worker(app, worker_id="w", rosters=False).run_once(now)
    with app.app_context():
        row = db.session.get(PeriodicJob, "sweep")
        assert row.claimed_by is None and row.next_run_at > now  # tried again next period
    assert worker_module.JOB_LEASE >= timedelta(minutes=1)


def test_worker_once_runs_the_jobs_now_but_not_beside_another_worker(app, runner, counted_jobs):
    now = utcnow()
    Worker(app, worker_id="long-running", rosters=False).run_once(now)
    assert counted_jobs == {"sweep": 1, "purge": 1}
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0  # by hand: not due, runs anyway
    assert counted_jobs == {"sweep": 2, "purge": 2}
    with app.app_context():
        claim_job("sweep", "busy", utcnow(), timedelta(seconds=30), force=True)  # another worker sweeps now
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    assert counted_jobs == {"sweep": 2, "purge": 3}
