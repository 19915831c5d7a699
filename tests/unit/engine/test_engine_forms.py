"""From submitted form to canonical response: `parse`, and `view` round trips."""

from __future__ import annotations

import random
from typing import Any

import pytest

from lms_module.engine import InvalidAnswer, LayoutError, Quiz, handler_for
from lms_module.engine.questions import LONG_MAX_LENGTH, SHORT_MAX_LENGTH

Form = dict[str, list[str]]


def _setup(quiz: Quiz, question_id: str, seed: int = 7) -> tuple[Any, Any, dict[str, Any]]:
    question = quiz.question(question_id)
    handler = handler_for(question)
    layout = handler.layout(question, random.Random(f"{seed}:{question_id}"), True)
    return question, handler, layout


def _parse(quiz: Quiz, question_id: str, form: Form) -> dict[str, Any]:
    question, handler, layout = _setup(quiz, question_id)
    return handler.parse(question, layout, form)


def _token_for(view: dict[str, Any], label: str, key: str = "options") -> str:
    return next(o["value"] for o in view[key] if str(o["label"]) == label)


def test_unanswered_questions_parse_to_empty_responses(quiz: Quiz) -> None:
    for question in quiz.questions:
        assert _parse(quiz, question.id, {"csrf_token": ["x"]}) == {}, question.id


def test_blank_values_count_as_unanswered(quiz: Quiz) -> None:
    assert _parse(quiz, "gross", {"q-gross": ["   "]}) == {}
    assert _parse(quiz, "incoterms", {f"q-incoterms__{i}": [""] for i in range(3)}) == {}
    assert _parse(quiz, "why-check", {"q-why-check": ["\n \n"]}) == {}


def test_single_round_trip(quiz: Quiz) -> None:
    question, handler, layout = _setup(quiz, "fob")
    view = handler.view(question, layout, "en")
    response = handler.parse(question, layout, {"q-fob": [_token_for(view, "Free On Board")]})
    assert response == {"choice": "a"}
    again = handler.view(question, layout, "en", response)
    assert [o["checked"] for o in again["options"]].count(True) == 1
    assert again["answered"] is True


def test_multiple_round_trip_and_all_chosen(quiz: Quiz) -> None:
    question, handler, layout = _setup(quiz, "vat-docs")
    view = handler.view(question, layout, "de")
    every = [o["value"] for o in view["options"]]
    response = handler.parse(question, layout, {"q-vat-docs": every})
    assert response == {"choices": ["a", "b", "c", "d"]}  # authored order, whatever the display
    assert handler.score(question, response).marks == 0


def test_true_false(quiz: Quiz) -> None:
    assert _parse(quiz, "eori-tf", {"q-eori-tf": ["false"]}) == {"value": False}
    assert _parse(quiz, "eori-tf", {"q-eori-tf": ["true"]}) == {"value": True}
    with pytest.raises(InvalidAnswer) as info:
        _parse(quiz, "eori-tf", {"q-eori-tf": ["yes"]})
    assert info.value.message_key == "unknown_choice"


def test_free_text_keeps_trimmed_raw_value(quiz: Quiz) -> None:
    assert _parse(quiz, "gross", {"q-gross": [" 1.190,00 EUR "]}) == {"value": "1.190,00 EUR"}
    assert _parse(quiz, "eori", {"q-eori": ["EORI"]}) == {"value": "EORI"}


def test_bare_string_values_are_accepted(quiz: Quiz) -> None:
    assert _parse(quiz, "eori", {"q-eori": "EORI"}) == {"value": "EORI"}  # type: ignore[dict-item]


def test_matching_round_trip(quiz: Quiz) -> None:
    question, handler, layout = _setup(quiz, "incoterms")
    view = handler.view(question, layout, "en")
    form = {
        "q-incoterms__0": [_token_for(view, "Free On Board", "choices")],
        "q-incoterms__1": [_token_for(view, "Delivered Duty Paid", "choices")],
    }
    response = handler.parse(question, layout, form)
    assert response == {"pairs": ["r0", "d0", None]}
    again = handler.view(question, layout, "en", response)
    assert [r["selected"] for r in again["rows"]] == [form["q-incoterms__0"][0], form["q-incoterms__1"][0], ""]


def test_ordering_round_trip(quiz: Quiz) -> None:
    question, handler, layout = _setup(quiz, "shipping")
    view = handler.view(question, layout, "en")
    right = {"Pick": "1", "Pack": "2", "Ship": "3", "Bill": "4"}
    form = {item["name"]: [right[str(item["label"])]] for item in view["rows"]}
    response = handler.parse(question, layout, form)
    assert response == {"positions": {"pick": 1, "pack": 2, "ship": 3, "bill": 4}}
    assert handler.score(question, response).marks == 1
    again = handler.view(question, layout, "en", response)
    assert sorted(i["selected"] for i in again["rows"]) == [1, 2, 3, 4]


