from __future__ import annotations

import re
from typing import Any

import pytest

from lms_module.engine import Quiz, attempt_result, passed, plan_attempt
from lms_module.engine.questions import Score


def _plan(quiz: Quiz, seed: int, **kwargs: Any) -> list[dict[str, Any]]:
    options = {"shuffle_questions": True, "shuffle_options": True, "questions_per_attempt": None, **kwargs}
    return [p.to_dict() for p in plan_attempt(quiz, seed, **options)]


def test_plan_is_deterministic_per_seed(quiz: Quiz) -> None:
    assert _plan(quiz, 11) == _plan(quiz, 11)


def test_plans_differ_across_seeds(quiz: Quiz) -> None:
    plans = [_plan(quiz, seed) for seed in range(5)]
    assert len({str(p) for p in plans}) == 5
    assert len({tuple(q["question_id"] for q in p) for p in plans}) > 1


def test_without_shuffling_questions_keep_authored_order(quiz: Quiz) -> None:
    ids = [q["question_id"] for q in _plan(quiz, 1, shuffle_questions=False)]
    assert ids == [q.id for q in quiz.questions]


def test_without_shuffling_options_keep_authored_order(quiz: Quiz) -> None:
    layout = {p["question_id"]: p["layout"] for p in _plan(quiz, 1, shuffle_options=False)}
    assert [o["id"] for o in layout["vat-docs"]["options"]] == ["a", "b", "c", "d"]


def test_ordering_and_matching_are_always_shuffled(quiz: Quiz) -> None:
    for seed in range(30):
        layout = {p["question_id"]: p["layout"] for p in _plan(quiz, seed, shuffle_options=False)}
        assert layout["shipping"]["order"] != ["pick", "pack", "ship", "bill"]
    refs = {tuple(c["ref"] for c in _layouts(quiz, seed)["incoterms"]["choices"]) for seed in range(10)}
    assert len(refs) > 1


def _layouts(quiz: Quiz, seed: int) -> dict[str, Any]:
    return {p["question_id"]: p["layout"] for p in _plan(quiz, seed)}


def test_question_layout_does_not_depend_on_other_questions(quiz: Quiz) -> None:
    everything = _layouts(quiz, 5)
    drawn = {p["question_id"]: p["layout"] for p in _plan(quiz, 5, questions_per_attempt=3)}
    for question_id, layout in drawn.items():
        assert layout == everything[question_id]


def test_questions_per_attempt_draws_a_subset(quiz: Quiz) -> None:
    drawn = [q["question_id"] for q in _plan(quiz, 9, questions_per_attempt=4, shuffle_questions=False)]
    assert len(drawn) == 4 and len(set(drawn)) == 4
    authored = [q.id for q in quiz.questions]
    assert drawn == sorted(drawn, key=authored.index)
    assert len(_plan(quiz, 9, questions_per_attempt=99)) == len(quiz.questions)


def test_tokens_are_unique_and_opaque(quiz: Quiz) -> None:
    for seed in range(10):
        choices = _layouts(quiz, seed)["incoterms"]["choices"]
        tokens = [c["token"] for c in choices]
        assert len(set(tokens)) == len(tokens)
        assert all(re.fullmatch(r"[0-9a-f]{12}", t) for t in tokens)


# --- grading -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fraction", "pass_mark", "result"),
    [(0.7, 0.7, True), (sum([0.1] * 7), 0.7, True), (0.6999, 0.7, False), (0.0, 0.0, True), (1.0, 1.0, True)],
)
def test_passed(fraction: float, pass_mark: float, result: bool) -> None:
    assert passed(fraction, pass_mark) is result


def test_attempt_result() -> None:
    scores = [Score(1.0, 2.0), Score(0.3333, 1.0), Score(0.0, 1.0, needs_manual=True)]
    marks, max_marks, fraction, needs_manual = attempt_result(scores)
    assert (marks, max_marks, fraction, needs_manual) == (1.3333, 4.0, 0.3333, True)
    assert attempt_result([]) == (0.0, 0.0, 0.0, False)
