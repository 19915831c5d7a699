"""engine.activity_grade: the one place an activity grade is computed from attempts (issue 11),
unrounded points of a maximum (issue 10: 23 of 30 must not become 23.001)."""
import pytest

from lms_module.engine import ActivityGrade, CountedAttempt, activity_grade


def A(points, maximum=30.0, graded=True):
    return CountedAttempt(points, maximum, graded)


@pytest.mark.parametrize(("method", "expected"), [
    ("highest", ActivityGrade(25.0, 30.0)), ("last", ActivityGrade(20.0, 30.0)),
    ("first", ActivityGrade(23.0, 30.0)), ("average", ActivityGrade(68.0 / 3, 30.0)),
])
def test_every_method_gives_points_and_maximum(method, expected):
    assert activity_grade([A(23.0), A(25.0), A(20.0)], method) == expected


def test_the_chosen_attempt_keeps_its_own_maximum():
    # 9 of 10 beats 23 of 30: highest compares fractions and gives that attempt's points.
    assert activity_grade([A(23.0), A(9.0, 10.0)], "highest") == ActivityGrade(9.0, 10.0)
    grade = activity_grade([A(5.0, 10.0), A(30.0, 40.0)], "average")
    assert grade.maximum == 40.0 and grade.points == pytest.approx(25.0)


def test_ungraded_and_unfinished_attempts_do_not_count():
    attempts = [A(30.0, graded=False), A(None), A(12.0)]
    assert activity_grade(attempts, "highest") == ActivityGrade(12.0, 30.0)
    assert activity_grade(attempts, "first") == ActivityGrade(12.0, 30.0)
    assert activity_grade([A(None), A(30.0, graded=False)], "last") is None
    assert activity_grade([], "average") is None


def test_ties_go_to_the_earlier_attempt_and_exact_values_stay_exact():
    assert activity_grade([A(15.0), A(5.0, 10.0)], "highest") == ActivityGrade(15.0, 30.0)
    assert activity_grade([A(40.0, 44.0)], "last").points == 40.0
    assert activity_grade([A(23.0)], "highest").fraction == 23.0 / 30.0


def test_an_unknown_method_is_refused():
    with pytest.raises(ValueError):
        activity_grade([A(1.0)], "median")  # type: ignore[arg-type]
