"""Course rosters from the LMS (NRPS) into User and Membership, refreshed in the background.

No request handler calls the LMS. A report page calls `refresh_if_stale(course_id, max_age)`: it
only looks at Course.roster_synced_at and, when the roster is older, records the wish in this
process and wakes the process's worker. Workers refresh
- courses wished for in their own process (thread mode: the web process that served the page), and
- courses whose roster is older than KONTOR_ROSTER_MAX_AGE_MINUTES and that an instructor launched
  in the last KONTOR_ROSTER_ACTIVE_MINUTES (this covers `flask worker` processes, which cannot see
  another process's wishes) — without a table of its own, a recent instructor launch is the
  durable sign that someone is looking at the course.

A refresh reads every page first and writes only when all pages arrived, in one transaction:
names, e-mail (where shared), role (lti.roles) and status; members the LMS no longer lists become
inactive, never deleted. A failed refresh is logged and tried again after a backoff kept in the
process. Two processes refreshing one course at once cost one wasted read: the loser's write
is rolled back on the unique constraints, or on PostgreSQL waits on an advisory lock.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, or_, select, text

from ..db_types import utcnow
from ..extensions import db
from ..lti import nrps
from ..lti.models import Course, LaunchSession, Membership, User
from ..lti.roles import INSTRUCTOR, nrps_role
from ..lti.services_clients import CallLimits, ClientCache, ServiceFailure

log = logging.getLogger("kontor.roster")

ADVISORY_CLASS = 0x4B4F5253  # "KORS"
MAX_MEMBERS = 100_000
IN_CHUNK = 500

_wishes: dict[int, timedelta] = {}
_next_try: dict[int, tuple[datetime, int]] = {}
_state_lock = threading.Lock()


@dataclass(frozen=True)
class RosterSettings:
    max_age: timedelta = timedelta(minutes=10)
    active_window: timedelta = timedelta(minutes=60)
    page_size: int = 100
    limits: CallLimits = CallLimits()
    courses_per_run: int = 5

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


def request_refresh(course_id: int, max_age: timedelta = timedelta(0)) -> None:
    """Record the wish for this process's worker and wake it."""
    with _state_lock:
        known = _wishes.get(course_id)
        _wishes[course_id] = max_age if known is None else min(known, max_age)
    from ..worker import wake_workers

    wake_workers()


# --- what workers call -----------------------------------------------------------------------------


def due_courses(now: datetime, settings: RosterSettings) -> list[int]:
    with _state_lock:
        wished = dict(_wishes)
        backoff = dict(_next_try)
    ids: list[int] = []
    for course_id, max_age in wished.items():
        synced = db.session.scalar(select(Course.roster_synced_at).where(Course.id == course_id))
        if synced is None or synced <= now - max_age:
            ids.append(course_id)
        else:
            _forget_wish(course_id)
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
        .limit(settings.courses_per_run * 4)
    ).all()
    ids += [cid for cid in stale if cid not in ids]
    ready = [cid for cid in ids if cid not in backoff or backoff[cid][0] <= now]
    return ready[: settings.courses_per_run]


def refresh_due(now: datetime | None = None, *, settings: RosterSettings | None = None,
                cache: ClientCache | None = None) -> list[RefreshResult]:
    """Refresh the rosters that are due; failures are logged and tried again later."""
    now = now or utcnow()
    settings = settings or RosterSettings.from_config(current_app.config)
    own_cache = cache is None
    cache = cache or ClientCache()
    results = []
    try:
        for course_id in due_courses(now, settings):
            try:
                results.append(refresh_course(course_id, now=now, settings=settings, cache=cache))
            except ServiceFailure as failure:
                db.session.rollback()
                _note_failure(course_id, now)
                log.warning("roster of course %s not refreshed: %s", course_id, failure.message)
            except Exception:
                db.session.rollback()
                _note_failure(course_id, now)
                log.exception("roster of course %s not refreshed", course_id)
    finally:
        db.session.rollback()
        if own_cache:
            cache.close()
    return results


def refresh_course(course_id: int, *, now: datetime | None = None, settings: RosterSettings | None = None,
                   cache: ClientCache | None = None) -> RefreshResult:
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
        with _exclusive(course_id):
            result = _store(course_id, platform_id, members, now)
            db.session.commit()
    finally:
        if own_cache:
            cache.close()
    _forget_wish(course_id)
    with _state_lock:
        _next_try.pop(course_id, None)
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


def _forget_wish(course_id: int) -> None:
    with _state_lock:
        _wishes.pop(course_id, None)


def _note_failure(course_id: int, now: datetime) -> None:
    from ..grade_sync.timing import retry_delay

    with _state_lock:
        failures = _next_try.get(course_id, (now, 0))[1] + 1
        _next_try[course_id] = (now + timedelta(seconds=retry_delay(failures, 600, None) + 5), failures)


def forget_process_state() -> None:
    """Drop this process's wishes and backoffs (tests start from a clean slate)."""
    with _state_lock:
        _wishes.clear()
        _next_try.clear()


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
