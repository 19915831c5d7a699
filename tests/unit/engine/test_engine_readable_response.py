"""readable_response: the one check a stored response passes before a handler reads it. What
`parse` gives fits; corrupt JSON (a wrong shape, an id the question lacks) does not, and the check
never raises, whatever it is given."""

from __future__ import annotations

import random

import pytest

from lms_module.engine import Quiz, handler_for, readable_response
from support.answer_keys import key_form

# Stored JSON no honest save writes: for every type, and the ids no question has.
JUNK = [
    [], [1, 2], "a", 7, True, 1.5,
    {"choice": 7}, {"choice": None}, {"choice": "no-such-option"}, {"choice": ["a"]},
    {"choices": 7}, {"choices": "ab"}, {"choices": [7]}, {"choices": ["no-such-option"]}, {"choices": []},
    {"choices": ["a", "a"]}, {"choices": [["a"]]}, {"choices": {"a": 1}},
    {"value": 7}, {"value": None}, {"value": ["1"]}, {"value": {"x": 1}},
    {"text": 7}, {"text": ["essay"]},
    {"gaps": 7}, {"gaps": []}, {"gaps": {"no-such-gap": "x"}}, {"gaps": {"vat": 19}}, {"gaps": {"who": "zz"}},
    {"pairs": 7}, {"pairs": [None, None, None]}, {"pairs": ["r0"]}, {"pairs": ["x9", None, None]},
    {"pairs": [{"r0": 1}, None, None]},
    {"positions": 7}, {"positions": {"no-such-item": 1}}, {"positions": {"pick": 0}}, {"positions": {"pick": 99}},
    {"positions": {"pick": True}}, {"positions": {"pick": "1"}},
    {"marked": 7}, {"marked": ["no-such-field"]}, {"marked": [["wrong-qty"]]},
    {"fields": 7}, {"fields": {"no-such-field": "x"}}, {"fields": {"date": 3}},
    {"unexpected": "key"},
]


@pytest.fixture
def key_responses(quiz: Quiz) -> dict[str, dict]:
    """Each question's response (by question id) as `parse` makes it of the key's form; an essay's
    of a few words."""
    responses = {}
    for question in quiz.questions:
        handler = handler_for(question)
        layout = handler.layout(question, random.Random(f"7:{question.id}"), True)
        form = key_form(question, layout) or {f"q-{question.id}": ["An essay of a few words."]}
        responses[question.id] = handler.parse(question, layout, form)
    return responses


def test_every_key_answer_fits_its_question(quiz: Quiz, key_responses) -> None:
    for question in quiz.questions:
        response = key_responses[question.id]
        assert response and readable_response(question, response) == response, question.id


def test_nothing_stored_reads_as_not_answered(quiz: Quiz) -> None:
    for question in quiz.questions:
        assert readable_response(question, None) == {}
        assert readable_response(question, {}) == {}


@pytest.mark.parametrize("junk", JUNK, ids=repr)
def test_corrupt_responses_do_not_fit_any_question(quiz: Quiz, junk) -> None:
    for question in quiz.questions:
        assert readable_response(question, junk) is None, question.id


def test_a_response_of_another_type_does_not_fit(quiz: Quiz, key_responses) -> None:
    """Each question's key answer, stored under every other question: none fits but its own (a typed
    number and a typed text share the shape {"value": "..."})."""
    for question in quiz.questions:
        for other, response in key_responses.items():
            typed = {question.id, other} <= {"gross", "eori"}
            assert (readable_response(question, response) is not None) == (other == question.id or typed), (
                question.id, other)
