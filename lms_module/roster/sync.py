"""Course rosters from the LMS (NRPS) into User and Membership, refreshed in the background.

No request handler calls the LMS, with one exception: the first report page of a course that has
never had a roster (see `fetch_first_roster`). A report page calls `refresh_if_stale(course_id,
max_age)`: it looks at Course.roster_synced_at and, when the roster is older, records the wish
as a `roster_refresh` row and wakes the process's worker. Workers of every process
- claim wished-for refreshes through the database (a compare-and-set UPDATE, on PostgreSQL after
  `SELECT … FOR UPDATE SKIP LOCKED`; see `_claim`; a claim expires, so a dead worker loses
  nothing): one fetch per course, however many processes saw the page;
- wish for the courses whose roster is older than KONTOR_ROSTER_MAX_AGE_MINUTES and that an
  instructor launched in the last KONTOR_ROSTER_ACTIVE_MINUTES (a recent instructor launch is the
  durable sign that someone is looking at the course): a scan of every course, so it is a periodic
  job claimed through the database ("roster_scan", once a minute for all processes together).
A wish names the moment after which the roster must have been read (`wanted_after`): a refresh
that happened since satisfies it, so a worker that saw the course stale a moment ago does not
fetch it a second time.

A refresh reads every page first and writes only when all pages arrived, in one transaction:
names, e-mail (where shared), role (lti.roles) and status; members the LMS no longer lists become
inactive, never deleted. A failed refresh is logged and tried again after a backoff kept on the
wish (`not_before`).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from ..db_types import utcnow
from ..extensions import db
from ..lti import nrps
from ..courses.models import Course, LaunchSession, Membership, User
from ..lti.roles import INSTRUCTOR, nrps_role
from ..lti.services_clients import CallLimits, ClientCache, ServiceFailure
from ..signals import queue_work
from .models import RosterRefresh

log = logging.getLogger("kontor.roster")

ADVISORY_CLASS = 0x4B4F5253  # "KORS"
MAX_MEMBERS = 100_000
IN_CHUNK = 500

LEASE = timedelta(minutes=5)  # how long a worker may hold a roster refresh before another takes it over


@dataclass(frozen=True)
class RosterSettings:
    max_age: timedelta = timedelta(minutes=10)
    active_window: timedelta = timedelta(minutes=60)
    page_size: int = 100
    limits: CallLimits = CallLimits()
    courses_per_run: int = 5  # refreshes a worker claims per tick
    # Stale courses one scan wishes for: the scan runs once a minute (not every tick), and a wish
    # is a row, so it takes many; the workers then work through them courses_per_run at a time.
    courses_per_scan: int = 500

    @classmethod
    def from_config(cls, config) -> RosterSettings:
        timeout = float(config.get("KONTOR_HTTP_TIMEOUT_SECONDS", 10))
        return cls(
            max_age=timedelta(minutes=int(config.get("KONTOR_ROSTER_MAX_AGE_MINUTES", 10))),
            active_window=timedelta(minutes=int(config.get("KONTOR_ROSTER_ACTIVE_MINUTES", 60))),
            page_size=max(1, int(config.get("KONTOR_ROSTER_PAGE_SIZE", 100))),
            limits=CallLimits(timeout=timeout,
                              max_bytes=int(config.get("KONTOR_LMS_MAX_RESPONSE_BYTES", 5 * 1024 * 1024)),
                              deadline=timeout * 3),
        )

    @property
    def max_pages(self) -> int:
        return max(1, MAX_MEMBERS // self.page_size)


@dataclass(frozen=True)
class RosterStatus:
    available: bool  # the course has a membership service
    synced_at: datetime | None
    stale: bool
    refresh_requested: bool


@dataclass(frozen=True)
class RefreshResult:
    course_id: int
    members: int
    new_users: int
    inactive: int


# --- what requests may call (no network) ------------------------------------------------------------


def refresh_if_stale(course_id: int | None, max_age: timedelta | None = None) -> RosterStatus:
    """The stored roster's age; when it is older than `max_age`, ask a worker to refresh it.
    Never calls the LMS: the page shows what is stored (reports list launched students anyway)."""
    course = db.session.get(Course, course_id) if course_id is not None else None
    if course is None or not course.memberships_url:
        return RosterStatus(False, None, False, False)
    if max_age is None:
        max_age = RosterSettings.from_config(current_app.config).max_age
    stale = course.roster_synced_at is None or course.roster_synced_at < utcnow() - max_age
    if stale:
        request_refresh(course.id, max_age)
    return RosterStatus(True, course.roster_synced_at, stale, stale)


def request_refresh(course_id: int, max_age: timedelta = timedelta(0), now: datetime | None = None) -> None:
    """Record the wish (flushed with the caller's transaction) and wake this process's worker."""
    wish(course_id, (now or utcnow()) - max_age)
    queue_work("roster")


def wish(course_id: int, wanted_after: datetime) -> None:
    """Ask for a roster read after `wanted_after` (a later wish wins; an earlier one is kept)."""
    row = db.session.get(RosterRefresh, course_id)
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(RosterRefresh(course_id=course_id, wanted_after=wanted_after, failures=0))
            return
        except IntegrityError:  # another process wished at the same moment: raise its wish instead
            row = db.session.get(RosterRefresh, course_id, populate_existing=True)
    if row is not None and row.wanted_after < wanted_after:
        row.wanted_after = wanted_after
    db.session.flush()


def fetch_first_roster(course_id: int, budget_seconds: float = 3.0, now: datetime | None = None) -> RosterStatus:
    """The course's first roster, read inside the request that shows the first report page.

    The one exception to "no network calls in a request handler" (STYLE.md habit 6): a course
    that has never had a roster would list only the students who launched ("1 of 1") while the
    LMS knows the whole class. The request claims the wish like a worker (so no worker fetches it
    at the same time) and waits at most `budget_seconds` (every call and the whole read are
    bounded); when that is not enough, the claim is given back for the workers and the page says
    that the roster is loading. Commits."""
    now = now or utcnow()
    course = db.session.get(Course, course_id)
    if course is None or not course.memberships_url:
        return RosterStatus(False, None, False, False)
    if course.roster_synced_at is not None:
        return RosterStatus(True, course.roster_synced_at, False, False)
    wish(course_id, now)
    settings = RosterSettings.from_config(current_app.config)
    settings = RosterSettings(
        max_age=settings.max_age, active_window=settings.active_window, page_size=settings.page_size,
        limits=CallLimits(timeout=min(settings.limits.timeout, budget_seconds), max_bytes=settings.limits.max_bytes,
                          deadline=budget_seconds),
    )
    claim = f"request:{os.getpid()}:{threading.get_ident()}"[:64]
    won = _claim(select(RosterRefresh.course_id).where(RosterRefresh.course_id == course_id), now, claim,
                 now + timedelta(seconds=budget_seconds * 4))
    db.session.commit()
    if won:
        try:
            refresh_course(course_id, now=now, settings=settings, give_up_at=time.monotonic() + budget_seconds)
        except Exception as exc:  # a slow or failing LMS: the workers take over, the page says so
            db.session.rollback()
            log.info("first roster of course %s not read in the request: %s", course_id,
                     getattr(exc, "message", None) or type(exc).__name__)
            db.session.execute(update(RosterRefresh)
                               .where(RosterRefresh.course_id == course_id, RosterRefresh.claimed_by == claim)
                               .values(claimed_by=None, claimed_until=None)
                               .execution_options(synchronize_session=False))
            db.session.commit()
            queue_work("roster")
    synced = db.session.scalar(select(Course.roster_synced_at).where(Course.id == course_id))
    return RosterStatus(True, synced, synced is None, synced is None)


# --- what workers call -----------------------------------------------------------------------------


def _claimable(now: datetime):
    return and_(
        or_(Course.roster_synced_at.is_(None), Course.roster_synced_at <= RosterRefresh.wanted_after),
        or_(RosterRefresh.not_before.is_(None), RosterRefresh.not_before <= now),
        or_(RosterRefresh.claimed_until.is_(None), RosterRefresh.claimed_until < now),
        Course.id == RosterRefresh.course_id,
        Course.memberships_url.is_not(None),
    )


def wish_for_stale_courses(now: datetime, settings: RosterSettings) -> list[int]:
    """Wish for the stale courses an instructor looks at (committed); returns their ids.

    A scan of every course: the worker runs it as the periodic job "roster_scan", claimed through
    the database (worker.claim_job), so N processes scan once per period, not once per tick each."""
    active = exists().where(
        LaunchSession.course_id == Course.id,
        LaunchSession.role == INSTRUCTOR,
        LaunchSession.created_at >= now - settings.active_window,
    )
    stale = db.session.scalars(
        select(Course.id)
        .where(Course.memberships_url.is_not(None),
               or_(Course.roster_synced_at.is_(None), Course.roster_synced_at < now - settings.max_age),
               active)
        .order_by(Course.roster_synced_at.is_not(None), Course.roster_synced_at)
        .limit(settings.courses_per_scan)
    ).all()
    for course_id in stale:
        wish(course_id, now - settings.max_age)
    db.session.commit()
    return list(stale)


def due_courses(now: datetime, settings: RosterSettings, worker_id: str = "inline") -> list[int]:
    """Claim due refreshes (wishes) for `worker_id` (committed: another worker skips them until
    the claim expires)."""
    until = now + max(LEASE, timedelta(seconds=settings.limits.deadline * 4))
    candidates = select(RosterRefresh.course_id).where(exists().where(_claimable(now))) \
        .order_by(RosterRefresh.wanted_after).limit(settings.courses_per_run)
    claimed = _claim(candidates, now, worker_id, until)
    db.session.commit()
    return claimed


def _claim(candidates, now: datetime, claim: str, until: datetime) -> list[int]:
    """Claim those of the wishes `candidates` selects that are claimable (not committed); returns
    their course ids. The one way any worker or request claims a roster refresh.

    The decision is a compare-and-set UPDATE, judged on the newest committed state. On PostgreSQL
    the candidates are locked first (`FOR UPDATE SKIP LOCKED`: a wish another worker is claiming
    right now is skipped, not waited for), and that lock alone does not decide: PostgreSQL rechecks
    a row that changed after the statement's snapshot with the row's new version but the course as
    the snapshot saw it. A worker whose statement had started before another worker claimed,
    fetched, stored and released the same course would find it released and its roster "never
    read", and fetch it a second time. The UPDATE is a new statement with a new snapshot, taken
    while the wishes are locked, so it sees that refresh."""
    if db.engine.dialect.name == "postgresql":
        ids = list(db.session.scalars(candidates.with_for_update(skip_locked=True, of=RosterRefresh)))
    else:
        ids = list(db.session.scalars(candidates))
    if not ids:
        return []
    return list(db.session.scalars(
        update(RosterRefresh)
        .where(RosterRefresh.course_id.in_(ids), exists().where(_claimable(now)))
        .values(claimed_by=claim, claimed_until=until)
        .returning(RosterRefresh.course_id)
        .execution_options(synchronize_session=False)
    ))


def refresh_due(now: datetime | None = None, *, settings: RosterSettings | None = None,
                cache: ClientCache | None = None, worker_id: str = "inline", scan: bool = True) -> list[RefreshResult]:
    """Refresh the rosters that are due; failures are logged and tried again later. `scan`: wish
    for stale courses first (the worker scans as its own periodic job and passes False)."""
    now = now or utcnow()
    settings = settings or RosterSettings.from_config(current_app.config)
    own_cache = cache is None
    cache = cache or ClientCache()
    results = []
    try:
        if scan:
            wish_for_stale_courses(now, settings)
        for course_id in due_courses(now, settings, worker_id):
            try:
                results.append(refresh_course(course_id, now=now, settings=settings, cache=cache))
            except ServiceFailure as failure:
                db.session.rollback()
                _note_failure(course_id, now, worker_id, failure.message)
                log.warning("roster of course %s not refreshed: %s", course_id, failure.message)
            except Exception as exc:
                db.session.rollback()
                _note_failure(course_id, now, worker_id, f"{type(exc).__name__}: {exc}")
                log.exception("roster of course %s not refreshed", course_id)
    finally:
        db.session.rollback()
        if own_cache:
            cache.close()
    return results


def refresh_course(course_id: int, *, now: datetime | None = None, settings: RosterSettings | None = None,
                   cache: ClientCache | None = None, give_up_at: float | None = None) -> RefreshResult:
    """Read the course's members from the LMS and store them (raises ServiceFailure; writes nothing
    unless every page arrived). Commits."""
    now = now or utcnow()
    settings = settings or RosterSettings.from_config(current_app.config)
    own_cache = cache is None
    cache = cache or ClientCache()
    try:
        course = db.session.get(Course, course_id)
        if course is None or not course.memberships_url:
            raise ServiceFailure("refused", f"course {course_id} has no membership service")
        platform_id, url = course.platform_id, course.memberships_url
        client = cache.client(platform_id, (nrps.SCOPE_NRPS,), settings.limits)
        db.session.commit()  # no transaction stays open while the LMS answers
        members: dict[str, nrps.Member] = {}
        for page in nrps.member_pages(client, url, page_size=settings.page_size, max_pages=settings.max_pages):
            for member in page:
                members[member.user_id] = member
            if give_up_at is not None and time.monotonic() > give_up_at:
                raise ServiceFailure("retry", "the roster did not arrive within the time a page may wait")
        with _exclusive(course_id):
            result = _store(course_id, platform_id, members, now)
            db.session.commit()
    finally:
        if own_cache:
            cache.close()
    db.session.execute(update(RosterRefresh).where(RosterRefresh.course_id == course_id)
                       .values(claimed_by=None, claimed_until=None, not_before=None, failures=0, last_error=None)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    log.info("roster of course %s: %s members, %s new, %s inactive", course_id, result.members,
             result.new_users, result.inactive)
    return result


def _store(course_id: int, platform_id: int, members: dict[str, nrps.Member], now: datetime) -> RefreshResult:
    subjects = list(members)
    users: dict[str, User] = {}
    for start in range(0, len(subjects), IN_CHUNK):
        chunk = subjects[start:start + IN_CHUNK]
        for user in db.session.scalars(select(User).where(User.platform_id == platform_id, User.subject.in_(chunk))):
            users[user.subject] = user
    new_users = 0
    for subject, member in members.items():
        user = users.get(subject)
        if user is None:
            user = users[subject] = User(platform_id=platform_id, subject=subject)
            db.session.add(user)
            new_users += 1
        # Only what the LMS shares is written; a field it does not send keeps what a launch stored.
        for name in ("name", "given_name", "family_name", "email"):
            value = getattr(member, name)
            if value is not None and getattr(user, name) != value:
                setattr(user, name, value)
    db.session.flush()
    memberships = {m.user_id: m for m in db.session.scalars(select(Membership).where(Membership.course_id == course_id))}
    listed = set()
    for subject, member in members.items():
        user_id = users[subject].id
        listed.add(user_id)
        membership = memberships.get(user_id)
        if membership is None:
            membership = Membership(course_id=course_id, user_id=user_id, role=nrps_role(member.roles))
            db.session.add(membership)
        else:
            membership.role = nrps_role(member.roles)
        membership.status = "active" if member.active else "inactive"
    inactive = 0
    for user_id, membership in memberships.items():
        if user_id not in listed and membership.status != "inactive":
            membership.status = "inactive"  # left the course: kept with their attempts, shown as inactive
            inactive += 1
    inactive += sum(1 for m in members.values() if not m.active)
    db.session.get(Course, course_id).roster_synced_at = now
    db.session.flush()
    return RefreshResult(course_id, len(members), new_users, inactive)


def _note_failure(course_id: int, now: datetime, worker_id: str, message: str) -> None:
    """Give the claim back with a backoff, so no worker asks the LMS again at once."""
    from ..grade_sync.timing import retry_delay

    row = db.session.get(RosterRefresh, course_id, populate_existing=True)
    if row is None or row.claimed_by != worker_id:
        return
    row.failures += 1
    row.not_before = now + timedelta(seconds=retry_delay(row.failures, 600, None) + 5)
    row.claimed_by = row.claimed_until = None
    row.last_error = message[:2000]
    db.session.commit()


class _exclusive:
    """On PostgreSQL, one writer per course roster across processes (an advisory lock held by the
    transaction that writes); elsewhere the database's own write lock does this."""

    def __init__(self, course_id: int) -> None:
        self.course_id = course_id

    def __enter__(self):
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SELECT pg_advisory_xact_lock(:c, :o)"), {"c": ADVISORY_CLASS, "o": self.course_id})
        return self

    def __exit__(self, *exc) -> None:
        return None
