"""From question scores to an attempt result, and from attempts to the grade of a link."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

from .questions import Score

GradingMethod = Literal["highest", "last", "first", "average"]
_DIGITS = 4


class AttemptResult(NamedTuple):
    marks: float
    max_marks: float
    fraction: float
    needs_manual: bool  # some answer (an essay) still waits for the instructor


def attempt_result(scores: Sequence[Score]) -> AttemptResult:
    marks = round(sum(s.marks for s in scores), _DIGITS)
    max_marks = round(sum(s.max_marks for s in scores), _DIGITS)
    fraction = round(marks / max_marks, _DIGITS) if max_marks else 0.0
    return AttemptResult(marks, max_marks, fraction, any(s.needs_manual for s in scores))


def link_grade(attempt_fractions_in_start_order: Sequence[float], method: GradingMethod) -> float | None:
    """The grade (0..1) that counts for a link, from the finished attempts; None without attempts."""
    fractions = list(attempt_fractions_in_start_order)
    if not fractions:
        return None
    if method == "highest":
        return max(fractions)
    if method == "last":
        return fractions[-1]
    if method == "first":
        return fractions[0]
    if method == "average":
        return round(sum(fractions) / len(fractions), _DIGITS)
    raise ValueError(f"unknown grading method {method!r}")


def passed(fraction: float, pass_mark: float) -> bool:
    # Rounded first: 0.7 reached as 7 × 0.1 must pass a pass mark of 0.7.
    return round(fraction, _DIGITS) >= round(pass_mark, _DIGITS)
