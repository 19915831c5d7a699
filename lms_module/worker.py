"""The background worker: delivers the grade outbox, submits overdue attempts, refreshes rosters.

How it runs (KONTOR_WORKER):
- "thread" (default): a daemon thread in every web process, started by the first request the
  process serves, so it works however the process was started (`flask run`, `flask demo`,
  gunicorn with any number of workers) and never in CLI commands such as `flask db upgrade`;
- "external": web processes deliver nothing; run `flask --app wsgi worker` processes (any number,
  on PostgreSQL; see docs/grade-sync.md);
- "off": nothing runs by itself (tests drive `Worker.run_once()` or `deliver_due(now)`).
Any number of workers may run at once in any mix: rows are claimed (found with SKIP LOCKED on
PostgreSQL, decided by a compare-and-set on both databases; grade_sync.outbox.claim_due) and claims
expire, so a killed worker loses nothing. The periodic jobs
(the deadline sweep, the purge, the scan for stale rosters) are claimed the same way through the
`periodic_job` table, so N processes on any number of machines run each job once per period (the
roster refreshes themselves: roster_refresh).
"""
from __future__ import annotations

import atexit
import logging
import os
import secrets
import signal
import socket
import threading
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import String, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from .config import ConfigError
from .db_types import UTCDateTime, utcnow
from .extensions import db
from .signals import work_queued

log = logging.getLogger("kontor.worker")

MODES = ("thread", "external", "off")

_wake_events: weakref.WeakSet = weakref.WeakSet()


def wake_workers(sender=None) -> None:
    """Wake the workers of this process (new grades to send, a roster wished for): the receiver of
    signals.work_queued, which the rooms send after their transaction commits."""
    for event in list(_wake_events):
        event.set()


@dataclass
class TickReport:
    swept: int = 0
    delivery: object = None
    rosters: list = field(default_factory=list)


PURGE_EVERY = timedelta(minutes=10)
# The scan for courses whose roster is old (every course: too much for every tick of every process).
ROSTER_SCAN_EVERY = timedelta(minutes=1)
# How long a worker may run a periodic job before another may start it (a dead worker's claim ends).
JOB_LEASE = timedelta(minutes=10)


# --- periodic jobs, claimed through the database ---------------------------------------------------


class PeriodicJob(db.Model):
    """When a periodic job (the deadline sweep, the purge) is next due, and who runs it now.

    Every worker of every process and machine ticks; the one that claims the row runs the job and
    moves `next_run_at` one period on, so N processes do each job once per period."""

    __tablename__ = "periodic_job"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


def _job_due(name: str, now: datetime, force: bool = False):
    unclaimed = or_(PeriodicJob.claimed_until.is_(None), PeriodicJob.claimed_until < now)
    if force:
        return and_(PeriodicJob.name == name, unclaimed)
    return and_(PeriodicJob.name == name, PeriodicJob.next_run_at <= now, unclaimed)


def claim_job(name: str, worker_id: str, now: datetime, every: timedelta,
              lease: timedelta = JOB_LEASE, force: bool = False) -> tuple[bool, datetime]:
    """Claim the job `name` when it is due at `now` (committed); returns (won, next due moment).
    `force` (`flask worker --once`): also before it is due, but never while another worker runs it.

    PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED` (a worker never waits for another's claim);
    SQLite: a compare-and-set UPDATE. The winner moves `next_run_at` to `now + every` at once."""
    if db.session.get(PeriodicJob, name) is None:
        try:
            with db.session.begin_nested():
                db.session.add(PeriodicJob(name=name, next_run_at=now))
        except IntegrityError:  # another worker created it at the same moment
            pass
    db.session.commit()
    values = {"claimed_by": worker_id, "claimed_until": now + max(lease, timedelta(seconds=1)),
              "next_run_at": now + every}
    if db.engine.dialect.name == "postgresql":
        name_due = db.session.scalar(select(PeriodicJob.name).where(_job_due(name, now, force))
                                     .with_for_update(skip_locked=True))
        won = name_due is not None
        if won:
            db.session.execute(update(PeriodicJob).where(PeriodicJob.name == name).values(**values)
                               .execution_options(synchronize_session=False))
    else:
        won = db.session.execute(update(PeriodicJob).where(_job_due(name, now, force)).values(**values)
                                 .execution_options(synchronize_session=False)).rowcount == 1
    db.session.commit()
    if won:
        return True, now + every
    # Ask again when it is next due (a worker that wins then finds it claimed asks at the next tick).
    next_run_at = db.session.scalar(select(PeriodicJob.next_run_at).where(PeriodicJob.name == name))
    db.session.commit()
    return False, next_run_at or now


