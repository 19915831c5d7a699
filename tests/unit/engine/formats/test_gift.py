"""GIFT as Moodle implements it: the documented features, malformed files, and round trips."""
from decimal import Decimal
from pathlib import Path

import pytest

from lms_module.engine import limits
from lms_module.engine.formats import FormatError, format_for_filename, format_named
from lms_module.engine.loader import load_quiz
from lms_module.engine.schema import Quiz

FIXTURE = Path(__file__).parents[3] / "fixtures" / "formats" / "gift" / "every-feature.gift"
LIBRARY = Path(__file__).parents[4] / "quizzes"
GIFT = format_named("gift")


@pytest.fixture(scope="module")
def bank():
    return GIFT.read(FIXTURE.read_bytes(), language="en")


def by_id(bank):
    return {q.id: q for q in bank.questions}


def test_the_fixture_imports_every_question_but_the_description(bank):
    assert [q.id for q in bank.questions] == [
        "grant-s-tomb", "missing-word", "two-correct", "partial-credit", "tolerance", "range", "several-numbers",
        "matching", "true", "false-with-feedback", "short-answer", "essay", "escapes", "html", "markdown", "plain",
        "moodle"]
    assert len(bank.skipped) == 1
    assert bank.skipped[0].line == 46 and "description" in bank.skipped[0].message


def test_categories_and_tag_comments_become_tags(bank):
    assert bank.tags["grant-s-tomb"] == ["Billing", "DRG", "exam"]
    assert bank.tags["missing-word"] == ["Billing", "DRG"]
    assert bank.tags["tolerance"] == ["Numbers"]


def test_single_choice_with_answer_and_general_feedback(bank):
    q = by_id(bank)["grant-s-tomb"]
    assert q.type == "single"
    assert q.text.en == "Who's buried in Grant's tomb?" and q.text.de is None
    assert [(o.text.en, o.correct) for o in q.options] == [("Grant", False), ("Jefferson", False), ("no one", True)]
    assert q.options[2].feedback.en == "Right: they are entombed."
    assert q.explanation.en == "Grant and his wife lie in a tomb above ground."


def test_missing_word_is_a_cloze_with_a_choice_gap(bank):
    q = by_id(bank)["missing-word"]
    assert q.type == "cloze"
    assert q.text.en == "Grant is {{gap}} in Grant's tomb."
    (gap,) = q.gaps
    assert gap.type == "choice" and [o.text.en for o in gap.options if o.correct] == ["entombed"]


def test_weights_summing_to_100_make_a_multiple_choice_without_a_note(bank):
    q = by_id(bank)["two-correct"]
    assert q.type == "multiple"
    assert [o.correct for o in q.options] == [True, True, False, False]
    assert q.options[3].feedback.en == "Six is 2 × 3."
    assert not [n for n in bank.notes if n.question == "Two correct"]


def test_partial_credit_kontor_cannot_score_is_noted(bank):
    q = by_id(bank)["partial-credit"]
    assert q.type == "single" and [o.correct for o in q.options] == [True, False, False]
    notes = [n.message for n in bank.notes if n.question == "Partial credit"]
    assert any("partial credit" in n for n in notes) and any("negative weights" in n for n in notes)


def test_numeric_tolerance_range_and_several_answers(bank):
    questions = by_id(bank)
    assert (questions["tolerance"].answer, questions["tolerance"].tolerance) == (Decimal("3.1415"), Decimal("0.0005"))
    assert (questions["range"].answer, questions["range"].tolerance) == (Decimal(3), Decimal(2))
    several = questions["several-numbers"]
    assert (several.answer, several.tolerance) == (Decimal(1822), Decimal(0))
    assert "Exactly." in several.explanation.en
    assert any("dropped 1 other answer" in n.message for n in bank.notes if n.question == "Several numbers")


def test_matching_with_a_distractor(bank):
    q = by_id(bank)["matching"]
    assert [(p.left.en, p.right.en) for p in q.pairs] == [("Canada", "Ottawa"), ("Italy", "Rome"), ("Japan", "Tokyo")]
    assert [d.en for d in q.distractors] == ["Paris"]


def test_true_false_and_its_feedback(bank):
    questions = by_id(bank)
    assert questions["true"].answer is True
    false = questions["false-with-feedback"]
    assert false.answer is False
    assert false.explanation.en == "Right, it rises in the east.\n\nIt does, look again."


def test_short_answer_and_essay(bank):
    questions = by_id(bank)
    assert questions["short-answer"].answers.en == ["no one", "nobody"]
    assert questions["essay"].type == "essay"


def test_escaped_characters(bank):
    q = by_id(bank)["escapes"]
    assert q.text.en == "Which answer is {right}: a~b, a=b, a#b or a\\b?\nChoose one."
    assert [o.text.en for o in q.options] == ["a~b", "a=b", "a#b", "a\\b"]
    assert [o.correct for o in q.options] == [True, False, False, False]


