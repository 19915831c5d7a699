"""Sending claimed outbox rows to the LMS.

For each claimed row, in its own short transactions (never one held open across a network call):
1. a newer grade for the same student and activity queued or sent?  → superseded, nothing sent;
2. the previous score for the student went out in this very second?  → back to pending until the
   next second (Moodle refuses a timestamp that is not strictly later in whole seconds);
3. count the try, find the line item (found or created once per link), record the timestamp the
   score will carry (so that a crash after the LMS stored it still moves later timestamps on);
4. POST the score with an access token from the shared cache; a 401 renews the token once;
5. sent; or pending again after a backoff (5xx, 429 with Retry-After, 409, timeouts, dropped
   connections, garbage), or failed with the LMS's answer (400/403/404, redirects, exhausted tries;
   a 422 -- Canvas: not an active student of the course -- fails at once as "not accepted").
Every step checks that the row is still claimed by this worker, so an expired claim taken over
by another worker is never overwritten.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import aliased

from ..db_types import utcnow
from ..extensions import db
from ..lti import ags
from ..courses.models import ResourceLink, User
from ..lti.models import Platform
from ..lti.services_clients import CallLimits, ClientCache, ServiceFailure
from . import timing
from .line_items import resolve_lineitem
from .models import FAILED, PENDING, SENDING, SENT, SUPERSEDED, GradeOutbox
from .outbox import claim_due, release

log = logging.getLogger("kontor.grade_sync")

DEFAULT_AGS_SCOPES = (ags.SCOPE_SCORE, ags.SCOPE_LINEITEM, ags.SCOPE_LINEITEM_READONLY)
# Other rows of the same student and activity (built once: building an alias per row is slow).
_SIBLING = aliased(GradeOutbox, name="sibling")


@dataclass(frozen=True)
class DeliverySettings:
    max_tries: int = 12
    backoff_cap: float = 300.0
    lease: timedelta = timedelta(minutes=5)
    batch_size: int = 50
    limits: CallLimits = CallLimits()

    @classmethod
    def from_config(cls, config) -> DeliverySettings:
        timeout = float(config.get("KONTOR_HTTP_TIMEOUT_SECONDS", 10))
        return cls(
            max_tries=max(1, int(config.get("KONTOR_GRADE_MAX_TRIES", 12))),
            backoff_cap=float(config.get("KONTOR_GRADE_BACKOFF_CAP_SECONDS", 300)),
            # A claim outlives the longest send: token, line item search and creation, score, one 401.
            lease=timedelta(seconds=max(int(config.get("KONTOR_GRADE_CLAIM_SECONDS", 300)), int(timeout * 12))),
            limits=CallLimits(timeout=timeout,
                              max_bytes=int(config.get("KONTOR_LMS_MAX_RESPONSE_BYTES", 5 * 1024 * 1024)),
                              deadline=timeout * 3),
        )


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    superseded: int = 0
    waiting: int = 0  # held back to the next whole second
    released: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed + self.superseded + self.waiting


@dataclass(frozen=True)
class _LinkInfo:
    platform_id: int
    scopes: tuple[str, ...]
    lineitem_url: str | None
    canvas: bool = False  # the platform is hosted Canvas: scores carry its submission extension


class DeliveryCache(ClientCache):
    """Service clients for the worker's lifetime; what it read about links for one delivery run."""

    def __init__(self) -> None:
        super().__init__()
        self.links: dict[int, _LinkInfo] = {}

    def link(self, link_id: int) -> _LinkInfo:
        info = self.links.get(link_id)
        if info is None:
            link = db.session.get(ResourceLink, link_id)
            issuer = db.session.scalar(select(Platform.issuer).where(Platform.id == link.platform_id))
            info = self.links[link_id] = _LinkInfo(
                link.platform_id, tuple(sorted(set(link.ags_scopes or DEFAULT_AGS_SCOPES))), link.lineitem_url,
                ags.is_canvas_issuer(issuer or ""))
        return info


