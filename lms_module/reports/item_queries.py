"""The item analysis' reads: per-question sums over the chosen attempts (difficulty, discrimination)
and how often each option was chosen, as SQL aggregates; the statistics are in analysis.py/formulas.py.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Text, and_, case, cast, func, select

from ..attempts.models import SUBMITTED, Answer, Attempt
from ..extensions import db
from . import formulas
from .scope import Scope, own_attempts
from .sql import plain_plans

CHOSEN = ("all", "first", "highest", "last")


def chosen_attempts(scope: Scope, which: str):
    """The graded attempts the analysis covers: all, or one per student (first, highest, last)."""
    base = (own_attempts(scope), Attempt.status == SUBMITTED)
    columns = (Attempt.id, Attempt.user_id, Attempt.quiz_version_id, Attempt.marks.label("total"), Attempt.fraction)
    if which == "all":
        return select(*columns).where(*base).cte("chosen")
    order = {
        "first": [Attempt.number.asc()],
        "last": [Attempt.number.desc()],
        "highest": [Attempt.fraction.desc(), Attempt.number.asc()],
    }[which]
    ranked = select(*columns, func.row_number().over(partition_by=Attempt.user_id, order_by=order).label("pick")).where(
        *base
    ).subquery("ranked_attempts")
    return select(ranked.c.id, ranked.c.user_id, ranked.c.quiz_version_id, ranked.c.total, ranked.c.fraction).where(
        ranked.c.pick == 1
    ).cte("chosen")


@dataclass(frozen=True)
class ItemSums:
    question_sums: dict[str, formulas.QuestionSums]
    totals: formulas.TotalSums
    version_ids: list[int]


SCALE = 10000  # marks are stored to four decimals: in ten-thousandths they are whole numbers


def _marks_histogram(chosen):
    """(question, x, r, count) over the chosen attempts: x the question's mark and r = X − x the
    rest of the attempt, both in ten-thousandths of a point. Marks take few values, so this one
    GROUP BY over the answers has a few thousand rows, and everything else is computed from it."""
    mark = func.coalesce(Answer.manual_marks, Answer.marks, 0.0)
    x = func.round(mark * SCALE)
    r = func.round((func.coalesce(chosen.c.total, 0.0) - mark) * SCALE)
    return (
        select(Answer.question_id.label("q"), x.label("x"), r.label("r"), func.count().label("c"),
               func.max(Answer.max_marks).label("m"))
        .join(chosen, chosen.c.id == Answer.attempt_id)
        .group_by(Answer.question_id, x, r)
        .cte("histogram")
    )


def _ranks(histogram, value):
    """Each distinct value of a question with the ranks it takes in sorted order: (lo, hi]."""
    grouped = select(histogram.c.q, value.label("v"), func.sum(histogram.c.c).label("c")).group_by(
        histogram.c.q, value
    ).subquery()
    hi = func.sum(grouped.c.c).over(partition_by=grouped.c.q, order_by=grouped.c.v)
    return select(grouped.c.q, grouped.c.v, (hi - grouped.c.c).label("lo"), hi.label("hi")).subquery()


def item_sums(scope: Scope, which: str) -> ItemSums:
    """The sufficient statistics of the item analysis, one row per question."""
    plain_plans()
    chosen = chosen_attempts(scope, which)
    h = _marks_histogram(chosen)
    sums = select(
        h.c.q,
        func.sum(h.c.c).label("n"),
        func.max(h.c.m).label("m"),
        func.sum(h.c.c * h.c.x).label("sx"),
        func.sum(h.c.c * h.c.x * h.c.x).label("sxx"),
        func.sum(h.c.c * h.c.r).label("sr"),
        func.sum(h.c.c * h.c.r * h.c.r).label("srr"),
        func.sum(h.c.c * h.c.x * h.c.r).label("sxr"),
        func.count(func.distinct(h.c.x)).label("x_values"),
        func.count(func.distinct(h.c.r)).label("r_values"),
    ).group_by(h.c.q).subquery("sums")
    # Cov_max pairs the k-th smallest mark with the k-th smallest rest. With the ranks each value
    # covers, Σ x₍ₖ₎·r₍ₖ₎ = Σ over overlapping (x, r) rank ranges of x · r · |overlap|.
    xs, rs = _ranks(h, h.c.x), _ranks(h, h.c.r)
    upper = case((xs.c.hi < rs.c.hi, xs.c.hi), else_=rs.c.hi)
    lower = case((xs.c.lo > rs.c.lo, xs.c.lo), else_=rs.c.lo)
    sorted_products = select(xs.c.q, func.sum(xs.c.v * rs.c.v * (upper - lower)).label("sorted_xr")).join(
        rs, and_(rs.c.q == xs.c.q, rs.c.lo < xs.c.hi, xs.c.lo < rs.c.hi)
    ).group_by(xs.c.q).subquery("sorted_products")
    rows = db.session.execute(
        select(sums, sorted_products.c.sorted_xr).join(sorted_products, sorted_products.c.q == sums.c.q)
    ).all()
    unit, square = SCALE, SCALE * SCALE
    question_sums = {
        r.q: formulas.QuestionSums(
            n=int(r.n), max_mark=float(r.m or 0), sum_x=float(r.sx) / unit, sum_xx=float(r.sxx) / square,
            sum_r=float(r.sr) / unit, sum_rr=float(r.srr) / square, sum_xr=float(r.sxr) / square,
            sum_sorted_xr=float(r.sorted_xr) / square, x_constant=r.x_values == 1, r_constant=r.r_values == 1,
        )
        for r in rows
    }
    total = func.coalesce(chosen.c.total, 0.0)
    n, s, ss, values = db.session.execute(
        select(func.count(), func.sum(total), func.sum(total * total),
               func.count(func.distinct(func.round(total * SCALE))))
    ).one()
    versions = [v for (v,) in db.session.execute(select(chosen.c.quiz_version_id).distinct())]
    totals = formulas.TotalSums(int(n), float(s or 0), float(ss or 0), values <= 1)
    return ItemSums(question_sums, totals, versions)


@dataclass(frozen=True)
class OptionCounts:
    """How often each option was chosen, overall and in the bottom and top third of attempts
    (by the attempt's score); `attempts` are the attempts that contained the question."""

    attempts: dict[str, list[int]]  # question id -> [all, bottom third, top third]
    chosen: dict[tuple[str, str], list[int]]  # (question id, option key) -> [all, bottom, top]


def _chosen_keys(response: dict) -> list[str]:
    """Option keys of a choice question's response: option ids, or 'true'/'false'."""
    if isinstance(response.get("choice"), str):
        return [response["choice"]]
    if isinstance(response.get("choices"), list):
        return [str(c) for c in response["choices"]]
    if isinstance(response.get("value"), bool):
        return ["true" if response["value"] else "false"]
    return []


def option_counts(scope: Scope, which: str, question_ids: Sequence[str]) -> OptionCounts:
    """For choice questions (single, multiple, true/false). A choice question has few distinct
    responses, so the answers are grouped by their stored text in SQL and only those groups are
    decoded here."""
    plain_plans()
    attempts: dict[str, list[int]] = {}
    chosen_counts: dict[tuple[str, str], list[int]] = {}
    if not question_ids:
        return OptionCounts(attempts, chosen_counts)
    chosen = chosen_attempts(scope, which)
    thirds = select(chosen.c.id, func.ntile(3).over(order_by=(chosen.c.fraction, chosen.c.id)).label("third")).cte(
        "thirds"
    )
    response_text = cast(Answer.response, Text)
    rows = db.session.execute(
        select(Answer.question_id, thirds.c.third, response_text, func.count())
        .join(thirds, thirds.c.id == Answer.attempt_id)
        .where(Answer.question_id.in_(list(question_ids)))
        .group_by(Answer.question_id, thirds.c.third, response_text)
    )
    for qid, third, raw, count in rows:
        groups = (0, 1) if third == 1 else (0, 2) if third == 3 else (0,)
        slot = attempts.setdefault(qid, [0, 0, 0])
        try:
            keys = _chosen_keys(json.loads(raw) if raw else {})
        except (ValueError, AttributeError):
            keys = []
        for group in groups:
            slot[group] += count
        for key in keys:
            chosen_slot = chosen_counts.setdefault((qid, key), [0, 0, 0])
            for group in groups:
                chosen_slot[group] += count
    return OptionCounts(attempts, chosen_counts)
