"""How big an attempt of a quiz is, for the start page: how many questions and how many points
(a range when random draws or questions_per_attempt make attempts differ)."""
from __future__ import annotations

from dataclasses import dataclass

from .schema import Quiz


@dataclass(frozen=True)
class AttemptSize:
    questions: int
    min_points: float
    max_points: float

    @property
    def fixed(self) -> bool:
        return self.min_points == self.max_points


def attempt_size(quiz: Quiz, questions_per_attempt: int | None = None) -> AttemptSize:
    fixed = [float(q.points) for q in quiz.questions if q.pool is None]
    low, high = list(fixed), list(fixed)
    for draw in quiz.draws:
        pool = sorted(float(q.points) for q in quiz.questions if q.pool == draw.pool)
        take = min(draw.count, len(pool))
        low += pool[:take]
        high += pool[len(pool) - take:]
    count = len(low)
    if questions_per_attempt is not None and 0 < questions_per_attempt < count:
        count = questions_per_attempt
        low = sorted(low)[:count]
        high = sorted(high)[len(high) - count:]
    return AttemptSize(count, round(sum(low), 4), round(sum(high), 4))
