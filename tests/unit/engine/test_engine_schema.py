"""Structural rules that hold for every quiz file (any author)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from lms_module.engine.schema import Quiz, Settings


def _rule_messages(exc: ValidationError) -> list[str]:
    return [str(e["ctx"]["message"]) if e["type"] == "quiz_rule" else e["msg"] for e in exc.errors()]


def _options(*correct: bool) -> list[dict[str, Any]]:
    return [{"id": chr(97 + i), "text": f"Option {i}", "correct": c} for i, c in enumerate(correct)]


def _quiz(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": "demo",
        "title": "Demo",
        "topic": "accuracy",
        "questions": [{"id": "q1", "type": "true_false", "text": "?", "answer": True}],
    }
    return {**data, **overrides}


def test_settings_defaults() -> None:
    settings = Settings()
    assert (settings.mode, settings.attempts, settings.grading, settings.feedback) == (
        "exam",
        1,
        "highest",
        "after_submit",
    )
    assert settings.time_limit_minutes is None and settings.questions_per_attempt is None


@pytest.mark.parametrize(
    "bad",
    [
        {"mode": "test"},
        {"attempts": -1},
        {"grading": "best"},
        {"time_limit_minutes": 0},
        {"pass_mark": 1.2},
        {"feedback": "later"},
        {"layout": "grid"},
        {"questions_per_attempt": 0},
        {"colour": "red"},
    ],
)
def test_invalid_settings(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Settings.model_validate(bad)


def test_minimal_quiz_is_valid() -> None:
    quiz = Quiz.model_validate(_quiz())
    assert quiz.question("q1").type == "true_false"
    with pytest.raises(KeyError):
        quiz.question("nope")


@pytest.mark.parametrize("slug", ["Demo", "demo_quiz", "-demo", "demo-", ""])
def test_slug_pattern(slug: str) -> None:
    with pytest.raises(ValidationError):
        Quiz.model_validate(_quiz(slug=slug))


def test_unknown_topic() -> None:
    with pytest.raises(ValidationError):
        Quiz.model_validate(_quiz(topic="cooking"))


def test_questions_per_attempt_not_above_question_count() -> None:
    with pytest.raises(ValidationError) as info:
        Quiz.model_validate(_quiz(settings={"questions_per_attempt": 2}))
    assert "questions_per_attempt" in _rule_messages(info.value)[0]


def test_duplicate_question_ids() -> None:
    question = {"id": "q1", "type": "true_false", "text": "?", "answer": True}
    with pytest.raises(ValidationError) as info:
        Quiz.model_validate(_quiz(questions=[question, question]))
    assert info.value.errors()[0]["ctx"]["at"] == ["questions", 1, "id"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"type": "single", "options": _options(True, True, False)}, "exactly one option must be correct"),
        ({"type": "single", "options": _options(False, False, False)}, "exactly one option must be correct"),
        ({"type": "multiple", "options": _options(False, False, False)}, "at least one option must be correct"),
        ({"type": "single", "options": [*_options(True, False), {"id": "a", "text": "x"}]}, "option id 'a'"),
        ({"type": "numeric", "answer": 1, "tolerance": -0.1}, "greater than or equal to 0"),
        ({"type": "true_false", "answer": True, "difficulty": 4}, "less than or equal to 3"),
        ({"type": "true_false", "answer": True, "difficulty": 0}, "greater than or equal to 1"),
        ({"type": "true_false", "answer": True, "points": 0}, "greater than 0"),
        ({"type": "matching", "pairs": [{"left": "A", "right": "1"}]}, "at least 2 items"),
        ({"type": "ordering", "items": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}]}, "at least 3 items"),
        ({"type": "essay", "min_words": 100, "max_words": 50}, "min_words is larger"),
        ({"type": "true_false", "answer": True, "colour": "red"}, "Extra inputs"),
    ],
)
def test_question_rules(make_question: Callable[..., Any], fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        make_question(**fields)
    assert any(message in m for m in _rule_messages(info.value))


def test_matching_right_choices_must_differ(make_question: Callable[..., Any]) -> None:
    with pytest.raises(ValidationError):
        make_question(type="matching", pairs=[{"left": "A", "right": "x"}, {"left": "B", "right": "y"}], distractors=["x"])


def _cloze(text: Any, gaps: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "cloze", "text": text, "gaps": gaps}


VAT_GAP = {"id": "vat", "type": "numeric", "answer": 19}


@pytest.mark.parametrize(
    ("text", "gaps", "message"),
    [
        ({"de": "{{vat}} und {{vat}}", "en": "{{vat}}"}, [VAT_GAP], "exactly once, found 2"),
        ({"de": "{{vat}}", "en": "no gap"}, [VAT_GAP], "exactly once, found 0"),
        ("{{vat}} {{who}}", [VAT_GAP], "{{who}} has no gap"),
        ("{{vat}}", [VAT_GAP, VAT_GAP], "gap id 'vat' is used twice"),
    ],
)
def test_cloze_rules(make_question: Callable[..., Any], text: Any, gaps: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        make_question(**_cloze(text, gaps))
    assert any(message in m for m in _rule_messages(info.value))


def test_cloze_error_points_at_the_language(make_question: Callable[..., Any]) -> None:
    with pytest.raises(ValidationError) as info:
        make_question(**_cloze({"de": "{{vat}}", "en": "missing"}, [VAT_GAP]))
    assert info.value.errors()[0]["ctx"]["at"] == ["text", "en"]


def test_choice_gap_needs_exactly_one_right_option(make_question: Callable[..., Any]) -> None:
    gap = {"id": "who", "type": "choice", "options": _options(False, False)}
    with pytest.raises(ValidationError):
        make_question(**_cloze("{{who}}", [gap]))


def _checked(*faulty: bool) -> dict[str, Any]:
    fields = [
        {"id": f"f{i}", "label": "L", "value": "V", **({"error": "wrong"} if bad else {})} for i, bad in enumerate(faulty)
    ]
    return {"type": "document_check", "document": {"fields": fields}}


@pytest.mark.parametrize(
    ("faulty", "message"),
    [((False, False), "at least one field must be faulty"), ((True, True), "at least one field must be correct")],
)
def test_document_check_needs_faulty_and_correct_fields(
    make_question: Callable[..., Any], faulty: tuple[bool, ...], message: str
) -> None:
    with pytest.raises(ValidationError) as info:
        make_question(**_checked(*faulty))
    assert message in _rule_messages(info.value)[0]


def _entry(answer: Any, normalize: str = "text") -> dict[str, Any]:
    field = {"id": "f", "label": "L", "answer": answer, "normalize": normalize}
    return {"type": "data_entry", "document": {"title": "Doc"}, "fields": [field]}


@pytest.mark.parametrize(
    ("answer", "rule"),
    [("03.11.2026", "date"), ("2026-02-30", "date"), ("lots", "amount"), ("1.190", "amount"), ("1 x", "number"), (1190, "amount"), ("", "text")],
)
def test_data_entry_expected_answers_must_normalise(make_question: Callable[..., Any], answer: Any, rule: str) -> None:
    with pytest.raises(ValidationError):
        make_question(**_entry(answer, rule))


def test_data_entry_accepts_unquoted_iso_date_and_lists(make_question: Callable[..., Any]) -> None:
    from datetime import date

    question = make_question(**_entry(date(2026, 11, 3), "date"))
    assert question.fields[0].answer == ["2026-11-03"]
    question = make_question(**_entry(["DHL", "DHL Freight"]))
    assert question.fields[0].answer == ["DHL", "DHL Freight"]


def test_short_text_answers_list_or_per_language(make_question: Callable[..., Any]) -> None:
    both = make_question(type="short_text", answers=["EORI"])
    assert both.answers.de == both.answers.en == ["EORI"]
    per_language = make_question(type="short_text", answers={"de": ["Lieferschein"], "en": ["delivery note"]})
    assert per_language.answers.all() == ["Lieferschein", "delivery note"]
    with pytest.raises(ValidationError):
        make_question(type="short_text", answers=[])
    with pytest.raises(ValidationError):
        make_question(type="short_text", answers=[19])


def test_ids_must_be_lowercase_slugs(make_question: Callable[..., Any]) -> None:
    with pytest.raises(ValidationError):
        make_question(id="Q_1", type="true_false", answer=True)
