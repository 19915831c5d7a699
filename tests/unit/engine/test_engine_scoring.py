"""Scoring rules of quizzes/README.md, one test per rule and edge case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lms_module.engine import Quiz, handler_for
from lms_module.engine.questions import Score

MakeQuestion = Callable[..., Any]


def _score(question: Any, response: dict[str, Any]) -> Score:
    return handler_for(question).score(question, response)


def test_every_type_scores_an_empty_response_zero(quiz: Quiz) -> None:
    for question in quiz.questions:
        score = _score(question, {})
        assert score.marks == 0 and score.max_marks == question.points and not score.needs_manual, question.id
        assert not handler_for(question).is_answered({})


# --- single / true_false ------------------------------------------------------------------------


def test_single(quiz: Quiz) -> None:
    question = quiz.question("fob")
    assert _score(question, {"choice": "a"}).marks == 2
    assert _score(question, {"choice": "b"}).marks == 0
    assert _score(question, {"choice": "zz"}).marks == 0


def test_true_false(quiz: Quiz) -> None:
    question = quiz.question("eori-tf")
    assert _score(question, {"value": False}).marks == 1
    assert _score(question, {"value": True}).marks == 0
    assert _score(question, {"value": "false"}).marks == 0  # only a real boolean counts


# --- multiple -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choices", "marks"),
    [
        (["a", "b"], 1.0),
        (["a"], 0.5),
        (["a", "c"], 0.0),
        (["a", "b", "c"], 0.5),
        (["a", "b", "c", "d"], 0.0),  # choosing everything gains nothing
        (["c", "d"], 0.0),  # clamped at zero, never negative
    ],
)
def test_multiple_formula(quiz: Quiz, choices: list[str], marks: float) -> None:
    score = _score(quiz.question("vat-docs"), {"choices": choices})
    assert score.marks == marks
    assert len(score.parts) == 4


def test_multiple_partial_marks_are_rounded(make_question: MakeQuestion) -> None:
    options = [{"id": i, "text": i, "correct": i != "d"} for i in "abcd"]
    question = make_question(type="multiple", points=1, options=options)
    assert _score(question, {"choices": ["a"]}).marks == 0.3333


# --- numeric ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["1190", "1190,00", "1190.00", "1.190,00", "1,190.00", "1 190,00", "1190 EUR", "1190,005", "1189,995"]
)
def test_numeric_accepts_forms_and_tolerance_border(quiz: Quiz, raw: str) -> None:
    assert _score(quiz.question("gross"), {"value": raw}).marks == 1.5


@pytest.mark.parametrize("raw", ["1190,0051", "1189,9949", "1.19", "eleven", ""])
def test_numeric_beyond_tolerance_or_unreadable(quiz: Quiz, raw: str) -> None:
    assert _score(quiz.question("gross"), {"value": raw}).marks == 0


def test_numeric_exact_tolerance_border_with_awkward_decimals(make_question: MakeQuestion) -> None:
    question = make_question(type="numeric", answer=0.3, tolerance=0.1)
    assert _score(question, {"value": "0,2"}).marks == 1  # a float would say 0.3 - 0.2 > 0.1
    assert _score(question, {"value": "0.4"}).marks == 1
    assert _score(question, {"value": "0.4001"}).marks == 0


def test_numeric_zero_tolerance_and_negative(make_question: MakeQuestion) -> None:
    question = make_question(type="numeric", answer=-12.5)
    assert _score(question, {"value": "-12,5"}).marks == 1
    assert _score(question, {"value": "12,5"}).marks == 0


# --- short_text ---------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["EORI", "eori", "  EORI  ", "EORI   number", "eori-nummer", "EORI number"])
def test_short_text_accepts_both_languages_case_and_space(quiz: Quiz, raw: str) -> None:
    assert _score(quiz.question("eori"), {"value": raw}).marks == 1


def test_short_text_unicode_nfc(make_question: MakeQuestion) -> None:
    question = make_question(type="short_text", answers=["Gebühr"])  # precomposed ü
    assert _score(question, {"value": "Gebu\u0308hr"}).marks == 1  # u + combining diaeresis
    assert _score(question, {"value": "gebühr\u00a0"}).marks == 1


def test_short_text_case_sensitive(make_question: MakeQuestion) -> None:
    question = make_question(type="short_text", answers=["pH"], case_sensitive=True)
    assert _score(question, {"value": " pH "}).marks == 1
    assert _score(question, {"value": "PH"}).marks == 0


def test_short_text_wrong(quiz: Quiz) -> None:
    assert _score(quiz.question("eori"), {"value": "USt-IdNr"}).marks == 0


# --- matching -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pairs", "marks"),
    [
        (["r0", "r1", "r2"], 1.0),
        (["r0", "r2", "r1"], 0.3333),
        (["r0", None, None], 0.3333),
        (["d0", "d0", "d0"], 0.0),  # the distractor matches nothing
        (["r0", "r0", "r0"], 0.3333),
    ],
)
def test_matching_per_pair(quiz: Quiz, pairs: list[str | None], marks: float) -> None:
    assert _score(quiz.question("incoterms"), {"pairs": pairs}).marks == marks


# --- ordering -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("positions", "marks"),
    [
        ({"pick": 1, "pack": 2, "ship": 3, "bill": 4}, 1.0),
        ({"pick": 1, "pack": 2, "ship": 4, "bill": 3}, 0.5),
        ({"pick": 2, "pack": 1, "ship": 4, "bill": 3}, 0.0),
        ({"pick": 1}, 0.25),
        ({"pick": 1, "pack": 1, "ship": 3, "bill": 3}, 0.5),  # shared positions: only the right one counts
    ],
)
def test_ordering_partial_credit(quiz: Quiz, positions: dict[str, int], marks: float) -> None:
    assert _score(quiz.question("shipping"), {"positions": positions}).marks == marks


# --- cloze --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gaps", "marks", "right"),
    [
        ({"vat": "19", "name": "Regelsteuersatz", "who": "a"}, 1.0, ["vat", "name", "who"]),
        ({"vat": "19,00"}, 0.3333, ["vat"]),
        ({"vat": "19 EUR"}, 0.3333, ["vat"]),
        ({"vat": "19.5"}, 0.0, []),
        ({"name": "  standard   RATE "}, 0.3333, ["name"]),
        ({"who": "a"}, 0.3333, ["who"]),
        ({"who": "b"}, 0.0, []),
    ],
)
def test_cloze_each_gap_type(quiz: Quiz, gaps: dict[str, str], marks: float, right: list[str]) -> None:
    score = _score(quiz.question("vat-cloze"), {"gaps": gaps})
    assert score.marks == marks
    assert [p.key for p in score.parts if p.correct] == right


# --- document_check -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marked", "marks"),
    [
        (["wrong-qty", "wrong-date"], 3.0),  # both errors found
        (["wrong-qty"], 1.5),  # one error missed
        (["wrong-qty", "wrong-date", "price"], 1.5),  # a false alarm costs
        (["wrong-qty", "price"], 0.0),
        (["price", "customer"], 0.0),  # clamped at zero
        (["wrong-qty", "wrong-date", "price", "customer"], 0.0),  # marking everything gains nothing
    ],
)
def test_document_check(quiz: Quiz, marked: list[str], marks: float) -> None:
    score = _score(quiz.question("invoice-check"), {"marked": marked})
    assert score.marks == marks
    assert len(score.parts) == 4


def test_document_check_parts_say_hit_miss_false_alarm(quiz: Quiz) -> None:
    score = _score(quiz.question("invoice-check"), {"marked": ["wrong-qty", "price"]})
    assert {p.key: p.correct for p in score.parts} == {
        "wrong-qty": True,
        "price": False,
        "wrong-date": False,
        "customer": True,
    }


# --- data_entry ---------------------------------------------------------------------------------

RIGHT_ENTRY = {
    "date": "2026-11-03",
    "total": "1190.00",
    "iban": "DE89370400440532013000",
    "ref": "LS-88812",
    "carrier": "DHL",
    "qty": "12.5",
}


def _entry_right(quiz: Quiz, field: str, raw: str) -> bool:
    score = _score(quiz.question("delivery-entry"), {"fields": {**RIGHT_ENTRY, field: raw}})
    return {p.key: p.correct for p in score.parts}[field]


def test_data_entry_all_right(quiz: Quiz) -> None:
    assert _score(quiz.question("delivery-entry"), {"fields": RIGHT_ENTRY}).marks == 1


def test_data_entry_partial(quiz: Quiz) -> None:
    assert _score(quiz.question("delivery-entry"), {"fields": {"date": "3.11.2026", "ref": "x"}}).marks == 0.1667


@pytest.mark.parametrize("raw", ["3.11.2026", "03.11.26", "2026-11-03", "03/11/2026"])
def test_data_entry_date(quiz: Quiz, raw: str) -> None:
    assert _entry_right(quiz, "date", raw)


@pytest.mark.parametrize("raw", ["11/03/2026", "4.11.2026", "2026-11", "gestern"])
def test_data_entry_date_wrong(quiz: Quiz, raw: str) -> None:
    assert not _entry_right(quiz, "date", raw)


@pytest.mark.parametrize("raw", ["1.190,00 €", "1,190.00", "1190", "1190,00 EUR", "EUR 1 190.00", "1.190"])
def test_data_entry_amount(quiz: Quiz, raw: str) -> None:
    assert _entry_right(quiz, "total", raw)


@pytest.mark.parametrize("raw", ["1190,01", "119,00", "1.19"])
def test_data_entry_amount_wrong(quiz: Quiz, raw: str) -> None:
    assert not _entry_right(quiz, "total", raw)


@pytest.mark.parametrize(("raw", "right"), [("de89 3704 0044-0532 0130 00", True), ("DE89 3704 0044 0532 0130 01", False)])
def test_data_entry_code(quiz: Quiz, raw: str, right: bool) -> None:
    assert _entry_right(quiz, "iban", raw) is right


@pytest.mark.parametrize(("raw", "right"), [(" LS-88812 ", True), ("ls-88812", False), ("LS 88812", False)])
def test_data_entry_exact(quiz: Quiz, raw: str, right: bool) -> None:
    assert _entry_right(quiz, "ref", raw) is right


@pytest.mark.parametrize(("raw", "right"), [("dhl   freight", True), ("DHL", True), ("UPS", False)])
def test_data_entry_text_with_several_answers(quiz: Quiz, raw: str, right: bool) -> None:
    assert _entry_right(quiz, "carrier", raw) is right


@pytest.mark.parametrize(("raw", "right"), [("12,5", True), ("12.50", True), ("12,5 Stk", False), ("12,51", False)])
def test_data_entry_number(quiz: Quiz, raw: str, right: bool) -> None:
    assert _entry_right(quiz, "qty", raw) is right


# --- essay --------------------------------------------------------------------------------------


def test_essay_waits_for_manual_grading(quiz: Quiz) -> None:
    question = quiz.question("why-check")
    score = _score(question, {"text": "Because errors cost money."})
    assert (score.marks, score.max_marks, score.needs_manual) == (0.0, 1.0, True)
    blank = _score(question, {"text": "   \n "})
    assert (blank.marks, blank.needs_manual) == (0.0, False)  # nothing to grade


def test_score_to_dict(quiz: Quiz) -> None:
    data = _score(quiz.question("fob"), {"choice": "a"}).to_dict()
    assert data == {"marks": 2.0, "max_marks": 2.0, "needs_manual": False, "parts": [{"key": "choice", "correct": True}]}
