"""Sending claimed outbox rows to the LMS.

For each claimed batch, in short transactions (never one held open across a network call; one
query reads what every row of the batch needs, and each step below is one statement for the
batch, so a score costs its HTTP POST and a share of a few statements):
1. a newer grade for the same student and activity queued or sent?  → superseded, nothing sent;
2. the previous score for the student went out in this very second?  → back to pending until the
   next second (Moodle refuses a timestamp that is not strictly later in whole seconds);
3. find the line item (found or created once per link), count the tries and record the timestamp
   the scores will carry (so that a crash after the LMS stored one still moves later timestamps on);
4. POST each score with an access token from the shared cache over the worker's kept-alive HTTP
   connection; a 401 renews the token once; sent rows are marked every few scores;
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
from sqlalchemy import bindparam, func, select, update
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
    """Send a claimed batch: one query reads what every row needs, one statement records the
    tries, one marks the sent rows (every few rows); only failures are handled row by row."""
    if should_stop():
        report.released += release(ids, worker_id)
        return
    try:
        due = _read_batch(ids, worker_id)
        to_send = _settle_unsendable(due, worker_id, clock(), report)
    except Exception as exc:  # a bug must not stop the worker or lose the rows
        log.exception("grade outbox rows %s: unexpected error", ids)
        db.session.rollback()
        for row_id in ids:
            outcome = _after_failure(row_id, worker_id, clock(), settings,
                                     ServiceFailure("retry", f"internal error in Kontor: {type(exc).__name__}: {exc}"))
            if outcome:
                report.add(outcome)
        return
    by_link: dict[int, list[_Due]] = {}
    for item in to_send:
        by_link.setdefault(item.link_id, []).append(item)
    for link_id, items in by_link.items():
        _send_for_link(link_id, items, worker_id=worker_id, clock=clock, settings=settings, cache=cache,
                       report=report, should_stop=should_stop)


@dataclass(frozen=True)
class _Due:
    """What sending one claimed row needs, read for the whole batch at once."""

    id: int
    link_id: int
    user_id: int
    subject: str
    score_given: float | None
    score_maximum: float | None
    activity_progress: str
    grading_progress: str
    comment: str
    submitted_at: datetime | None
    last_sent: datetime | None  # its own last try and its siblings'
    newer: bool  # a newer grade for the same student and activity is queued or sent
    sent_before: bool  # this submission went out before (Canvas: not a new submission)


def _read_batch(ids: list[int], worker_id: str) -> list[_Due]:
    row, sibling = GradeOutbox, _SIBLING
    same_student = (sibling.resource_link_id == row.resource_link_id, sibling.user_id == row.user_id,
                    sibling.id != row.id)
    result = db.session.execute(
        select(
            row.id, row.resource_link_id, row.user_id,
            select(User.subject).where(User.id == row.user_id).scalar_subquery(),
            row.score_given, row.score_maximum, row.activity_progress, row.grading_progress, row.comment,
            row.submitted_at, row.last_sent_timestamp,
            select(func.max(sibling.last_sent_timestamp)).where(*same_student).scalar_subquery(),
            select(sibling.id).where(*same_student, sibling.graded_at > row.graded_at,
                                     sibling.status.in_((PENDING, SENDING, SENT))).exists(),
            select(sibling.id).where(*same_student, sibling.status == SENT,
                                     sibling.submitted_at == row.submitted_at).exists(),
        ).where(row.id.in_(ids), row.status == SENDING, row.claimed_by == worker_id)
    ).all()
    db.session.commit()
    order = {row_id: position for position, row_id in enumerate(ids)}
    due = []
    for (row_id, link_id, user_id, subject, given, maximum, activity, grading, comment, submitted, own_last,
         siblings_last, newer, sent_before) in sorted(result, key=lambda r: order[r[0]]):
        last_sent = max((t for t in (siblings_last, own_last) if t is not None), default=None)
        due.append(_Due(row_id, link_id, user_id, subject, given, maximum, activity, grading, comment or "",
                        submitted, last_sent, bool(newer), bool(sent_before)))
    return due


def _settle_unsendable(due: list[_Due], worker_id: str, now: datetime, report: DeliveryReport) -> list[_Due]:
    """Superseded rows, rows that must wait for the next second and scores that are no numbers
    are settled in one transaction; returns the rows to send."""
    to_send, superseded = [], []
    for item in due:
        if item.newer:
            superseded.append(item.id)
        # Its own earlier try counts too: the LMS may have stored it although the answer was lost.
        elif not timing.may_send_at(now, item.last_sent):
            if _update_own(item.id, worker_id, status=PENDING, next_attempt_at=timing.next_send_second(item.last_sent),
                           claimed_by=None, claimed_until=None):
                report.add("waiting")
        elif not _finite(item.score_given, item.score_maximum):
            # JSON has no Infinity or NaN; an LMS would store nonsense or refuse. Never send it.
            error = (f"not sent: the score ({item.score_given} of {item.score_maximum}) is not a finite number; "
                     "check the quiz's points")
            if _update_own(item.id, worker_id, status=FAILED, claimed_by=None, claimed_until=None, last_error=error):
                log.error("grade outbox row %s: %s", item.id, error)
                report.add("failed")
        else:
            to_send.append(item)
    if superseded:
        report.superseded += db.session.execute(
            update(GradeOutbox)
            .where(GradeOutbox.id.in_(superseded), GradeOutbox.status == SENDING, GradeOutbox.claimed_by == worker_id)
            .values(status=SUPERSEDED, claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        ).rowcount
    db.session.commit()
    return to_send


MARK_SENT_EVERY = 10  # sent rows are marked in groups: a crash re-sends at most these (harmless, later timestamp)


def _send_for_link(link_id: int, items: list[_Due], *, worker_id: str, clock, settings: DeliverySettings,
                   cache: DeliveryCache, report: DeliveryReport, should_stop: Callable[[], bool]) -> None:
    try:
        link = cache.link(link_id)
        client = cache.client(link.platform_id, link.scopes, settings.limits)
        db.session.commit()  # no transaction stays open while the LMS answers
        lineitem_url = link.lineitem_url or resolve_lineitem(link_id, client, items[0].score_maximum)
        cache.links[link_id] = replace(link, lineitem_url=lineitem_url)
    except ServiceFailure as failure:
        db.session.rollback()
        for item in items:
            outcome = _after_failure(item.id, worker_id, clock(), settings, failure, count_try=True)
            if outcome:
                report.add(outcome)
        return
    stamp = clock()
    # The tries and the timestamps are recorded before the calls: a worker that dies while the LMS
    # stores a score leaves a row whose next try carries a later timestamp.
    stamps = {item.id: stamp if timing.may_send_at(stamp, item.last_sent) else timing.next_send_second(item.last_sent)
              for item in items}  # the second case cannot happen with a sane clock; be safe
    owned: set[int] = set()
    for value in set(stamps.values()):
        owned.update(db.session.scalars(
            update(GradeOutbox)
            .where(GradeOutbox.id.in_([i for i, s in stamps.items() if s == value]), GradeOutbox.status == SENDING,
                   GradeOutbox.claimed_by == worker_id)
            .values(tries=GradeOutbox.tries + 1, last_sent_timestamp=value)
            .returning(GradeOutbox.id)
            .execution_options(synchronize_session=False)
        ).all())
    db.session.commit()
    items = [item for item in items if item.id in owned]
    sent: list[dict] = []
    for position, item in enumerate(items):
        if should_stop():
            _mark_sent(sent, worker_id)
            report.released += _release_uncounted([i.id for i in items[position:]], worker_id)
            return
        score = ags.Score(
            user_id=item.subject, score_given=item.score_given, score_maximum=item.score_maximum,
            activity_progress=item.activity_progress, grading_progress=item.grading_progress,
            timestamp=stamps[item.id], comment=item.comment, submitted_at=item.submitted_at,
            new_submission=item.submitted_at is not None and not item.sent_before, canvas=link.canvas,
        )
        try:
            ags.post_score(client, lineitem_url, score)
        except Exception as exc:
            db.session.rollback()
            if not isinstance(exc, ServiceFailure):  # a bug must not stop the worker or lose the row
                log.exception("grade outbox row %s: unexpected error", item.id)
                exc = ServiceFailure("retry", f"internal error in Kontor: {type(exc).__name__}: {exc}")
            outcome = _after_failure(item.id, worker_id, clock(), settings, exc)
            if outcome:
                report.add(outcome)
            continue
        sent_at = utcnow()
        # Moodle stamps a score that is not fully graded (with a comment) with its own clock at
        # arrival: count from then.
        last = stamps[item.id] if score.grading_progress == ags.FULLY_GRADED else max(stamps[item.id], sent_at)
        sent.append({"row_id": item.id, "at": sent_at, "last": last})
        report.sent += 1
        if len(sent) >= MARK_SENT_EVERY:
            _mark_sent(sent, worker_id)
            sent = []
    _mark_sent(sent, worker_id)


_TABLE = GradeOutbox.__table__


def _mark_sent(sent: list[dict], worker_id: str) -> None:
    if not sent:
        return
    result = db.session.execute(
        update(_TABLE)
        .where(_TABLE.c.id == bindparam("row_id"), _TABLE.c.status == SENDING, _TABLE.c.claimed_by == worker_id)
        .values(status=SENT, sent_at=bindparam("at"), last_sent_timestamp=bindparam("last"), last_error=None,
                claimed_by=None, claimed_until=None),
        sent,
    )
    if result.rowcount not in (-1, len(sent)):
        log.warning("grade outbox rows %s were sent but some claims had been taken over", [s["row_id"] for s in sent])
    db.session.commit()


def _release_uncounted(row_ids: list[int], worker_id: str) -> int:
    """Give back rows whose try was recorded but never made (the worker stops)."""
    if not row_ids:
        return 0
    result = db.session.execute(
        update(GradeOutbox)
        .where(GradeOutbox.id.in_(row_ids), GradeOutbox.status == SENDING, GradeOutbox.claimed_by == worker_id)
        .values(status=PENDING, claimed_by=None, claimed_until=None, tries=GradeOutbox.tries - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


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
