"""The library's language marks and the small data fixes of issue 16 stay in place."""
from __future__ import annotations

import random
from pathlib import Path

from lms_module.engine import handler_for
from lms_module.engine.loader import load_quiz
from lms_module.engine.normalize import normalize

QUIZZES = Path(__file__).resolve().parents[3] / "quizzes"


def _question(file, question_id):
    quiz = load_quiz(QUIZZES / file)
    return next(q for q in quiz.questions if q.id == question_id)


def _view(question, locale):
    handler = handler_for(question)
    return handler.view(question, handler.layout(question, random.Random(1), False), locale)


def test_the_english_invoice_is_marked_english_on_the_german_page():
    view = _view(_question("accuracy/accuracy-exam.yaml", "de-us-supplier-invoice"), "de")
    assert view["document"]["lang"] == "en"
    assert '<span lang="de">Rechnungsnummer</span>' in view["document"]["fields"][0]["label"]


def test_quoted_english_phrases_in_the_german_cloze_are_marked():
    view = _view(_question("executives/executives-exam.yaml", "english-letter-conventions"), "de")
    html = "".join(str(s["html"]) for s in view["segments"] if s["kind"] == "text")
    assert '<span lang="en">Dear Sir or Madam</span>' in html and '<span lang="en">Yours</span>' in html


def test_the_insurer_code_has_a_valid_check_digit():
    """IK: the ninth digit is the digit sum (2,1,2,1,... weights, products' digits) of digits 3-8, mod 10."""
    question = _question("insurance-billing/insurance-billing-exam.yaml", "enter-admission-data")
    code = next(f for f in question.fields if f.id == "insurer-ik").answer[0]
    total = sum(sum(divmod(int(d) * w, 10)) for d, w in zip(code[2:8], (2, 1, 2, 1, 2, 1)))
    assert int(code[8]) == total % 10


def test_a_birth_date_with_a_two_digit_year_is_accepted():
    question = _question("insurance-billing/insurance-billing-exam.yaml", "enter-admission-data")
    birth = next(f for f in question.fields if f.answer == ["1958-11-07"])
    assert normalize("07.11.58", birth.normalize) & birth.expected_forms()


def test_no_unreserved_example_domains_and_number_fields_say_so():
    for path in QUIZZES.rglob("*.yaml"):
        assert "example.de" not in path.read_text(encoding="utf-8"), path
        for question in load_quiz(path).questions:
            for field in getattr(question, "fields", []) or []:
                if getattr(field, "normalize", None) == "number":
                    assert "nur die Zahl" in field.label.de and "number only" in field.label.en, (path, question.id)
