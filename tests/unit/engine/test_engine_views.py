"""Views never carry the answer key; reviews carry all of it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lms_module.engine import Quiz, handler_for, plan_attempt

SECRETS = ("SECRET", "correct", "explanation", "rubric", "error", "feedback", "Erklärung", "Explanation")
KEY_REFS = ('"r0"', '"r1"', '"r2"', '"d0"', "wrong-qty", "wrong-date")


def _views(quiz: Quiz, locale: str, seed: int, responses: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    views = []
    for planned in plan_attempt(quiz, seed, True, True):
        question = quiz.question(planned.question_id)
        response = (responses or {}).get(question.id)
        views.append(handler_for(question).view(question, planned.layout, locale, response))
    return views


RESPONSES = {
    "fob": {"choice": "b"},
    "vat-docs": {"choices": ["a", "c"]},
    "eori-tf": {"value": True},
    "gross": {"value": "1190"},
    "eori": {"value": "EORI"},
    "incoterms": {"pairs": ["r0", "d0", None]},
    "shipping": {"positions": {"pick": 1}},
    "vat-cloze": {"gaps": {"vat": "19", "who": "b"}},
    "invoice-check": {"marked": ["wrong-qty", "price"]},
    "delivery-entry": {"fields": {"date": "3.11.2026"}},
    "why-check": {"text": "Weil."},
}


@pytest.mark.parametrize("locale", ["de", "en"])
@pytest.mark.parametrize("answered", [False, True])
def test_views_hold_no_answer_key(quiz: Quiz, locale: str, answered: bool) -> None:
    for view in _views(quiz, locale, seed=3, responses=RESPONSES if answered else None):
        dumped = json.dumps(view, ensure_ascii=False)
        for secret in (*SECRETS, *KEY_REFS):
            assert secret not in dumped, (view["id"], secret)


def test_views_are_json_safe_and_name_every_input_after_the_question(quiz: Quiz) -> None:
    for view in _views(quiz, "en", seed=3):
        assert json.loads(json.dumps(view))["id"] == view["id"]
        names = [v for k, v in _walk(view) if k == "name"]
        assert names and all(n == f"q-{view['id']}" or n.startswith(f"q-{view['id']}__") for n in names)


def _walk(node: Any) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((key, value))
            found.extend(_walk(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_walk(item))
    return found


def test_view_localises_and_renders_markdown(quiz: Quiz) -> None:
    question = quiz.question("fob")
    handler = handler_for(question)
    layout = handler.layout(question, __import__("random").Random(1), False)
    assert handler.view(question, layout, "de")["stem"] == "Wofür steht <strong>FOB</strong>?"
    assert handler.view(question, layout, "en")["stem"] == "What does <strong>FOB</strong> stand for?"


def _review(quiz: Quiz, question_id: str, response: dict[str, Any], locale: str = "en") -> dict[str, Any]:
    planned = {p.question_id: p for p in plan_attempt(quiz, 3, False, True)}
    question = quiz.question(question_id)
    return handler_for(question).review(question, planned[question_id].layout, locale, response)


def test_review_of_single_has_key_feedback_and_explanation(quiz: Quiz) -> None:
    review = _review(quiz, "fob", {"choice": "b"})
    assert review["outcome"] == "wrong" and review["marks"] == 0 and review["max_marks"] == 2
    chosen = next(r for r in review["rows"] if r["selected"])
    assert chosen["feedback"] == "SECRET-FEEDBACK-EN" and chosen["correct"] is False
    assert [str(r["label"]) for r in review["rows"] if r["key"]] == ["Free On Board"]
    assert review["explanation"] == "SECRET-EXPLANATION-EN"
    assert review["source"] == "ICC, Incoterms 2020, rule FOB"


def test_review_outcomes(quiz: Quiz) -> None:
    assert _review(quiz, "fob", {"choice": "a"})["outcome"] == "correct"
    assert _review(quiz, "vat-docs", {"choices": ["a"]})["outcome"] == "partial"
    assert _review(quiz, "fob", {})["outcome"] == "unanswered"
    assert _review(quiz, "why-check", {"text": "Weil."})["outcome"] == "pending"


def test_review_of_document_check_explains_errors(quiz: Quiz) -> None:
    review = _review(quiz, "invoice-check", {"marked": ["price"]}, "de")
    rows = {str(r["label"]): r for r in review["rows"]}
    assert rows["Menge"]["error"] == "SECRET-ERROR-DE" and rows["Menge"]["marked"] is False
    assert rows["Einzelpreis"]["faulty"] is False and rows["Einzelpreis"]["correct"] is False


def test_review_of_parts(quiz: Quiz) -> None:
    matching = _review(quiz, "incoterms", {"pairs": ["r0", "d0", None]})
    assert [(r["given"], r["expected"], r["correct"]) for r in matching["rows"]] == [
        ("Free On Board", "Free On Board", True),
        ("Delivered Duty Paid", "Cost, Insurance and Freight", False),
        (None, "Ex Works", False),
    ]
    cloze = _review(quiz, "vat-cloze", {"gaps": {"who": "b"}}, "de")
    assert [(r["number"], r["expected"]) for r in cloze["rows"]] == [(1, "19"), (2, "Regelsteuersatz"), (3, "Endkunden")]
    numeric = _review(quiz, "gross", {"value": "1190"}, "de")
    assert numeric["rows"][0]["expected"] == "1.190,00 EUR"  # ± 0,005 on cents is rounding, not shown
    assert matching["marks_label"] == "0.33" and matching["max_marks_label"] == "1"
    essay = _review(quiz, "why-check", {"text": "<b>Weil</b>\nso."})
    assert essay["rows"][0]["text"] == "&lt;b&gt;Weil&lt;/b&gt;<br>\nso." and essay["rubric"] == "SECRET-RUBRIC-EN"