def test_cloze_round_trip(quiz: Quiz) -> None:
    question, handler, layout = _setup(quiz, "vat-cloze")
    view = handler.view(question, layout, "en")
    select = next(s for s in view["segments"] if s.get("control") == "select")
    token = next(o["value"] for o in select["options"] if o["label"] == "end customer")
    form = {"q-vat-cloze__vat": ["19"], "q-vat-cloze__who": [token]}
    response = handler.parse(question, layout, form)
    assert response == {"gaps": {"vat": "19", "who": "a"}}
    again = handler.view(question, layout, "en", response)
    gaps = [s for s in again["segments"] if s["kind"] == "gap"]
    assert [g["number"] for g in gaps] == [1, 2, 3]
    assert gaps[0]["value"] == "19" and [o["selected"] for o in gaps[2]["options"]].count(True) == 1


def test_document_check_round_trip(quiz: Quiz) -> None:
    question, handler, layout = _setup(quiz, "invoice-check")
    response = handler.parse(question, layout, {"q-invoice-check": ["2", "0", "0"]})
    assert response == {"marked": ["wrong-qty", "wrong-date"]}
    view = handler.view(question, layout, "de", response)
    assert [f["checked"] for f in view["document"]["fields"]] == [True, False, True, False]


def test_data_entry_round_trip(quiz: Quiz) -> None:
    form = {"q-delivery-entry__date": ["3.11.2026"], "q-delivery-entry__total": [""]}
    assert _parse(quiz, "delivery-entry", form) == {"fields": {"date": "3.11.2026"}}


def test_essay_keeps_line_breaks(quiz: Quiz) -> None:
    response = _parse(quiz, "why-check", {"q-why-check": ["First line\r\nsecond line\n"]})
    assert response == {"text": "First line\nsecond line\n"}


# --- invalid answers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question_id", "form", "key"),
    [
        ("fob", {"q-fob": ["a"]}, "unknown_choice"),  # an option id is not a form value
        ("fob", {"q-fob": ["ffffffffffff"]}, "unknown_choice"),
        ("fob", {"q-fob": ["x", "y"]}, "wrong_shape"),
        ("vat-docs", {"q-vat-docs": ["nope"]}, "unknown_choice"),
        ("eori-tf", {"q-eori-tf": ["true", "false"]}, "wrong_shape"),
        ("gross", {"q-gross": [["1190"]]}, "wrong_shape"),
        ("gross", {"q-gross": 1190}, "wrong_shape"),
        ("gross", {"q-gross": ["1" * (SHORT_MAX_LENGTH + 1)]}, "too_long"),
        ("eori", {"q-eori": ["x" * (SHORT_MAX_LENGTH + 1)]}, "too_long"),
        ("incoterms", {"q-incoterms__0": ["r0"]}, "unknown_choice"),  # a forged reference
        ("incoterms", {"q-incoterms__1": ["0123456789ab"]}, "unknown_choice"),  # a forged token
        ("shipping", {"q-shipping__0": ["5"]}, "unknown_position"),
        ("shipping", {"q-shipping__0": ["0"]}, "unknown_position"),
        ("shipping", {"q-shipping__0": ["first"]}, "unknown_position"),
        ("vat-cloze", {"q-vat-cloze__who": ["a"]}, "unknown_choice"),
        ("vat-cloze", {"q-vat-cloze__name": ["x" * (SHORT_MAX_LENGTH + 1)]}, "too_long"),
        ("invoice-check", {"q-invoice-check": ["4"]}, "unknown_choice"),
        ("invoice-check", {"q-invoice-check": ["wrong-qty"]}, "unknown_choice"),
        ("invoice-check", {"q-invoice-check": ["-1"]}, "unknown_choice"),
        ("delivery-entry", {"q-delivery-entry__date": ["1", "2"]}, "wrong_shape"),
        ("why-check", {"q-why-check": ["w " * (LONG_MAX_LENGTH // 2 + 1)]}, "too_long"),
    ],
)
def test_invalid_answers(quiz: Quiz, question_id: str, form: Any, key: str) -> None:
    with pytest.raises(InvalidAnswer) as info:
        _parse(quiz, question_id, form)
    assert info.value.message_key == key


def test_essay_up_to_the_limit_is_fine(quiz: Quiz) -> None:
    text = "x" * LONG_MAX_LENGTH
    assert _parse(quiz, "why-check", {"q-why-check": [text]}) == {"text": text}


def test_token_of_another_attempt_is_rejected(quiz: Quiz) -> None:
    question, handler, layout = _setup(quiz, "fob", seed=1)
    _, _, other_layout = _setup(quiz, "fob", seed=2)
    foreign = other_layout["options"][0]["token"]
    with pytest.raises(InvalidAnswer):
        handler.parse(question, layout, {"q-fob": [foreign]})


def test_layout_that_does_not_fit_raises_layout_error(quiz: Quiz) -> None:
    question = quiz.question("fob")
    with pytest.raises(LayoutError):
        handler_for(question).view(question, {"options": [{"id": "a", "token": "t"}]}, "en")
    ordering = quiz.question("shipping")
    with pytest.raises(LayoutError):
        handler_for(ordering).parse(ordering, {}, {})