def deliver_due(
    now: datetime | None = None,
    *,
    worker_id: str = "inline",
    settings: DeliverySettings | None = None,
    cache: DeliveryCache | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> DeliveryReport:
    """Claim and send every row due at `now` (default: the clock, read per row), batch by batch.

    Tests pass `now` to step through time; a worker passes nothing."""
    settings = settings or DeliverySettings.from_config(current_app.config)
    own_cache = cache is None
    if not isinstance(cache, DeliveryCache):
        cache = DeliveryCache()
        own_cache = True
    cache.links.clear()  # link details are read afresh for every run
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    report = DeliveryReport()
    try:
        while not should_stop():
            ids = claim_due(worker_id, clock(), settings.batch_size, settings.lease)
            if not ids:
                break
            report.claimed += len(ids)
            deliver_claimed(ids, worker_id=worker_id, clock=clock, settings=settings, cache=cache,
                            report=report, should_stop=should_stop)
    finally:
        db.session.rollback()
        if own_cache:
            cache.close()
    return report


def deliver_claimed(ids: list[int], *, worker_id: str, clock: Callable[[], datetime], settings: DeliverySettings,
                    cache: DeliveryCache, report: DeliveryReport, should_stop: Callable[[], bool] = lambda: False) -> None:
    for position, row_id in enumerate(ids):
        if should_stop():
            report.released += release(ids[position:], worker_id)
            return
        try:
            outcome = _deliver_one(row_id, worker_id, clock, settings, cache)
        except Exception as exc:  # a bug must not stop the worker or lose the row
            log.exception("grade outbox row %s: unexpected error", row_id)
            db.session.rollback()
            outcome = _after_failure(row_id, worker_id, clock(), settings,
                                     ServiceFailure("retry", f"internal error in Kontor: {type(exc).__name__}: {exc}"))
        if outcome:
            report.add(outcome)


def _deliver_one(row_id: int, worker_id: str, clock, settings: DeliverySettings, cache: DeliveryCache) -> str | None:
    row = _own_row(row_id, worker_id)
    if row is None:
        return None
    now = clock()
    siblings = _SIBLING
    same_student = (siblings.resource_link_id == row.resource_link_id, siblings.user_id == row.user_id,
                    siblings.id != row.id)
    newer, last_sent, subject, sent_before = db.session.execute(
        select(
            exists().where(*same_student, siblings.graded_at > row.graded_at,
                           siblings.status.in_((PENDING, SENDING, SENT))),
            select(func.max(siblings.last_sent_timestamp)).where(*same_student).scalar_subquery(),
            select(User.subject).where(User.id == row.user_id).scalar_subquery(),
            exists().where(*same_student, siblings.status == SENT, siblings.submitted_at == row.submitted_at),
        )
    ).one()
    if newer:
        _finish(row, SUPERSEDED)
        db.session.commit()
        return "superseded"
    # Its own earlier try counts too: the LMS may have stored it although the answer was lost.
    last_sent = max((t for t in (last_sent, row.last_sent_timestamp) if t is not None), default=None)
    if not timing.may_send_at(now, last_sent):
        row.status = PENDING
        row.next_attempt_at = timing.next_send_second(last_sent)
        row.claimed_by = row.claimed_until = None
        db.session.commit()
        return "waiting"
    if not _finite(row.score_given, row.score_maximum):
        # JSON has no Infinity or NaN; an LMS would store nonsense or refuse. Never send it.
        _finish(row, FAILED)
        row.last_error = (f"not sent: the score ({row.score_given} of {row.score_maximum}) is not a finite number; "
                          "check the quiz's points")
        log.error("grade outbox row %s: %s", row_id, row.last_error)
        db.session.commit()
        return "failed"
    link = cache.link(row.resource_link_id)
    client = cache.client(link.platform_id, link.scopes, settings.limits)
    score = ags.Score(
        user_id=subject,
        score_given=row.score_given,
        score_maximum=row.score_maximum,
        activity_progress=row.activity_progress,
        grading_progress=row.grading_progress,
        timestamp=now,
        comment=row.comment or "",
        submitted_at=row.submitted_at,
        new_submission=row.submitted_at is not None and not sent_before,
        canvas=link.canvas,
    )
    link_id = row.resource_link_id
    db.session.commit()  # no transaction stays open while the LMS answers

    try:
        lineitem_url = link.lineitem_url or resolve_lineitem(link_id, client, score.score_maximum)
        cache.links[link_id] = replace(link, lineitem_url=lineitem_url)
    except ServiceFailure as failure:
        db.session.rollback()
        return _after_failure(row_id, worker_id, clock(), settings, failure, count_try=True)
    stamp = max(clock(), now)
    if not timing.may_send_at(stamp, last_sent):  # cannot happen with a sane clock; be safe
        stamp = timing.next_send_second(last_sent)
    # The try and the timestamp are recorded before the call: a worker that dies while the LMS
    # stores the score leaves a row whose next try carries a later timestamp.
    if not _update_own(row_id, worker_id, tries=GradeOutbox.tries + 1, last_sent_timestamp=stamp):
        return None
    db.session.commit()
    try:
        ags.post_score(client, lineitem_url, replace(score, timestamp=stamp))
    except ServiceFailure as failure:
        db.session.rollback()
        return _after_failure(row_id, worker_id, clock(), settings, failure)

    sent_at = utcnow()
    values = {"status": SENT, "sent_at": sent_at, "last_error": None, "claimed_by": None, "claimed_until": None}
    if score.grading_progress != ags.FULLY_GRADED:
        # Moodle stamps such a score (with a comment) with its own clock at arrival: count from then.
        values["last_sent_timestamp"] = max(stamp, sent_at)
    if not _update_own(row_id, worker_id, **values):
        log.warning("grade outbox row %s was sent but its claim had been taken over", row_id)
    db.session.commit()
    return "sent"


def _finite(*numbers: float | None) -> bool:
    return all(n is None or math.isfinite(n) for n in numbers)


def _update_own(row_id: int, worker_id: str, **values) -> bool:
    """Update the row only while this worker holds its claim."""
    result = db.session.execute(
        update(GradeOutbox)
        .where(GradeOutbox.id == row_id, GradeOutbox.status == SENDING, GradeOutbox.claimed_by == worker_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _after_failure(row_id: int, worker_id: str, now: datetime, settings: DeliverySettings,
                   failure: ServiceFailure, count_try: bool = False) -> str | None:
    row = _own_row(row_id, worker_id)
    if row is None:
        return None
    if count_try:
        row.tries += 1
    if failure.retryable and row.tries < settings.max_tries:
        delay = timing.retry_delay(max(row.tries, 1), settings.backoff_cap, failure.retry_after)
        row.status = PENDING
        row.next_attempt_at = now + timedelta(seconds=delay)
        row.claimed_by = row.claimed_until = None
        row.last_error = failure.message[:2000]
        log.info("grade outbox row %s: try %s failed, again in %.1f s: %s", row_id, row.tries, delay, failure.message)
        outcome = "retrying"
    else:
        suffix = f" (gave up after {row.tries} tries)" if failure.retryable else ""
        _finish(row, FAILED)
        row.last_error = (failure.message + suffix)[:2000]
        log.warning("grade outbox row %s failed: %s", row_id, row.last_error)
        outcome = "failed"
    db.session.commit()
    return outcome


def _own_row(row_id: int, worker_id: str) -> GradeOutbox | None:
    row = db.session.get(GradeOutbox, row_id, populate_existing=True)
    if row is None or row.status != SENDING or row.claimed_by != worker_id:
        return None
    return row


def _finish(row: GradeOutbox, status: str) -> None:
    row.status = status
    row.claimed_by = None
    row.claimed_until = None
