"""A student who fills in the key gets full marks: layout -> view -> form -> parse -> score.

Run over the fixture and over the built-in library under quizzes/, so that every question an
author writes is checked to be answerable through its own form.
"""

from __future__ import annotations

import json
from pathlib import Path
import pytest

from lms_module.engine import Quiz, check_library, check_path, handler_for, plan_attempt
from support.answer_keys import key_form

LIBRARY = Path(__file__).resolve().parents[3] / "quizzes"


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
