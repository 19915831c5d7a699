"""A student who fills in the key gets full marks: layout -> view -> form -> parse -> score.

Run over the fixture and over the built-in library under quizzes/, so that every question an
author writes is checked to be answerable through its own form.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lms_module.engine import Quiz, check_library, check_path, handler_for, plan_attempt
from lms_module.engine.schema import (
    ChoiceGap,
    ClozeQuestion,
    DataEntryQuestion,
    DocumentCheckQuestion,
    MatchingQuestion,
    MultipleQuestion,
    NumericGap,
    NumericQuestion,
    OrderingQuestion,
    ShortTextQuestion,
    SingleQuestion,
    TrueFalseQuestion,
)

LIBRARY = Path(__file__).resolve().parents[3] / "quizzes"


def _token(entries: list[dict[str, str]], option_id: str) -> str:
    return next(e["token"] for e in entries if e["id"] == option_id)


def key_form(question: Any, layout: dict[str, Any]) -> dict[str, list[str]] | None:
    """The form a student who knows the key would send; None for essays (graded by hand)."""
    name = f"q-{question.id}"
    if isinstance(question, (SingleQuestion, MultipleQuestion)):
        return {name: [_token(layout["options"], o.id) for o in question.options if o.correct]}
    if isinstance(question, TrueFalseQuestion):
        return {name: ["true" if question.answer else "false"]}
    if isinstance(question, NumericQuestion):
        return {name: [str(question.answer).replace(".", ",")]}
    if isinstance(question, ShortTextQuestion):
        return {name: [question.answers.all()[-1].upper() if not question.case_sensitive else question.answers.all()[-1]]}
    if isinstance(question, MatchingQuestion):
        tokens = {c["ref"]: c["token"] for c in layout["choices"]}
        return {f"{name}__{i}": [tokens[f"r{i}"]] for i in range(len(question.pairs))}
    if isinstance(question, OrderingQuestion):
        position = {item.id: str(i + 1) for i, item in enumerate(question.items)}
        return {f"{name}__{j}": [position[item_id]] for j, item_id in enumerate(layout["order"])}
    if isinstance(question, ClozeQuestion):
        form = {}
        for gap in question.gaps:
            if isinstance(gap, ChoiceGap):
                right = next(o.id for o in gap.options if o.correct)
                form[f"{name}__{gap.id}"] = [_token(layout["gaps"][gap.id], right)]
            elif isinstance(gap, NumericGap):
                form[f"{name}__{gap.id}"] = [str(gap.answer)]
            else:
                form[f"{name}__{gap.id}"] = [f"  {gap.answers.all()[0]} "]
        return form
    if isinstance(question, DocumentCheckQuestion):
        return {name: [str(i) for i, f in enumerate(question.document.fields) if f.error]}
    if isinstance(question, DataEntryQuestion):
        return {f"{name}__{f.id}": [f.answer[0]] for f in question.fields}
    return None


def _quizzes() -> list[Quiz]:
    fixture, _ = check_path(Path(__file__).parent / "fixtures" / "all_types.yaml")
    library, _ = check_path(LIBRARY) if LIBRARY.is_dir() else ([], [])
    return [*fixture, *library]


@pytest.mark.parametrize("quiz", _quizzes(), ids=lambda q: q.slug)
def test_the_key_scores_full_marks(quiz: Quiz) -> None:
    for seed in (1, 2):
        for planned in plan_attempt(quiz, seed, True, True):
            question = quiz.question(planned.question_id)
            handler = handler_for(question)
            json.dumps(planned.layout)
            json.dumps(handler.view(question, planned.layout, "de"))
            form = key_form(question, planned.layout)
            if form is None:
                continue
            response = handler.parse(question, planned.layout, form)
            json.dumps(response)
            score = handler.score(question, response)
            assert score.marks == score.max_marks, (quiz.slug, question.id, response)
            assert handler.review(question, planned.layout, "en", response)["outcome"] == "correct"


@pytest.mark.skipif(not LIBRARY.is_dir(), reason="no built-in library")
def test_built_in_library_is_valid() -> None:
    quizzes, errors = check_path(LIBRARY)
    errors += check_library(quizzes)
    assert [str(e) for e in errors] == []
