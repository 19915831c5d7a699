"""Properties of engine.activity_grade over random attempt sets and every grading method (issue 11):
whatever the attempts, the grade stays within the counted attempts, ungraded ones never move it, and
each method picks what its name says."""
from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from lms_module.engine import GRADING_METHODS, CountedAttempt, activity_grade

maxima = st.sampled_from([0.0, 1.0, 3.0, 10.0, 30.0, 44.0]) | st.floats(0.5, 500.0, allow_nan=False)


@st.composite
def attempt(draw, graded=st.booleans()):
    maximum = draw(maxima)
    points = draw(st.none() | st.floats(0.0, maximum, allow_nan=False, allow_infinity=False))
    return CountedAttempt(points, maximum, draw(graded))


attempt_sets = st.lists(attempt(), max_size=12)
methods = st.sampled_from(GRADING_METHODS)
close = dict(rel_tol=1e-9, abs_tol=1e-12)


def fraction(a: CountedAttempt) -> float:
    return a.points / a.maximum if a.maximum else 0.0


def counted(attempts):
    return [a for a in attempts if a.graded and a.points is not None]


def at_most(a: float, b: float) -> bool:
    return a <= b or math.isclose(a, b, **close)


@settings(max_examples=400)
@given(attempt_sets, methods)
def test_no_grade_without_a_counted_attempt_and_otherwise_within_them(attempts, method):
    grade = activity_grade(attempts, method)
    if not counted(attempts):
        assert grade is None
        return
    fractions = [fraction(a) for a in counted(attempts)]
    assert grade is not None
    assert at_most(min(fractions), grade.fraction) and at_most(grade.fraction, max(fractions))
    assert math.isfinite(grade.points) and grade.points >= 0 and at_most(grade.points, grade.maximum)


@settings(max_examples=400)
@given(attempt_sets, st.lists(attempt(graded=st.just(False)), max_size=6), st.randoms(use_true_random=False), methods)
def test_ungraded_attempts_never_change_the_grade(attempts, ungraded, random, method):
    mixed = list(attempts)
    for extra in ungraded:  # anywhere in the order
        mixed.insert(random.randint(0, len(mixed)), extra)
    assert activity_grade(mixed, method) == activity_grade(attempts, method)


@given(attempt_sets)
def test_first_and_last_pick_by_start_order(attempts):
    chosen = counted(attempts)
    first, last = activity_grade(attempts, "first"), activity_grade(attempts, "last")
    if not chosen:
        assert first is None and last is None
        return
    assert (first.points, first.maximum) == (chosen[0].points, chosen[0].maximum)
    assert (last.points, last.maximum) == (chosen[-1].points, chosen[-1].maximum)


@settings(max_examples=400)
@given(attempt_sets)
def test_highest_is_at_least_every_counted_attempt_and_is_one_of_them(attempts):
    grade = activity_grade(attempts, "highest")
    chosen = counted(attempts)
    if not chosen:
        assert grade is None
        return
    assert all(grade.fraction >= fraction(a) for a in chosen)
    assert (grade.points, grade.maximum) in [(a.points, a.maximum) for a in chosen]


@given(attempt_sets, methods)
def test_open_attempts_and_attempts_awaiting_grading_do_not_count(attempts, method):
    waiting = [CountedAttempt(None, a.maximum, True) for a in attempts]
    assert activity_grade(attempts + waiting, method) == activity_grade(attempts, method)


@given(st.lists(st.floats(0.0, 30.0, allow_nan=False), min_size=1, max_size=10))
def test_average_with_one_maximum_is_the_mean_of_the_points(points):
    grade = activity_grade([CountedAttempt(p, 30.0, True) for p in points], "average")
    assert grade.maximum == 30.0
    assert math.isclose(grade.points, sum(points) / len(points), **close)


@given(st.lists(attempt(graded=st.just(True)), min_size=1, max_size=10))
def test_average_weighs_every_attempt_the_same_on_the_latest_maximum(attempts):
    grade = activity_grade(attempts, "average")
    chosen = counted(attempts)
    if not chosen:
        assert grade is None
        return
    assert grade.maximum == chosen[-1].maximum
    mean = sum(fraction(a) for a in chosen) / len(chosen)
    if grade.maximum:
        assert math.isclose(grade.fraction, mean, **close)
