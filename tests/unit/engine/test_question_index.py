"""A quiz finds its questions by id through an index built once per quiz object (the library keeps
each parsed version for the process, and every question page looks up each planned question)."""
from __future__ import annotations

from pathlib import Path

import pytest

from lms_module.engine import load_quiz

FIXTURE = Path(__file__).parent / "fixtures" / "all_types.yaml"


class _CountingList(list):
    """The quiz's questions, counting how often something walks through them."""

    walks = 0

    def __iter__(self):
        _CountingList.walks += 1
        return super().__iter__()


def _quiz():
    return load_quiz(FIXTURE)  # a fresh object: the index is built on first use


def test_lookups_walk_the_questions_once():
    quiz = _quiz()
    ids = [question.id for question in quiz.questions]
    object.__setattr__(quiz, "questions", _CountingList(quiz.questions))  # frozen model: as the loader sets its source
    _CountingList.walks = 0
    for _ in range(3):
        assert [quiz.question(question_id).id for question_id in ids] == ids
        assert quiz.lacking(ids) == []
    assert _CountingList.walks == 1


def test_question_and_lacking_answer_as_a_walk_through_the_questions_would():
    quiz = _quiz()
    first = quiz.questions[0]
    assert quiz.question(first.id) is first
    with pytest.raises(KeyError):
        quiz.question("no-such-question")
    assert quiz.lacking(["gone", first.id, "also-gone"]) == ["gone", "also-gone"]


def test_a_copy_with_other_questions_looks_up_its_own():
    quiz = _quiz()
    first, second = quiz.questions[0], quiz.questions[1]
    assert quiz.question(first.id) is first  # the original's index exists and is copied along
    copy = quiz.model_copy(update={"questions": [second]})
    assert copy.lacking([first.id, second.id]) == [first.id]
    assert copy.question(second.id) is second
    with pytest.raises(KeyError):
        copy.question(first.id)


def test_the_index_is_neither_dumped_nor_compared():
    quiz, other = _quiz(), _quiz()
    before = quiz.model_dump_json()
    quiz.question(quiz.questions[0].id)
    assert quiz.model_dump_json() == before
    assert quiz == other and other == quiz
