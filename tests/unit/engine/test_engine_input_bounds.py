"""Security (issue 9): numbers a student types are bounded; scoring never fails on them."""
from __future__ import annotations

import pytest

from lms_module.engine import InvalidAnswer, Quiz, handler_for, score_answer
from lms_module.engine.normalize import normalize, parse_decimal

HUGE = "1" * 29  # Decimal.quantize raised InvalidOperation from 29 digits on


@pytest.mark.parametrize("rule", ["amount", "number"])
def test_a_number_with_too_many_digits_cannot_be_read(rule: str) -> None:
    assert normalize(HUGE, rule) == frozenset()
    assert normalize("1" * 21, rule) == frozenset()
    assert normalize("1" * 15, rule)  # ordinary sizes are read
    assert normalize("999.999.999.999.999,99 €", "amount") == {"999999999999999.99"}


def test_a_number_of_10_to_the_15_or_more_cannot_be_read() -> None:
    assert parse_decimal("1" + "0" * 15) == frozenset()
    assert parse_decimal("9" * 15)


def test_unreadable_numbers_are_wrong_answers(quiz: Quiz) -> None:
    entry = quiz.question("delivery-entry")
    score = handler_for(entry).score(entry, {"fields": {"total": HUGE, "qty": HUGE * 3}})
    assert score.marks == 0
    gross = quiz.question("gross")
    assert handler_for(gross).score(gross, {"value": "9" * 60}).marks == 0
    cloze = quiz.question("vat-cloze")
    assert handler_for(cloze).score(cloze, {"gaps": {"vat": HUGE}}).marks == 0


def test_typing_a_number_with_too_many_digits_is_refused(quiz: Quiz) -> None:
    for question_id, field in (("gross", "q-gross"), ("vat-cloze", "q-vat-cloze__vat"),
                               ("delivery-entry", "q-delivery-entry__total")):
        question = quiz.question(question_id)
        with pytest.raises(InvalidAnswer) as refused:
            handler_for(question).parse(question, {"gaps": {}}, {field: ["1" * 21]})
        assert refused.value.message_key == "number_too_long"
    # Text fields of a data entry take any 500 characters, digits included.
    entry = quiz.question("delivery-entry")
    assert handler_for(entry).parse(entry, {}, {"q-delivery-entry__ref": ["1" * 40]}) == {"fields": {"ref": "1" * 40}}


def test_a_failing_handler_counts_the_answer_as_wrong_instead_of_failing_the_attempt(quiz: Quiz, monkeypatch, caplog) -> None:
    question = quiz.question("gross")

    def broken(self, question, response):
        raise ArithmeticError("cannot compute")

    monkeypatch.setattr(type(handler_for(question)), "score", broken)
    score = score_answer(question, {"value": "119"})
    assert (score.marks, score.max_marks) == (0.0, question.points)
    assert "scoring question 'gross' failed" in caplog.text
