"""Planning an attempt: which questions, in which order, with which per-question layout.

Deterministic for a seed, so an attempt can be re-created from its stored seed.  Every question
gets its own generator, seeded with ``"<seed>:<question id>"``, so that one question's layout does
not change when another question is added, removed or drawn differently.  The seed must be secret
(e.g. ``secrets.randbits(63)``) and never sent to the browser: the opaque form tokens derive
from it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from .questions import Layout, handler_for
from .schema import Quiz


@dataclass(frozen=True)
class PlannedQuestion:
    question_id: str
    layout: Layout = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"question_id": self.question_id, "layout": self.layout}


def plan_attempt(
    quiz: Quiz,
    seed: int,
    shuffle_questions: bool,
    shuffle_options: bool,
    questions_per_attempt: int | None = None,
) -> list[PlannedQuestion]:
    """The questions of one attempt in display order, each with its layout.

    Random draws first: from each pool of `quiz.draws`, `count` of its questions (one generator per
    pool, so one pool's pick does not move another's); questions without a pool are always in. Then
    `questions_per_attempt` picks among those. Both keep the authored order until shuffling."""
    questions = _drawn(quiz, seed)
    if questions_per_attempt is not None and 0 < questions_per_attempt < len(questions):
        drawn = set(random.Random(f"{seed}:draw").sample(range(len(questions)), questions_per_attempt))
        questions = [q for index, q in enumerate(questions) if index in drawn]  # keeps authored order
    if shuffle_questions:
        random.Random(f"{seed}:order").shuffle(questions)
    return [
        PlannedQuestion(q.id, handler_for(q).layout(q, random.Random(f"{seed}:{q.id}"), shuffle_options))
        for q in questions
    ]


def _drawn(quiz: Quiz, seed: int) -> list:
    if not quiz.draws:
        return list(quiz.questions)
    picked: set[str] = set()
    for draw in quiz.draws:
        pool = [q.id for q in quiz.questions if q.pool == draw.pool]
        picked.update(random.Random(f"{seed}:pool:{draw.pool}").sample(pool, min(draw.count, len(pool))))
    return [q for q in quiz.questions if q.pool is None or q.id in picked]
