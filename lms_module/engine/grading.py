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


class CountedAttempt(NamedTuple):
    """One attempt as the activity grade sees it."""

    points: float | None  # None while it is not fully graded (open, or an essay waits)
    maximum: float
    graded: bool  # taken while the activity sent grades (exams; practice with grading on)


class ActivityGrade(NamedTuple):
    """A student's grade for an activity: points of maximum, exactly as the attempts hold them
    (23 of 30 stays 23 of 30; no fraction rounded and multiplied back)."""

    points: float
    maximum: float

    @property
    def fraction(self) -> float:
        return self.points / self.maximum if self.maximum else 0.0


def activity_grade(attempts_in_start_order: Sequence[CountedAttempt], method: GradingMethod) -> ActivityGrade | None:
    """The grade that counts: the grading method applied to the graded, fully graded attempts;
    None without one. Highest, last and first give the chosen attempt's own points and maximum;
    average gives the mean fraction of the latest counted attempt's maximum (the mean of the
    points when every maximum is the same)."""
    counted = [a for a in attempts_in_start_order if a.graded and a.points is not None]
    if not counted:
        return None
    if method == "highest":
        best = counted[0]
        for attempt in counted[1:]:
            if attempt.points * best.maximum > best.points * attempt.maximum:  # a strictly higher fraction
                best = attempt
        return ActivityGrade(best.points, best.maximum)
    if method == "last":
        return ActivityGrade(counted[-1].points, counted[-1].maximum)
    if method == "first":
        return ActivityGrade(counted[0].points, counted[0].maximum)
    if method == "average":
        maximum = counted[-1].maximum
        if all(a.maximum == maximum for a in counted):
            return ActivityGrade(sum(a.points for a in counted) / len(counted), maximum)
        fractions = [a.points / a.maximum if a.maximum else 0.0 for a in counted]
        return ActivityGrade(sum(fractions) / len(fractions) * maximum, maximum)
    raise ValueError(f"unknown grading method {method!r}")


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