def test_format_markers(bank):
    questions = by_id(bank)
    assert questions["html"].text.en == "Is this **bold** and *italic*?\n\nYes & no."
    assert questions["markdown"].text.en == "Is **this** bold?"
    assert questions["plain"].text.en == "Plain text."
    assert questions["moodle"].text.en == "Moodle auto-format."


def test_html_that_markdown_cannot_hold_is_stripped_with_a_note():
    bank = GIFT.read(b"::h::[html]<script>alert(1)</script><img src=x onerror=alert(1)>Hi <a href='x'>there</a>{T}")
    assert bank.questions[0].text.en == "Hi there"
    assert any("reduced to its text" in n.message for n in bank.notes)


def test_german_import_fills_the_german_text():
    bank = GIFT.read("Wer?{=niemand}".encode(), language="de")
    assert bank.questions[0].text.de == "Wer?" and bank.questions[0].text.en is None
    assert bank.questions[0].id == "q-1"


def test_duplicate_names_get_suffixes():
    bank = GIFT.read(b"::Same::A{T}\n\n::Same::B{F}\n\n::Same::C{T}")
    assert [q.id for q in bank.questions] == ["same", "same-2", "same-3"]


@pytest.mark.parametrize("source, reason", [
    ("Who?{~a ~b}", "exactly one option must be correct"),
    ("How much?{#5:-1}", "greater than or equal to 0"),
    ("Match {=a -> b}", "at least 2"),
])
def test_questions_that_break_kontors_rules_are_skipped_with_the_engine_message(source, reason):
    bank = GIFT.read(f"::ok::Fine?{{T}}\n\n::bad::{source}".encode())
    assert [q.id for q in bank.questions] == ["ok"]
    (finding,) = bank.skipped
    assert finding.line == 3 and finding.question == "bad" and reason in finding.message


@pytest.mark.parametrize("source, line, reason", [
    ("Fine{T}\n\nBroken {=a ~b", 3, "exactly one answer block"),
    ("Fine{T}\n\nTwo {T} blocks {F}", 3, "exactly one answer block"),
    ("::unclosed name {T}", 1, "not closed"),
    ("Fine{T}\n\n\nNumber {#twelve}", 4, "not a number"),
    ("What {something}", 1, "cannot tell the question type"),
    ("Pairs {=a -> b =c}", 1, "needs ->"),
    ("Fine{T}\n\nBell \x07{T}", 3, "control character"),
])
def test_malformed_files_raise_with_the_line_and_return_nothing(source, line, reason):
    with pytest.raises(FormatError) as caught:
        GIFT.read(source.encode())
    assert any(f.line == line and reason in f.message for f in caught.value.findings), caught.value.findings


def test_every_malformed_question_is_reported_at_once():
    with pytest.raises(FormatError) as caught:
        GIFT.read(b"A {T\n\nB {#x}\n\nC{T}")
    assert [f.line for f in caught.value.findings] == [1, 3]


def test_limits_apply_before_parsing():
    with pytest.raises(FormatError, match="larger than"):
        GIFT.read(b" " * (limits.MAX_IMPORT_BYTES + 1))
    with pytest.raises(FormatError, match="at most"):
        GIFT.read(b"\n\n".join([b"Q{T}"] * (limits.MAX_IMPORT_QUESTIONS + 1)))
    with pytest.raises(FormatError, match="longer than"):
        GIFT.read(b"Q" + b"x" * limits.MAX_TEXT_CHARS + b"{T}")
    with pytest.raises(FormatError, match="not UTF-8"):
        GIFT.read(b"Q\xff{T}")


def test_gift_files_are_recognised_by_name_but_txt_is_ambiguous_with_aiken():
    assert format_for_filename("bank.gift") is GIFT
    assert format_for_filename("bank.txt") is None


# --- round trips --------------------------------------------------------------------------------------

ROUND_TRIP = [
    {"type": "single", "points": 2, "text": {"en": "Pick *one*: a {b} c:d ~ = # \\"}, "explanation": {"en": "Why.\nTwo lines."},
     "options": [{"id": "a", "text": {"en": "Right"}, "correct": True, "feedback": {"en": "Yes"}},
                 {"id": "b", "text": {"en": "Wrong = bad"}, "feedback": {"en": "No # not"}}]},
    {"type": "multiple", "text": {"en": "Pick several"},
     "options": [{"id": "a", "text": {"en": "A"}, "correct": True}, {"id": "b", "text": {"en": "B"}, "correct": True},
                 {"id": "c", "text": {"en": "C"}, "correct": True}, {"id": "d", "text": {"en": "D"}, "feedback": {"en": "Not D"}}]},
    {"type": "true_false", "text": {"en": "True?"}, "answer": True, "explanation": {"en": "Because"}},
    {"type": "true_false", "points": 0.5, "text": {"en": "False?"}, "answer": False},
    {"type": "numeric", "text": {"en": "VAT on 100?"}, "answer": "19.00", "tolerance": "0.005", "explanation": {"en": "19 %"}},
    {"type": "short_text", "text": {"en": "Code?"}, "answers": {"en": ["EORI", "EORI number"]}},
    {"type": "matching", "text": {"en": "Match"},
     "pairs": [{"left": {"en": "FOB"}, "right": {"en": "Free On Board"}}, {"left": {"en": "EXW"}, "right": {"en": "Ex Works"}}],
     "distractors": [{"en": "Delivered Duty Paid"}]},
    {"type": "cloze", "text": {"en": "The rate is called {{gap}}, fine."},
     "gaps": [{"id": "gap", "type": "choice", "options": [{"id": "a", "text": {"en": "standard"}, "correct": True},
                                                         {"id": "b", "text": {"en": "reduced"}, "feedback": {"en": "7 %"}}]}]},
    {"type": "cloze", "text": {"en": "VAT is {{gap}} EUR."}, "gaps": [{"id": "gap", "type": "numeric", "answer": "19", "tolerance": "0.5"}]},
    {"type": "cloze", "text": {"en": "It is a {{gap}} note."}, "gaps": [{"id": "gap", "type": "short_text", "answers": {"en": ["delivery"]}}]},
    {"type": "essay", "points": 5, "text": {"en": "Write a letter."}, "explanation": {"en": "A model answer."}},
]


