"""The item analysis formulas on small data sets computed by hand (the computation is in the
comments), and the edge cases where a statistic has no value."""
import math

import pytest

from lms_module.reports import formulas as f
from lms_module.reports.formulas import quiz_stats, question_stats, sums_from_values, totals_from_values

# The worked example (also used by the integration test on the real database):
# four attempts, three questions worth 1 mark each.
#
#   attempt   q1  q2  q3   X
#   A          1   1   1   3
#   B          1   0   1   2
#   C          0   1   0   1
#   D          0   0   0   0
MARKS = {"q1": [1, 1, 0, 0], "q2": [1, 0, 1, 0], "q3": [1, 1, 0, 0]}
TOTALS = [3, 2, 1, 0]


def _rest(qid):
    return [t - x for t, x in zip(TOTALS, MARKS[qid])]


def test_facility_sd_discrimination_and_efficiency_of_q1():
    # x = 1,1,0,0  r = X − x = 2,1,1,0
    # mean x = 0.5 → F = 0.5 / 1 = 0.5
    # Var x = (4 × 0.25) / 3 = 1/3 → SD = 0.57735
    # mean r = 1, Var r = (1 + 0 + 0 + 1) / 3 = 2/3
    # Cov = (0.5·1 + 0.5·0 − 0.5·0 − 0.5·−1) / 3 = 1/3
    # D = 100 · (1/3) / sqrt(1/3 · 2/3) = 100 / √2 = 70.7107
    # sorted x = 0,0,1,1 and sorted r = 0,1,1,2 pair up as they already do → Cov_max = 1/3 → DE = 100
    stats = question_stats(sums_from_values(MARKS["q1"], _rest("q1"), 1.0))
    assert stats.attempts == 4
    assert stats.facility.value == pytest.approx(0.5)
    assert stats.sd.value == pytest.approx(math.sqrt(1 / 3))
    assert stats.sd_fraction.value == pytest.approx(math.sqrt(1 / 3))
    assert stats.discrimination.value == pytest.approx(100 / math.sqrt(2))
    assert stats.efficiency.value == pytest.approx(100)
    assert stats.flags == ()


def test_a_question_unrelated_to_the_rest_has_zero_discrimination():
    # q2: x = 1,0,1,0  r = 2,2,0,0; mean r = 1
    # Cov = (0.5·1 − 0.5·1 + 0.5·−1 − 0.5·−1) / 3 = 0 → D = 0, DE = 0
    # Cov_max: sorted x 0,0,1,1 with sorted r 0,0,2,2 → (0.5 + 0.5 + 0.5 + 0.5) / 3 = 2/3
    stats = question_stats(sums_from_values(MARKS["q2"], _rest("q2"), 1.0))
    assert stats.discrimination.value == pytest.approx(0, abs=1e-9)
    assert stats.efficiency.value == pytest.approx(0, abs=1e-9)


def test_discriminative_efficiency_below_100_when_the_order_is_not_perfect():
    # x = 1,0,1,0  r = 3,2,1,0; mean x 0.5, mean r 1.5
    # Cov = (0.5·1.5 − 0.5·0.5 + 0.5·−0.5 − 0.5·−1.5) / 3 = 1/3
    # Var x = 1/3, Var r = (2.25 + 0.25 + 0.25 + 2.25) / 3 = 5/3 → D = 100 · (1/3) / √(5/9) = 100/√5 = 44.72
    # Cov_max: 0,0,1,1 with 0,1,2,3 → (0.75 + 0.25 + 0.25 + 0.75) / 3 = 2/3 → DE = 50
    stats = question_stats(sums_from_values([1, 0, 1, 0], [3, 2, 1, 0], 1.0))
    assert stats.discrimination.value == pytest.approx(100 / math.sqrt(5))
    assert stats.efficiency.value == pytest.approx(50)


def test_negative_discrimination_is_flagged():
    # Weak attempts get it right: x = 0,0,1,1 with r = 2,1,1,0 → Cov = −1/3 → D = −70.71
    stats = question_stats(sums_from_values([0, 0, 1, 1], [2, 1, 1, 0], 1.0))
    assert stats.discrimination.value == pytest.approx(-100 / math.sqrt(2))
    assert stats.efficiency.value == pytest.approx(-100)
    assert stats.flags == ()  # four attempts are too few to flag
    # The same pattern three times over (12 attempts): the same D, now flagged.
    many = question_stats(sums_from_values([0, 0, 1, 1] * 3, [2, 1, 1, 0] * 3, 1.0))
    assert many.discrimination.value == pytest.approx(-100 / math.sqrt(2))
    assert many.flags == ("negative_discrimination",)


