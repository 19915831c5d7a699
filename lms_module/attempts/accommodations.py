"""Accommodations: a student's extra attempts, extra minutes and own closing time for one activity.
Plain values in; the views commit. (The reports page sets them; the attempt flow reads them.)"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import deadlines
from . import services
from ..courses.models import ResourceLink
from ..courses.time_zone import NonexistentLocalTime, moment_from_local
from ..extensions import db
from .marks import ChangeRefused
from .models import Accommodation

MAX_EXTRA_ATTEMPTS = 99
MAX_EXTRA_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class AccommodationInput:
    extra_attempts: int
    extra_minutes: int
    close_at: datetime | None


def parse_accommodation(extra_attempts: str | None, extra_minutes: str | None, close_at: str | None,
                        timezone, stored_close_at: datetime | None = None) -> AccommodationInput:
    """Form values to an accommodation; `close_at` is a datetime-local value in `timezone`, read by
    courses.time_zone.moment_from_local (a skipped hour is refused, the first of a doubled hour is
    taken, and the pre-filled value of `stored_close_at` keeps that moment)."""
    attempts_value = _whole_number(extra_attempts, MAX_EXTRA_ATTEMPTS, "extra_attempts_invalid")
    minutes_value = _whole_number(extra_minutes, MAX_EXTRA_MINUTES, "extra_minutes_invalid")
    moment = None
    if close_at and close_at.strip():
        try:
            local = datetime.fromisoformat(close_at.strip())
        except ValueError:
            raise ChangeRefused("close_at_invalid") from None
        try:
            moment = moment_from_local(local, timezone, stored_close_at)
        except NonexistentLocalTime:
            raise ChangeRefused("close_at_nonexistent") from None
    return AccommodationInput(attempts_value, minutes_value, moment)


def _whole_number(text: str | None, maximum: int, reason: str) -> int:
    raw = (text or "").strip() or "0"
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:  # '²'.isdigit() is True; int('²') raises
        raise ChangeRefused(reason)
    value = int(raw)
    if value > maximum:
        raise ChangeRefused(reason)
    return value


def set_accommodation(link_id: int, user_id: int, values: AccommodationInput, by_user_id: int,
                      now: datetime) -> int:
    """Store (or clear, when everything is zero) the student's accommodation, and move the deadline
    of an attempt that runs right now (deadlines.move_running_deadlines, with the activity's closing
    date as it is now, not as it was when the attempt started). Returns how many attempts' deadline
    changed."""
    row = services.accommodation_for(link_id, user_id)
    empty = not values.extra_attempts and not values.extra_minutes and values.close_at is None
    if empty:
        if row is not None:
            db.session.delete(row)
    else:
        if row is None:
            row = Accommodation(resource_link_id=link_id, user_id=user_id)
            db.session.add(row)
        row.extra_attempts = values.extra_attempts
        row.extra_minutes = values.extra_minutes
        row.close_at = values.close_at
        row.updated_by = by_user_id
        row.updated_at = now
    link = db.session.get(ResourceLink, link_id)
    return deadlines.move_running_deadlines(link_id, services.activity_close_at(link), now, user_id=user_id)
