"""From question scores to an attempt result, and from attempts to the grade of a link."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from .questions import Score
from .schema import GRADING_METHODS, GradingMethod

__all__ = ["GRADING_METHODS", "ActivityGrade", "AttemptResult", "CountedAttempt", "GradingMethod", "activity_grade",
           "attempt_result", "passed"]
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
    """The one place Kontor computes a student's grade for an activity: the start page, the
    gradebook (and its exports), the class summary and the grade sent to the LMS all come from here
    (the gradebook's SQL is checked against it: tests/integration/reports/test_one_grade.py).

    Counted are the attempts taken while the activity was graded and fully graded by now; ungraded
    (practice) attempts, open ones and ones whose essay awaits the instructor never change the
    grade. None without a counted attempt. `attempts_in_start_order` is the order the student
    started them in (attempt number), which decides "first" and "last".

    - highest: the counted attempt with the highest fraction (the earliest of equal ones);
    - last / first: the latest / earliest counted attempt;
    - average: the mean of the counted attempts' fractions, given on the latest counted attempt's
      maximum. Attempts of one quiz version share a maximum, and then this is simply the mean of
      the points (20 and 25 of 30 average to 22.5 of 30). When maxima differ (the quiz changed, or
      random questions carry different points) every attempt weighs the same, not every point:
      10 of 10 and 0 of 30 average to 50 %, not to 25 %.

    Highest, last and first give the chosen attempt's own points and maximum. Nothing is rounded:
    pages round for display, the LMS gets the points as they are."""
    counted = [a for a in attempts_in_start_order if a.graded and a.points is not None]
    if not counted:
        return None
    if method == "highest":
        best = counted[0]
        for attempt in counted[1:]:
            if _fraction(attempt) > _fraction(best):
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
        fractions = [_fraction(a) for a in counted]
        return ActivityGrade(sum(fractions) / len(fractions) * maximum, maximum)
    raise ValueError(f"unknown grading method {method!r}")


def _fraction(attempt: CountedAttempt) -> float:
    return attempt.points / attempt.maximum if attempt.maximum else 0.0


def passed(fraction: float, pass_mark: float) -> bool:
    # Rounded first: 0.7 reached as 7 × 0.1 must pass a pass mark of 0.7.
    return round(fraction, _DIGITS) >= round(pass_mark, _DIGITS)