def test_whole_quiz_statistics():
    # X = 3,2,1,0: mean 1.5, Var X = (2.25 + 0.25 + 0.25 + 2.25) / 3 = 5/3
    # Var q1 = Var q2 = Var q3 = 1/3 → Σ = 1
    # CIC = 100 · 3/2 · (1 − 1 / (5/3)) = 150 · 0.4 = 60
    # ER = 100 · √(1 − 0.6) = 63.2456; SE = ER · SD(X) / 100 = 0.632456 · 1.290994 = √(2/3) = 0.8165
    variances = [question_stats(sums_from_values(MARKS[q], _rest(q), 1.0)).variance for q in MARKS]
    assert variances == pytest.approx([1 / 3] * 3)
    stats = quiz_stats(totals_from_values(TOTALS), variances, same_questions=True)
    assert stats.mean.value == pytest.approx(1.5)
    assert stats.sd.value == pytest.approx(math.sqrt(5 / 3))
    assert stats.cic.value == pytest.approx(60)
    assert stats.error_ratio.value == pytest.approx(100 * math.sqrt(0.4))
    assert stats.standard_error.value == pytest.approx(math.sqrt(2 / 3))


def test_one_student():
    # s = 1: the mean and facility exist, every spread needs s − 1 > 0.
    stats = question_stats(sums_from_values([1], [2], 1.0))
    assert stats.facility.value == 1.0
    assert stats.sd.reason == stats.discrimination.reason == stats.efficiency.reason == f.ONE_ATTEMPT
    assert stats.variance is None
    whole = quiz_stats(totals_from_values([3]), [None, None, None], same_questions=True)
    assert whole.sd.reason == f.ONE_ATTEMPT
    assert whole.cic.reason == f.FEW_ATTEMPTS
    assert whole.error_ratio.reason == whole.standard_error.reason == f.NO_CIC


def test_everyone_right():
    # x = 1,1,1: F = 1 (flagged as too easy); Var x = 0 → no discrimination, not a division by zero.
    stats = question_stats(sums_from_values([1, 1, 1], [2, 1, 0], 1.0))
    assert stats.facility.value == 1.0
    assert stats.sd.value == 0.0
    assert stats.discrimination.reason == f.SAME_MARK and stats.efficiency.reason == f.SAME_MARK
    assert stats.flags == ()  # three attempts are too few to flag anything


def test_a_question_nobody_answered():
    # Contained in every attempt but left blank: x = 0,0,0 → F = 0 (too hard), no discrimination.
    blank = question_stats(sums_from_values([0, 0, 0], [2, 1, 0], 1.0))
    assert blank.facility.value == 0.0
    assert blank.discrimination.reason == f.SAME_MARK
    assert blank.flags == ()  # three attempts are too few to flag
    assert question_stats(sums_from_values([0] * 10, list(range(10)), 1.0)).flags == ("too_hard",)
    # Never drawn into any chosen attempt: nothing is defined, and it says why.
    never = question_stats(f.QuestionSums(0, 1.0, 0, 0, 0, 0, 0, 0, True, True))
    assert never.attempts == 0
    assert never.facility.reason == never.discrimination.reason == f.NO_ATTEMPTS
    assert never.flags == ()


def test_the_same_rest_for_everyone_leaves_discrimination_undefined():
    stats = question_stats(sums_from_values([1, 0, 1], [2, 2, 2], 1.0))
    assert stats.discrimination.reason == f.SAME_REST


def test_no_statistic_is_nan_for_degenerate_input():
    for marks, rests in (([0.5, 0.5], [1, 1]), ([0, 1], [0, 0]), ([1], [1]), ([0, 0, 0, 0], [0, 0, 0, 0])):
        stats = question_stats(sums_from_values(marks, rests, 1.0))
        for stat in (stats.facility, stats.sd, stats.discrimination, stats.efficiency):
            assert stat.value is None or math.isfinite(stat.value)
            assert (stat.value is None) == (stat.reason is not None)


