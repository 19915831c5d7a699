"""The stricter rules for the built-in library under quizzes/ (see quizzes/README.md).

A quiz file that any author may import only has to follow the schema; the library that ships
with Kontor must also be complete in both languages, cite its sources and avoid answer options
that test reading tricks instead of knowledge.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import BaseModel

from .loader import Loc, QuizFileError, format_field, source_of
from .normalize import text_key
from .schema import QUESTION_TYPES, TOPICS, AcceptedAnswers, ChoiceGap, ClozeQuestion, MultipleQuestion, Quiz, SingleQuestion
from .text import LocalText

FORBIDDEN_PHRASES: tuple[str, ...] = (
    "all of the above",
    "none of the above",
    "alle der oben genannten",
    "keine der oben genannten",
    "alle oben genannten",
    "keine oben genannten",
    "alle genannten",
    "keine der genannten",
)
MIN_CHOICE_OPTIONS = 3
_LANGUAGE_NAMES = {"de": "German", "en": "English"}


def check_library(quizzes: Sequence[Quiz]) -> list[QuizFileError]:
    """Every library-rule violation in `quizzes`, with file and line where known."""
    errors: list[QuizFileError] = []
    first_file: dict[str, str] = {}
    for quiz in quizzes:
        report = _Reporter(quiz)
        path = report.path
        if quiz.slug in first_file:
            report.add(("slug",), f"slug {quiz.slug!r} is also used by {first_file[quiz.slug]}")
        first_file.setdefault(quiz.slug, path)
        for loc, text in _texts(quiz, ()):
            _check_languages(report, loc, text)
        for index, question in enumerate(quiz.questions):
            _check_question(report, ("questions", index), question)
        errors.extend(report.errors)
    return errors


def check_difficulty_spread(quizzes: Sequence[Quiz]) -> list[QuizFileError]:
    """Each topic of a whole library offers easy, medium and hard questions (a property of the
    library, not of one file, so it is checked when the whole library is validated)."""
    levels: dict[str, set[int]] = {}
    first_quiz: dict[str, Quiz] = {}
    for quiz in quizzes:
        first_quiz.setdefault(quiz.topic, quiz)
        levels.setdefault(quiz.topic, set()).update(q.difficulty for q in quiz.questions if q.difficulty)
    errors = []
    for quiz in quizzes:
        report = _Reporter(quiz)
        for index, question in enumerate(quiz.questions):
            if question.difficulty is None:
                report.add(("questions", index, "difficulty"), "library questions need a difficulty (1 to 3)")
        errors.extend(report.errors)
    for topic, found in levels.items():
        missing = sorted({1, 2, 3} - found)
        if missing:
            report = _Reporter(first_quiz[topic])
            report.add(("topic",), f"topic {topic!r} has no questions of difficulty {', '.join(map(str, missing))}")
            errors.extend(report.errors)
    return errors


class _Reporter:
    def __init__(self, quiz: Quiz) -> None:
        self.source = source_of(quiz)
        self.path = self.source.path if self.source else f"<quiz {quiz.slug}>"
        self.errors: list[QuizFileError] = []

    def add(self, loc: Loc, message: str) -> None:
        line = self.source.line(loc) if self.source else None
        self.errors.append(QuizFileError(self.path, line, format_field(loc), message))


def _texts(node: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], LocalText | AcceptedAnswers]]:
    """Every text field below `node` with its location (field names are the YAML keys)."""
    if isinstance(node, (LocalText, AcceptedAnswers)):
        yield loc, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _texts(getattr(node, name), (*loc, name))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _texts(item, (*loc, index))


def _check_languages(report: _Reporter, loc: Loc, text: LocalText | AcceptedAnswers) -> None:
    # A plain string counts for both languages (names, codes, numbers are the same in both).
    if isinstance(text, AcceptedAnswers):
        missing = [lang for lang in ("de", "en") if not any(a.strip() for a in getattr(text, lang))]
    else:
        missing = list(text.missing_languages)
    for lang in missing:
        report.add((*loc, lang), f"the {_LANGUAGE_NAMES[lang]} text is missing")


def _check_question(report: _Reporter, loc: tuple[str | int, ...], question: Any) -> None:
    for name in ("explanation", "source"):
        if getattr(question, name) is None:
            report.add((*loc, name), f"library questions need {name}")
    if isinstance(question, (SingleQuestion, MultipleQuestion)) and len(question.options) < MIN_CHOICE_OPTIONS:
        report.add((*loc, "options"), f"choice questions need at least {MIN_CHOICE_OPTIONS} options")
    _check_phrases(report, (*loc, "text"), question.text)
    for index, option in enumerate(getattr(question, "options", [])):
        _check_phrases(report, (*loc, "options", index, "text"), option.text)
    if isinstance(question, ClozeQuestion):
        for g, gap in enumerate(question.gaps):
            if isinstance(gap, ChoiceGap):
                for index, option in enumerate(gap.options):
                    _check_phrases(report, (*loc, "gaps", g, "options", index, "text"), option.text)


def _check_phrases(report: _Reporter, loc: Loc, text: LocalText) -> None:
    for lang in ("de", "en") if text.de != text.en else ("de",):
        value = text_key(getattr(text, lang) or "")
        phrase = next((p for p in FORBIDDEN_PHRASES if p in value), None)
        if phrase:
            where = (*loc, lang) if text.de != text.en else loc
            report.add(where, f"{phrase!r} is not allowed: it tests reading tricks, not knowledge")


def library_summary(quizzes: Sequence[Quiz]) -> str:
    """One line: quizzes and questions, questions per topic, questions per type."""
    per_topic: Counter[str] = Counter()
    per_type: Counter[str] = Counter()
    for quiz in quizzes:
        per_topic[quiz.topic] += len(quiz.questions)
        per_type.update(q.type for q in quiz.questions)
    total = sum(per_type.values())
    topics = ", ".join(f"{t} {per_topic[t]}" for t in TOPICS)
    types = ", ".join(f"{t} {per_type[t]}" for t in QUESTION_TYPES)
    return f"quizzes: {len(quizzes)}, questions: {total} | {topics} | {types}"