def _without_ids(value):
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


@pytest.mark.parametrize("data", ROUND_TRIP, ids=lambda d: d["type"])
def test_round_trip_keeps_the_question(data):
    original = Quiz.model_validate({"slug": "t", "title": "T", "topic": "accuracy",
                                    "questions": [{"id": "q", **data}]}).questions[0]
    exported = GIFT.write([original], title="T", language="en")
    bank = GIFT.read(exported.data, language="en")
    assert not bank.skipped, bank.skipped
    (back,) = bank.questions
    assert _without_ids(back.model_dump(mode="json")) == _without_ids(original.model_dump(mode="json"))
    assert back.id == "q"


def test_types_gift_lacks_are_written_in_the_nearest_form_with_a_note():
    quiz = load_quiz(LIBRARY / "accuracy" / "accuracy-exam.yaml")
    kinds = {q.type: q for q in quiz.questions}
    assert {"document_check", "data_entry"} <= kinds.keys()
    check = kinds["document_check"]
    exported = GIFT.write([check, kinds["data_entry"]], title="x", language="en")
    assert any("multiple choice of the document's fields" in n.message for n in exported.notes)
    assert any("short-answer question(s), one per field" in n.message for n in exported.notes)
    bank = GIFT.read(exported.data, language="en")
    first = bank.questions[0]
    assert first.type == "multiple"
    assert [o.correct for o in first.options] == [bool(f.error) for f in check.document.fields]
    assert len(bank.questions) == 1 + len(kinds["data_entry"].fields)
    assert sum(q.points for q in bank.questions[1:]) == pytest.approx(kinds["data_entry"].points)


def test_ordering_becomes_a_matching_of_items_to_positions():
    quiz = Quiz.model_validate({"slug": "t", "title": "T", "topic": "accuracy", "questions": [
        {"id": "o", "type": "ordering", "text": "Order", "items": [
            {"id": "a", "text": "Pick"}, {"id": "b", "text": "Pack"}, {"id": "c", "text": "Ship"}]}]})
    exported = GIFT.write(quiz.questions, title="t")
    back = GIFT.read(exported.data).questions[0]
    assert back.type == "matching"
    assert [(p.left.en, p.right.en) for p in back.pairs] == [("Pick", "1"), ("Pack", "2"), ("Ship", "3")]
    assert any("ordering" in n.message for n in exported.notes)


@pytest.mark.parametrize("path", sorted(LIBRARY.glob("*/*.yaml")), ids=lambda p: p.stem)
@pytest.mark.parametrize("language", ["de", "en"])
def test_the_whole_library_exports_and_imports_again(path, language):
    quiz = load_quiz(path)
    exported = GIFT.write(quiz.questions, title=quiz.slug, language=language)
    bank = GIFT.read(exported.data, language=language)
    assert not bank.skipped
    assert len(bank.questions) >= len(quiz.questions)


def test_language_marks_are_written_as_plain_phrases_with_a_note():
    """GIFT cannot say that a phrase is English: the phrase is written without Kontor's brackets."""
    from pydantic import TypeAdapter

    from lms_module.engine.formats import format_named
    from lms_module.engine.schema import Question

    question = TypeAdapter(Question).validate_python({
        "id": "closing", "type": "true_false", "answer": True,
        "text": {"de": "„[Yours sincerely]{lang=en}“ ist eine Grußformel.",
                 "en": "“[Yours sincerely]{lang=en}” is a closing.", "lang": "de"},
    })
    exported = format_named("gift").write([question], title="Marks", language="de").data.decode()
    assert "{lang" not in exported and "lang\\=" not in exported
    gift = format_named("gift").write([question], title="Marks", language="de")
    assert "Yours sincerely" in gift.data.decode()
    assert any("language marks are dropped" in note.message for note in gift.notes)