def test_coefficient_needs_three_attempts_two_questions_the_same_questions_and_spread():
    assert quiz_stats(totals_from_values([1, 2]), [0.25, 0.25], True).cic.reason == f.FEW_ATTEMPTS
    assert quiz_stats(totals_from_values([1, 2, 0]), [0.25], True).cic.reason == f.ONE_QUESTION
    assert quiz_stats(totals_from_values([1, 2, 0]), [0.25, 0.25], False).cic.reason == f.DIFFERENT_QUESTIONS
    assert quiz_stats(totals_from_values([1, 1, 1]), [0.0, 0.0], True).cic.reason == f.SAME_TOTAL
    assert quiz_stats(totals_from_values([]), [], True).mean.reason == f.NO_GRADED_ATTEMPTS


def test_a_coefficient_of_zero_or_below_is_reported_not_hidden():
    # x1 = 1,0,1,0 and x2 = 0,1,1,0 → X = 1,1,2,0; mean 1, Var X = (0 + 0 + 1 + 1) / 3 = 2/3
    # Var x1 = Var x2 = 1/3 → CIC = 100 · 2/1 · (1 − (2/3) / (2/3)) = 0 → ER = 100 · √1 = 100
    zero = quiz_stats(totals_from_values([1, 1, 2, 0]), [1 / 3, 1 / 3], True)
    assert zero.cic.value == pytest.approx(0, abs=1e-9)
    assert zero.error_ratio.value == pytest.approx(100)
    # Totals that vary less than the questions: X = 1,1,1,2, mean 1.25,
    # Σ(X − mean)² = 3 · 0.0625 + 0.5625 = 0.75 → Var X = 0.25
    # CIC = 100 · 2 · (1 − (2/3) / 0.25) = −333.33, and ER = 100 · √(1 + 3.3333) > 100
    negative = quiz_stats(totals_from_values([1, 1, 1, 2]), [1 / 3, 1 / 3], True)
    assert negative.cic.value == pytest.approx(-1000 / 3)
    assert negative.error_ratio.value == pytest.approx(100 * math.sqrt(1 + 10 / 3))


def test_facility_flags_use_the_stated_thresholds():
    enough = f.FLAG_MIN_ATTEMPTS
    easy = f.question_flags(f.Stat(0.96), f.Stat(10.0), enough)
    hard = f.question_flags(f.Stat(0.19), f.Stat(10.0), enough)
    fine = f.question_flags(f.Stat(0.95), f.Stat(0.0), enough)
    assert easy == ("too_easy",) and hard == ("too_hard",) and fine == ()


def test_no_flags_from_too_few_attempts():
    """Two attempts flagged 13 of 20 questions as very easy: flags need FLAG_MIN_ATTEMPTS (10)."""
    assert f.FLAG_MIN_ATTEMPTS == 10
    few = f.FLAG_MIN_ATTEMPTS - 1
    assert f.question_flags(f.Stat(1.0), f.Stat(-50.0), few) == ()
    assert f.question_flags(f.Stat(0.0), f.Stat(10.0), few) == ()
    assert f.question_flags(f.Stat(1.0), f.Stat(-50.0), few + 1) == ("negative_discrimination", "too_easy")
    stats = question_stats(sums_from_values([1] * few, list(range(few)), 1.0))
    assert stats.facility.value == 1.0 and stats.flags == ()
    stats = question_stats(sums_from_values([1] * (few + 1), list(range(few + 1)), 1.0))
    assert stats.flags == ("too_easy",)


def test_partial_marks_and_a_larger_maximum():
    # Max mark 2: x = 2, 1.5, 0.5, 0 → mean 1 → F = 0.5; Var x = (1 + 0.25 + 0.25 + 1) / 3 = 5/6
    stats = question_stats(sums_from_values([2, 1.5, 0.5, 0], [3, 2, 2, 1], 2.0))
    assert stats.facility.value == pytest.approx(0.5)
    assert stats.sd.value == pytest.approx(math.sqrt(5 / 6))
    assert stats.sd_fraction.value == pytest.approx(math.sqrt(5 / 6) / 2)


def test_histogram_bins_and_median():
    assert [f.histogram_bin(v) for v in (0.0, 0.0999, 0.1, 0.3, 0.95, 1.0)] == [0, 0, 1, 3, 9, 9]
    assert f.bin_lower_edges() == [i / 10 for i in range(10)]
    assert f.median([]) is None
    assert f.median([0.3]) == 0.3
    assert f.median([0.9, 0.1, 0.5]) == 0.5
    assert f.median([0.1, 0.2, 0.4, 0.9]) == pytest.approx(0.3)
