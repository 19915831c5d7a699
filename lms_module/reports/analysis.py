"""The item analysis of an activity's quiz: SQL sums (item_queries) + formulas + the quiz content."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from ..engine import plain
from ..engine.display import listing_text
from ..engine.schema import Quiz as QuizContent
from ..extensions import db
from ..library.models import QuizVersion
from ..library.services import content_of
from . import formulas, item_queries
from .scope import Scope

CHOICE_TYPES = ("single", "multiple", "true_false")


@dataclass(frozen=True)
class OptionRow:
    key: str  # option id, or "true"/"false"
    label: str
    correct: bool
    chosen: list[int]  # [all, bottom third, top third]
    of: list[int]  # attempts containing the question, same groups

    def share(self, group: int) -> float | None:
        return self.chosen[group] / self.of[group] if self.of[group] else None


@dataclass(frozen=True)
class QuestionRow:
    position: int
    question_id: str
    type: str
    text: str
    max_mark: float | None
    stats: formulas.QuestionStats
    options: list[OptionRow] = field(default_factory=list)


# The question table's statistics (names in formulas.QuestionStats), in the order of its columns.
TABLE_STATS = ("facility", "sd_fraction", "discrimination", "efficiency")


@dataclass(frozen=True)
class ItemAnalysis:
    table_stats: ClassVar[tuple[str, ...]] = TABLE_STATS
    chosen: str
    quiz: formulas.QuizStats
    questions: list[QuestionRow]

    @property
    def flagged(self) -> list[QuestionRow]:
        return [q for q in self.questions if q.stats.flags]

    @property
    def column_reasons(self) -> dict[str, str]:
        """For each column of the question table that has no value in any row for the same reason
        (with few attempts: every spread and correlation), that reason by the stat's name: the page
        says it once above the table instead of in every row."""
        shared: dict[str, str] = {}
        for name in TABLE_STATS:
            stats = [getattr(q.stats, name) for q in self.questions]
            reasons = {stat.reason for stat in stats}
            if stats and all(stat.value is None for stat in stats) and len(reasons) == 1:
                shared[name] = reasons.pop()
        return shared


def _contents(current: QuizContent | None, version_ids: list[int]) -> list[QuizContent]:
    """The current quiz first, then the versions the chosen attempts used (a question that was
    removed from the quiz still shows up with the text it had)."""
    found = [current] if current is not None else []
    for version_id in sorted(version_ids, reverse=True):
        version = db.session.get(QuizVersion, version_id)
        if version is not None:
            found.append(content_of(version))
    return found


def item_analysis(scope: Scope, which: str, current: QuizContent | None, locale: str) -> ItemAnalysis:
    if which not in item_queries.CHOSEN:
        raise ValueError(which)
    sums = item_queries.item_sums(scope, which)
    contents = _contents(current, sums.version_ids)
    questions: dict[str, object] = {}
    for content in contents:
        for question in content.questions:
            questions.setdefault(question.id, question)
    # Every question of the current quiz (also those no attempt drew), then any others attempts had.
    order = [q.id for q in current.questions] if current is not None else []
    order += sorted(qid for qid in sums.question_sums if qid not in order)
    choice_ids = [qid for qid in order if getattr(questions.get(qid), "type", None) in CHOICE_TYPES]
    counts = item_queries.option_counts(scope, which, choice_ids)

    empty = formulas.QuestionSums(0, 0.0, 0, 0, 0, 0, 0, 0, True, True)
    rows, variances = [], []
    for position, qid in enumerate(order, start=1):
        question = questions.get(qid)
        question_sums = sums.question_sums.get(qid)
        max_mark = question_sums.max_mark if question_sums else (float(question.points) if question else None)
        stats = formulas.question_stats(question_sums or empty)
        if question_sums:
            variances.append(stats.variance)
        rows.append(QuestionRow(
            position=position, question_id=qid, type=getattr(question, "type", ""),
            text=listing_text(question, locale) if question is not None else qid, max_mark=max_mark, stats=stats,
            options=_options(question, counts, locale) if question is not None else [],
        ))
    same_questions = all(s.n == sums.totals.n for s in sums.question_sums.values())
    quiz = formulas.quiz_stats(sums.totals, variances, same_questions)
    return ItemAnalysis(which, quiz, rows)


def _options(question, counts: item_queries.OptionCounts, locale: str) -> list[OptionRow]:
    if question.type not in CHOICE_TYPES:
        return []
    of = counts.attempts.get(question.id, [0, 0, 0])
    if question.type == "true_false":
        choices = [("true", None, question.answer is True), ("false", None, question.answer is False)]
    else:
        choices = [(o.id, plain(o.text, locale), o.correct) for o in question.options]
    return [OptionRow(key, label if label is not None else key, correct,
                      counts.chosen.get((question.id, key), [0, 0, 0]), of)
            for key, label, correct in choices]