def finish_job(name: str, worker_id: str, now: datetime) -> None:
    """Give the claim back (the job is done, or failed: it runs again at `next_run_at`)."""
    db.session.execute(update(PeriodicJob)
                       .where(PeriodicJob.name == name, PeriodicJob.claimed_by == worker_id)
                       .values(claimed_by=None, claimed_until=None, last_run_at=now)
                       .execution_options(synchronize_session=False))
    db.session.commit()


class Worker:
    def __init__(self, app: Flask, *, worker_id: str | None = None, poll_seconds: float | None = None,
                 sweep_seconds: float | None = None, rosters: bool = True, force_periodic: bool = False) -> None:
        from .grade_sync.delivery import DeliveryCache, DeliverySettings
        from .roster.sync import RosterSettings

        self.app = app
        self.id = (worker_id or f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}")[:64]
        self.poll_seconds = float(poll_seconds if poll_seconds is not None else app.config.get("KONTOR_WORKER_POLL_SECONDS", 1))
        self.sweep_every = timedelta(seconds=float(sweep_seconds if sweep_seconds is not None
                                                   else app.config.get("KONTOR_SWEEP_SECONDS", 30)))
        self.rosters = rosters
        self.force_periodic = force_periodic  # run the periodic jobs now, whenever they last ran
        self.delivery_settings = DeliverySettings.from_config(app.config)
        self.roster_settings = RosterSettings.from_config(app.config)
        self.cache = DeliveryCache()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._next_due: dict[str, datetime] = {}  # per periodic job: not worth asking the database before
        _wake_events.add(self._wake)

    # --- one round ---------------------------------------------------------------------------------

    def run_once(self, now: datetime | None = None) -> TickReport:
        """Sweep overdue attempts (when due), deliver every due grade, refresh due rosters."""
        from .grade_sync.delivery import deliver_due
        from .roster.sync import refresh_due

        report = TickReport()
        with self.app.app_context():
            try:
                moment = now or utcnow()
                report.swept = self._sweep(moment)
                self._purge(moment)  # its own job: a failed sweep never stops the purge
                report.delivery = deliver_due(now, worker_id=self.id, settings=self.delivery_settings,
                                              cache=self.cache, should_stop=self._stop.is_set)
                if self.rosters and not self._stop.is_set():
                    self._scan_rosters(moment)
                    report.rosters = refresh_due(now, settings=self.roster_settings, cache=self.cache,
                                                 worker_id=self.id, scan=False)
            finally:
                db.session.remove()
        return report

    def _periodic(self, name: str, moment: datetime, every: timedelta, job, failure: str):
        """Run `job(moment)` when this worker claims the periodic job `name` (see claim_job) and
        commit; the claim is given back either way. Returns the job's result, or None when it was not
        due, another worker has it, or it failed (logged with `failure`; it runs again next period)."""
        next_due = self._next_due.get(name)
        if next_due is not None and moment < next_due:
            return None
        won, self._next_due[name] = claim_job(name, self.id, moment, every, force=self.force_periodic)
        if not won:
            return None
        try:
            result = job(moment)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception(failure)
            return None
        finally:
            finish_job(name, self.id, moment)
        return result

    def _sweep(self, moment: datetime) -> int:
        """Submit overdue attempts (attempts.services.sweep_overdue backs off from one it cannot)."""
        from .attempts.services import sweep_overdue

        swept = self._periodic("sweep", moment, self.sweep_every, sweep_overdue, "sweeping overdue attempts failed")
        if swept:
            log.info("submitted %s overdue attempt(s)", swept)
        return swept or 0

    def _purge(self, moment: datetime) -> None:
        """Now and then: drop expired logins, launches and nonces (see lti/cleanup.py)."""
        from .lti.cleanup import purge_expired

        counts = self._periodic("purge", moment, PURGE_EVERY, purge_expired, "purging expired launch data failed")
        if counts and any(counts.values()):
            log.info("purged expired launch data: %s", counts)

    def _scan_rosters(self, moment: datetime) -> None:
        """Once a minute for all processes: wish for the stale rosters of courses in use."""
        from .roster.sync import wish_for_stale_courses

        wished = self._periodic("roster_scan", moment, ROSTER_SCAN_EVERY,
                                lambda at: wish_for_stale_courses(at, self.roster_settings),
                                "scanning for stale rosters failed")
        if wished:
            log.info("rosters wished for %s stale course(s)", len(wished))

    # --- the loop ------------------------------------------------------------------------------------

    def run(self) -> None:
        """Work until stop() (SIGTERM in `flask worker`); a round in progress finishes its row."""
        log.info("worker %s started", self.id)
        try:
            while not self._stop.is_set():
                try:
                    self.run_once()
                except Exception:  # the database may be away for a moment; keep going
                    log.exception("worker round failed")
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
        finally:
            self.cache.close()
            log.info("worker %s stopped", self.id)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()


