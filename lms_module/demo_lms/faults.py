"""Fault injection: canned failures, delays and a "down" switch for the tool's resilience tests."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

# Endpoint kinds a test can target. "results", "auth", "registration" and "deeplink_return"
# go beyond the brief's list because the tool's tests will want them too.
FAULT_KINDS = frozenset(
    {
        "token",
        "scores",
        "lineitems",
        "lineitem",
        "results",
        "nrps",
        "certs",
        "auth",
        "registration",
        "deeplink_return",
    }
)


# An injected status of 0 drops the connection instead of answering (see app._drop_connection).
DROP_CONNECTION = 0


@dataclass
class InjectedFailure:
    status: int
    remaining: int
    retry_after: int | str | None = None
    body: Any = None


@dataclass(frozen=True)
class FaultDecision:
    """What the request hook must do before the real handler runs."""

    delay_seconds: float = 0.0
    status: int | None = None
    retry_after: int | str | None = None
    body: Any = None


class FaultPlan:
    """Not thread-safe on its own: PlatformState calls it under its lock."""

    def __init__(self) -> None:
        self.failures: dict[str, list[InjectedFailure]] = {}
        self.delays: dict[str, float] = {}
        self.down = False
        self.down_drops_connections = False
        self.request_counts: Counter[str] = Counter()

    def inject(self, kind: str, failure: InjectedFailure) -> None:
        _check_kind(kind)
        if failure.remaining < 1:
            raise ValueError("times must be at least 1")
        self.failures.setdefault(kind, []).append(failure)

    def set_delay(self, kind: str, seconds: float) -> None:
        _check_kind(kind)
        if seconds <= 0:
            self.delays.pop(kind, None)
        else:
            self.delays[kind] = seconds

    def clear(self) -> None:
        self.failures.clear()
        self.delays.clear()
        self.down = False
        self.down_drops_connections = False

    def decide(self, kind: str | None) -> FaultDecision:
        """Count the request and consume one injected failure for its kind, if any."""
        if kind is not None:
            self.request_counts[kind] += 1
        delay = self.delays.get(kind, 0.0) if kind else 0.0
        if self.down:
            return FaultDecision(delay, DROP_CONNECTION if self.down_drops_connections else 503, None, None)
        queue = self.failures.get(kind or "", [])
        if not queue:
            return FaultDecision(delay)
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining == 0:
            queue.pop(0)
        return FaultDecision(delay, failure.status, failure.retry_after, failure.body)


def _check_kind(kind: str) -> None:
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; known: {sorted(FAULT_KINDS)}")
