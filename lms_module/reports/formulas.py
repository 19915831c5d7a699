"""Item analysis and class statistics as formulas on plain numbers: no database, no Flask.

The query module hands over sufficient statistics (counts and sums computed by SQL); everything
here turns them into the numbers of Moodle's quiz statistics report. The definitions are written
out in docs/reports.md. A statistic that is not defined for the data (too few attempts, no
spread) is a `Stat` with a `reason` instead of a value, never NaN or an exception.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Questions that look broken (Moodle's rules of thumb).
EASY_ABOVE = 0.95
HARD_BELOW = 0.2
# Below this many analysed attempts containing a question, its facility and discrimination say
# more about chance than about the question: it is not flagged (with two attempts, 13 of 20
# questions were "very easy"). The item analysis page states the number.
FLAG_MIN_ATTEMPTS = 10

# Why a statistic has no value; the pages turn these codes into sentences.
NO_ATTEMPTS = "no_attempts"  # no chosen attempt contained the question
NO_GRADED_ATTEMPTS = "no_graded_attempts"  # the whole quiz: no graded attempt to analyse at all
ONE_ATTEMPT = "one_attempt"  # a spread needs at least two attempts
NO_MAX_MARK = "no_max_mark"
SAME_MARK = "same_mark"  # every attempt has the same mark on the question
SAME_REST = "same_rest"  # every attempt has the same total on the other questions
FEW_ATTEMPTS = "few_attempts"  # the coefficient needs more than two attempts
ONE_QUESTION = "one_question"
SAME_TOTAL = "same_total"
DIFFERENT_QUESTIONS = "different_questions"  # attempts drew different sets of questions
NO_CIC = "no_cic"


@dataclass(frozen=True)
class Stat:
    """A statistic's value, or why it has none."""

    value: float | None
    reason: str | None = None

    @classmethod
    def undefined(cls, reason: str) -> Stat:
        return cls(None, reason)

    @property
    def defined(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class QuestionSums:
    """One question over the s attempts that contained it: x its mark, r = X − x the rest of the
    attempt's total. `sum_sorted_xr` is Σ x₍ₖ₎·r₍ₖ₎ with x and r each sorted on their own."""

    n: int
    max_mark: float
    sum_x: float
    sum_xx: float
    sum_r: float
    sum_rr: float
    sum_xr: float
    sum_sorted_xr: float
    x_constant: bool  # decided exactly by the caller (minimum equals maximum)
    r_constant: bool


@dataclass(frozen=True)
class TotalSums:
    """The attempt totals X over the chosen attempts."""

    n: int
    sum_total: float
    sum_total_sq: float
    constant: bool


def sums_from_values(marks: Sequence[float], rests: Sequence[float], max_mark: float) -> QuestionSums:
    """The sums from lists of values (for tests and small data; the reports get them from SQL)."""
    pairs = list(zip(marks, rests, strict=True))
    return QuestionSums(
        n=len(pairs),
        max_mark=max_mark,
        sum_x=sum(x for x, _ in pairs),
        sum_xx=sum(x * x for x, _ in pairs),
        sum_r=sum(r for _, r in pairs),
        sum_rr=sum(r * r for _, r in pairs),
        sum_xr=sum(x * r for x, r in pairs),
        sum_sorted_xr=sum(x * r for x, r in zip(sorted(marks), sorted(rests))),
        x_constant=len(set(marks)) <= 1,
        r_constant=len(set(rests)) <= 1,
    )


def totals_from_values(totals: Sequence[float]) -> TotalSums:
    return TotalSums(len(totals), sum(totals), sum(t * t for t in totals), len(set(totals)) <= 1)


def sample_variance(n: int, total: float, total_sq: float, constant: bool = False) -> float | None:
    """Σ(v − mean)² / (n − 1) from the sums; None for fewer than two values."""
    if n < 2:
        return None
    if constant:
        return 0.0
    return max(0.0, (total_sq - total * total / n) / (n - 1))


def sample_covariance(n: int, sum_xy: float, sum_x: float, sum_y: float) -> float | None:
    if n < 2:
        return None
    return (sum_xy - sum_x * sum_y / n) / (n - 1)


@dataclass(frozen=True)
class QuestionStats:
    attempts: int
    mean: Stat  # mean mark
    facility: Stat  # mean mark / max mark, 0..1
    sd: Stat  # standard deviation of the mark
    sd_fraction: Stat  # sd / max mark
    discrimination: Stat  # −100..100
    efficiency: Stat  # discriminative efficiency, −100..100
    variance: float | None  # of the mark, for the coefficient of internal consistency
    flags: tuple[str, ...]


def question_stats(s: QuestionSums) -> QuestionStats:
    if s.n == 0:
        none = Stat.undefined(NO_ATTEMPTS)
        return QuestionStats(0, none, none, none, none, none, none, None, ())
    mean = s.sum_x / s.n
    facility = Stat(mean / s.max_mark) if s.max_mark > 0 else Stat.undefined(NO_MAX_MARK)

    var_x = sample_variance(s.n, s.sum_x, s.sum_xx, s.x_constant)
    var_r = sample_variance(s.n, s.sum_r, s.sum_rr, s.r_constant)
    if var_x is None or var_r is None:
        sd = sd_fraction = discrimination = efficiency = Stat.undefined(ONE_ATTEMPT)
    else:
        sd = Stat(math.sqrt(var_x))
        sd_fraction = Stat(sd.value / s.max_mark) if s.max_mark > 0 else Stat.undefined(NO_MAX_MARK)
        if var_x == 0:
            discrimination = efficiency = Stat.undefined(SAME_MARK)
        elif var_r == 0:
            discrimination = efficiency = Stat.undefined(SAME_REST)
        else:
            cov = sample_covariance(s.n, s.sum_xr, s.sum_x, s.sum_r)
            cov_max = sample_covariance(s.n, s.sum_sorted_xr, s.sum_x, s.sum_r)
            discrimination = Stat(_clamp(100 * cov / math.sqrt(var_x * var_r)))
            # Both sorted sequences vary, so Cov_max > 0 (Chebyshev's sum inequality); rounding aside.
            efficiency = Stat(_clamp(100 * cov / cov_max)) if cov_max > 0 else Stat.undefined(SAME_REST)
    return QuestionStats(s.n, Stat(mean), facility, sd, sd_fraction, discrimination, efficiency, var_x,
                         question_flags(facility, discrimination, s.n))


def question_flags(facility: Stat, discrimination: Stat, attempts: int) -> tuple[str, ...]:
    """Why a question looks broken: it separates the wrong way, or nearly everyone (no one) gets it;
    nothing below FLAG_MIN_ATTEMPTS attempts."""
    flags: list[str] = []
    if attempts < FLAG_MIN_ATTEMPTS:
        return ()
    if discrimination.defined and discrimination.value < 0:
        flags.append("negative_discrimination")
    if facility.defined and facility.value > EASY_ABOVE:
        flags.append("too_easy")
    if facility.defined and facility.value < HARD_BELOW:
        flags.append("too_hard")
    return tuple(flags)


def _clamp(value: float) -> float:
    # |correlation| ≤ 1 and |Cov| ≤ Cov_max mathematically; floating point may overshoot by an ulp.
    return max(-100.0, min(100.0, value))


@dataclass(frozen=True)
class QuizStats:
    attempts: int
    questions: int
    mean: Stat
    sd: Stat
    cic: Stat  # coefficient of internal consistency, %
    error_ratio: Stat  # %
    standard_error: Stat  # in marks


def quiz_stats(totals: TotalSums, question_variances: Sequence[float | None], same_questions: bool) -> QuizStats:
    """Whole-test statistics over the chosen attempts.

    `question_variances`: the sample variance of each analysed question's mark (None when it has
    none). `same_questions`: every chosen attempt contained every analysed question; the
    coefficient assumes that, so it is left undefined when attempts drew different questions."""
    p = len(question_variances)
    if totals.n == 0:
        none = Stat.undefined(NO_GRADED_ATTEMPTS)
        return QuizStats(0, p, none, none, none, none, none)
    mean = Stat(totals.sum_total / totals.n)
    var_total = sample_variance(totals.n, totals.sum_total, totals.sum_total_sq, totals.constant)
    sd = Stat(math.sqrt(var_total)) if var_total is not None else Stat.undefined(ONE_ATTEMPT)
    cic = _cic(totals.n, p, var_total, question_variances, same_questions)
    if not cic.defined:
        error_ratio = standard_error = Stat.undefined(NO_CIC)
    else:
        # CIC ≤ 100 always (variances are not negative), so the root is real.
        error_ratio = Stat(100 * math.sqrt(max(0.0, 1 - cic.value / 100)))
        standard_error = Stat(error_ratio.value * sd.value / 100)
    return QuizStats(totals.n, p, mean, sd, cic, error_ratio, standard_error)


def _cic(s: int, p: int, var_total: float | None, variances: Sequence[float | None], same_questions: bool) -> Stat:
    if s <= 2:
        return Stat.undefined(FEW_ATTEMPTS)
    if p <= 1:
        return Stat.undefined(ONE_QUESTION)
    if not same_questions or any(v is None for v in variances):
        return Stat.undefined(DIFFERENT_QUESTIONS)
    if not var_total:
        return Stat.undefined(SAME_TOTAL)
    return Stat(100 * p / (p - 1) * (1 - sum(variances) / var_total))


# --- class summary -------------------------------------------------------------------------------

BINS = 10


def bin_lower_edges(bins: int = BINS) -> list[float]:
    """Lower edges of equal bins over 0..1; the last bin includes 1 (a full score)."""
    return [i / bins for i in range(bins)]


def histogram_bin(fraction: float, bins: int = BINS) -> int:
    """The bin of a score; scores are stored to four decimals, so 0.3 lands in [0.3, 0.4)."""
    for index in range(bins - 1, 0, -1):
        if fraction >= index / bins - 1e-9:
            return index
    return 0


def median(values: Sequence[float]) -> float | None:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