# --- thread mode ----------------------------------------------------------------------------------------


class _ThreadStarter:
    """Starts one worker thread per process at the first request (again in a forked child)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.pid: int | None = None
        self.lock = threading.Lock()
        self.worker: Worker | None = None

    def __call__(self) -> None:
        if self.pid == os.getpid():
            return
        with self.lock:
            if self.pid == os.getpid():
                return
            self.pid = os.getpid()
            self.worker = Worker(self.app)
            thread = threading.Thread(target=self.worker.run, name="kontor-worker", daemon=True)
            thread.start()
            atexit.register(self.worker.stop)


def init_app(app: Flask) -> None:
    mode = app.config.get("KONTOR_WORKER", "thread")
    if mode not in MODES:
        raise ConfigError(f"KONTOR_WORKER={mode!r} is unknown; use one of {', '.join(MODES)}.")
    app.cli.add_command(worker_command)
    work_queued.connect(wake_workers)
    if mode == "thread":
        starter = _ThreadStarter(app)
        app.extensions["kontor_worker_starter"] = starter
        app.before_request(starter)


@click.command("worker")
@click.option("--once", is_flag=True, help="One round (sweep, deliver what is due, rosters), then exit.")
@with_appcontext
def worker_command(once: bool) -> None:
    """Deliver grades to the LMS, submit overdue attempts and refresh rosters until stopped."""
    # --once (by hand, or from cron): sweep and purge now, unless another worker is at it.
    worker = Worker(current_app._get_current_object(), force_periodic=once)
    if once:
        report = worker.run_once()
        delivery = report.delivery
        click.echo(f"swept {report.swept}, sent {delivery.sent}, retrying {delivery.retrying}, "
                   f"failed {delivery.failed}, superseded {delivery.superseded}, rosters {len(report.rosters)}")
        return

    def _stop(signum, frame):  # noqa: ARG001
        log.info("signal %s: finishing the current grade, then stopping", signum)
        worker.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"Kontor worker {worker.id} running; stop it with SIGTERM or Ctrl+C.")
    worker.run()
    click.echo("Kontor worker stopped.")
