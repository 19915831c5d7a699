"""Topic mastery across a course: one definition for the instructor's course overview, the
student's progress page, their exports and the choice of a student's weak spots.

Per topic, mastery is the points earned divided by the points possible over the student's answered
questions of that topic, across every finished attempt of the course (graded and practice, never
an instructor's preview). A question counts as answered once its attempt was submitted and the
question was marked: a question left empty in a submitted attempt counts with no points (it was
put to the student), an essay still waiting for the instructor does not count yet. A value is
shown only from MIN_ANSWERED answered questions of a topic on: below that it is None ("not enough
answers yet"), so one lucky guess does not read as mastery. See docs/reports.md.

Plain Python: no request, session or database.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..engine.schema import TOPICS

MIN_ANSWERED = 3
# Questions of a generated "practise my weak spots" quiz carry their topic in front of their id
# ("<topic>-<id in the library>"); such a quiz mixes topics while a quiz row has one.
GENERATED_ORIGIN = "generated"


@dataclass(frozen=True)
class AnsweredQuestion:
    topic: str
    marks: float  # the marks as they count (the instructor's mark wins)
    max_marks: float


@dataclass(frozen=True)
class Mastery:
    topic: str
    earned: float
    possible: float
    answered: int
    value: float | None  # earned / possible, None below the minimum or without possible points

    @property
    def shown(self) -> bool:
        return self.value is not None


def topic_mastery(answers: Iterable[AnsweredQuestion], minimum: int = MIN_ANSWERED) -> dict[str, Mastery]:
    """Mastery for each of the seven topics (every topic present, in TOPICS order)."""
    earned = dict.fromkeys(TOPICS, 0.0)
    possible = dict.fromkeys(TOPICS, 0.0)
    answered = dict.fromkeys(TOPICS, 0)
    for answer in answers:
        if answer.topic not in earned or answer.max_marks <= 0:
            continue
        earned[answer.topic] += max(0.0, min(answer.marks, answer.max_marks))
        possible[answer.topic] += answer.max_marks
        answered[answer.topic] += 1
    result = {}
    for topic in TOPICS:
        value = earned[topic] / possible[topic] if answered[topic] >= minimum and possible[topic] > 0 else None
        result[topic] = Mastery(topic, earned[topic], possible[topic], answered[topic], value)
    return result


def weakest_topics(mastery: dict[str, Mastery], available: Sequence[str], count: int = 2) -> list[str]:
    """The topics to practise first, among those with practice questions (`available`): shown values
    from the lowest up, then topics without enough answers (unknown ground comes after known gaps,
    before strengths only when nothing is weak). Ties keep the order of TOPICS."""
    order = {topic: index for index, topic in enumerate(TOPICS)}
    candidates = [t for t in TOPICS if t in set(available)]

    def key(topic: str):
        value = mastery[topic].value if topic in mastery else None
        return (0, value, order[topic]) if value is not None and value < 1.0 else (
            (1, 0.0, order[topic]) if value is None else (2, value, order[topic]))

    return sorted(candidates, key=key)[:count]


def generated_question_id(topic: str, question_id: str) -> str:
    """The id of a library question inside a generated quiz (ids stay within 64 characters)."""
    combined = f"{topic}-{question_id}"
    return combined[:64].rstrip("-")


def topic_of_generated(question_id: str) -> str | None:
    """The topic a generated quiz's question came from (None for an id not made here)."""
    for topic in TOPICS:
        if question_id.startswith(topic + "-"):
            return topic
    return None


def band(value: float | None) -> int:
    """The colour band of a heat-map cell: 0 = no value, 1..5 from low to high mastery."""
    if value is None:
        return 0
    return min(5, 1 + int(value * 5))
