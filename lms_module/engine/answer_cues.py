"""Answer cues: patterns that let a test-wise learner guess keys without knowing the subject.

Three statistics over a set of quizzes, per topic and overall (see quizzes/README.md):

- *longest key*: in how many single and multiple choice questions a correct option is the longest
  option (characters of the text as shown, Markdown markers removed; a tie counts as longest),
  for German and English separately;
- *key positions*: the share of keys in each option position (file order) of choice questions;
- *true/false balance*: the share of true/false questions whose answer is true.

`cue_findings` compares them with the limits below. The built-in library treats a finding as an
error; for instructors' own files the same findings are warnings. Plain Python: the callers turn a
finding into a message in the reader's language (`CueFinding.__str__` is the English one).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from .schema import TOPICS, MultipleQuestion, Quiz, SingleQuestion, TrueFalseQuestion
from .text import LOCALES, plain

LONGEST_KEY_LIMIT = 0.30  # across the set of quizzes
LONGEST_KEY_TOPIC_LIMIT = 0.35  # in any one topic
POSITION_LIMIT = 0.60  # keys in one position of a topic ...
POSITION_MIN_QUESTIONS = 10  # ... judged only with this many choice questions of 3+ options
TRUE_SHARE_RANGE = (0.20, 0.80)  # share of true answers in a topic ...
TRUE_FALSE_MIN_QUESTIONS = 6  # ... judged only with this many true/false questions
_LANGUAGE_NAMES = {"de": "German", "en": "English"}

Kind = Literal["longest", "position", "true_false"]


@dataclass
class CueStats:
    """The statistics of one topic, or of everything (`topic` None)."""

    topic: str | None
    choice: int = 0  # single and multiple choice questions
    longest: dict[str, list[str]] = field(default_factory=lambda: {lang: [] for lang in LOCALES})
    positioned: int = 0  # choice questions with 3 or more options
    positions: Counter[int] = field(default_factory=Counter)  # 1-based position -> keys there
    true_false: int = 0
    true_keys: int = 0

    def longest_rate(self, lang: str) -> float | None:
        return len(self.longest[lang]) / self.choice if self.choice else None

    def position_shares(self) -> list[float]:
        total = sum(self.positions.values())
        if not total:
            return []
        return [self.positions[p] / total for p in range(1, max(self.positions) + 1)]

    def true_share(self) -> float | None:
        return self.true_keys / self.true_false if self.true_false else None


@dataclass(frozen=True)
class CueStatistics:
    topics: tuple[CueStats, ...]  # topics present, in the order of TOPICS
    overall: CueStats


@dataclass(frozen=True)
class CueFinding:
    """One statistic beyond its limit. `topic` None means the whole set of quizzes."""

    kind: Kind
    topic: str | None
    share: float
    limit: float
    count: int
    total: int
    language: str | None = None  # longest
    position: int | None = None  # position
    questions: tuple[str, ...] = ()  # "slug/question-id" of the questions concerned (longest)

    @property
    def percent(self) -> int:
        return round(self.share * 100)

    @property
    def limit_percent(self) -> int:
        return round(self.limit * 100)

    def __str__(self) -> str:
        scope = f"topic {self.topic!r}" if self.topic else "all quizzes"
        if self.kind == "longest":
            return (
                f"{scope}, {_LANGUAGE_NAMES[self.language or 'de']}: the key is the longest option in "
                f"{self.count} of {self.total} choice questions ({self.percent} %, at most "
                f"{self.limit_percent} %); rewrite options so that length does not point to the key: "
                + ", ".join(self.questions)
            )
        if self.kind == "position":
            return (
                f"{scope}: {self.count} of {self.total} keys are option {self.position} "
                f"({self.percent} %, at most {self.limit_percent} %); vary the position of the key"
            )
        low, high = TRUE_SHARE_RANGE
        return (
            f"{scope}: {self.count} of {self.total} true/false questions are true ({self.percent} %, "
            f"keep between {round(low * 100)} % and {round(high * 100)} %)"
        )


def cue_statistics(quizzes: Sequence[Quiz]) -> CueStatistics:
    per_topic: dict[str, CueStats] = {}
    overall = CueStats(topic=None)
    for quiz in quizzes:
        topic = per_topic.setdefault(quiz.topic, CueStats(topic=quiz.topic))
        for question in quiz.questions:
            for stats in (topic, overall):
                _count(stats, quiz.slug, question)
    ordered = tuple(per_topic[t] for t in TOPICS if t in per_topic)
    return CueStatistics(topics=ordered, overall=overall)


def _count(stats: CueStats, slug: str, question: object) -> None:
    if isinstance(question, TrueFalseQuestion):
        stats.true_false += 1
        stats.true_keys += question.answer
        return
    if not isinstance(question, (SingleQuestion, MultipleQuestion)):
        return
    stats.choice += 1
    for lang in LOCALES:
        lengths = [len(plain(o.text, lang)) for o in question.options]
        longest = max(lengths)
        if any(o.correct and n == longest for o, n in zip(question.options, lengths)):
            stats.longest[lang].append(f"{slug}/{question.id}")
    if len(question.options) >= 3:
        stats.positioned += 1
        stats.positions.update(p for p, o in enumerate(question.options, start=1) if o.correct)


def cue_findings(statistics: CueStatistics) -> list[CueFinding]:
    """Every statistic beyond its limit: longest key overall and per topic (both languages),
    one position holding most keys of a topic, a topic's true/false answers mostly one way."""
    findings: list[CueFinding] = []
    single_topic = len(statistics.topics) == 1
    scopes = [(statistics.overall, LONGEST_KEY_LIMIT)]
    if not single_topic:  # with one topic the overall figure says it all
        scopes += [(stats, LONGEST_KEY_TOPIC_LIMIT) for stats in statistics.topics]
    for stats, limit in scopes:
        for lang in LOCALES:
            rate = stats.longest_rate(lang)
            if rate is not None and rate > limit:
                findings.append(CueFinding(
                    "longest", stats.topic, rate, limit, len(stats.longest[lang]), stats.choice,
                    language=lang, questions=tuple(stats.longest[lang]),
                ))
    for stats in statistics.topics:
        if stats.positioned >= POSITION_MIN_QUESTIONS:
            total = sum(stats.positions.values())
            for position, share in enumerate(stats.position_shares(), start=1):
                if share > POSITION_LIMIT:
                    findings.append(CueFinding(
                        "position", stats.topic, share, POSITION_LIMIT, stats.positions[position], total,
                        position=position,
                    ))
        share = stats.true_share()
        low, high = TRUE_SHARE_RANGE
        if stats.true_false >= TRUE_FALSE_MIN_QUESTIONS and share is not None and not low <= share <= high:
            findings.append(CueFinding(
                "true_false", stats.topic, share, high if share > high else low, stats.true_keys, stats.true_false,
            ))
    return findings


def cue_table(statistics: CueStatistics) -> str:
    """The statistics as a compact text table, one row per topic and one for everything."""
    header = f"{'answer cues':<18} {'choice':>6} {'longest de':>10} {'longest en':>10}  {'key position 1/2/3/…':<22} {'t/f':>4} {'true':>5}"
    rows = [header]
    for stats in (*statistics.topics, statistics.overall):
        name = stats.topic or "all"
        positions = "/".join(str(round(s * 100)) for s in stats.position_shares()) + " %" if stats.positions else "–"
        rows.append(
            f"{name:<18} {stats.choice:>6} {_pct(stats.longest_rate('de')):>10} {_pct(stats.longest_rate('en')):>10}  "
            f"{positions:<22} {stats.true_false:>4} {_pct(stats.true_share()):>5}"
        )
    return "\n".join(rows)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)} %"
