"""Backoff and the score timestamp rule (Moodle: strictly later in whole seconds)."""
import random
from datetime import datetime, timedelta, timezone

from lms_module.grade_sync.timing import (
    BASE_SECONDS, may_send_at, next_send_second, retry_delay, whole_second,
)

T = datetime(2026, 11, 28, 9, 23, 27, 935000, tzinfo=timezone.utc)


def test_the_first_retry_comes_within_about_two_seconds():
    rng = random.Random(1)
    delays = [retry_delay(1, 300, rng=rng) for _ in range(200)]
    assert all(BASE_SECONDS / 2 <= d <= BASE_SECONDS for d in delays)
    assert len(set(delays)) > 100  # jittered, so a class of retries does not arrive at once


def test_the_backoff_doubles_and_is_capped():
    rng = random.Random(2)
    medians = [sorted(retry_delay(n, 300, rng=rng) for _ in range(101))[50] for n in range(1, 12)]
    assert all(b > a for a, b in zip(medians[:7], medians[1:8]))
    assert all(150 <= d <= 300 for d in (retry_delay(30, 300, rng=rng) for _ in range(50)))


def test_retry_after_is_a_lower_bound_and_itself_capped():
    rng = random.Random(3)
    assert retry_delay(1, 300, retry_after=120, rng=rng) == 120
    assert retry_delay(1, 300, retry_after=10**9, rng=rng) == 3600
    assert retry_delay(1, 300, retry_after=0, rng=rng) <= BASE_SECONDS


def test_a_score_must_be_later_in_whole_seconds():
    assert may_send_at(T, None)
    assert not may_send_at(T, T)
    assert not may_send_at(T.replace(microsecond=999999), T.replace(microsecond=0))  # same second: 409
    assert may_send_at(T + timedelta(seconds=1), T)
    assert next_send_second(T) == whole_second(T) + timedelta(seconds=1)
    assert may_send_at(next_send_second(T), T)
