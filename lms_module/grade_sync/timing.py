"""When to try again, and which timestamp a score may carry. Pure functions, no database.

Backoff: exponential with jitter ("equal jitter": half fixed, half random), starting at
BASE_SECONDS so the first retry comes within about two seconds, capped (minutes by default).
A Retry-After from the LMS is a lower bound (itself capped at an hour).

Timestamps: Moodle refuses a score (409) unless its timestamp, truncated to whole seconds, is
strictly later than the one it holds for the student. Every send therefore carries a fresh
timestamp, and a score for a student may only go out in a later whole second than the previous
score for that student did; otherwise it waits for the next second.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

BASE_SECONDS = 1.5
MAX_RETRY_AFTER_SECONDS = 3600.0


def retry_delay(tries: int, cap_seconds: float, retry_after: float | None = None,
                rng: random.Random | None = None) -> float:
    """Seconds to wait after the `tries`-th failed send (tries starts at 1)."""
    rng = rng or random
    raw = min(float(cap_seconds), BASE_SECONDS * 2 ** max(0, tries - 1))
    delay = raw / 2 + rng.uniform(0, raw / 2)
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(float(retry_after), MAX_RETRY_AFTER_SECONDS))
    return delay


def whole_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def may_send_at(now: datetime, last_sent: datetime | None) -> bool:
    """Whether a score stamped `now` is strictly later, in whole seconds, than `last_sent`."""
    return last_sent is None or whole_second(now) > whole_second(last_sent)


def next_send_second(last_sent: datetime) -> datetime:
    """The first moment a score after one stamped `last_sent` may carry."""
    return whole_second(last_sent) + timedelta(seconds=1)
