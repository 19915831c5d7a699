"""Aiken: single-choice questions only, read and written."""
from pathlib import Path

import pytest

from lms_module.engine import limits
from lms_module.engine.formats import FormatError, format_named
from lms_module.engine.loader import load_quiz
from lms_module.engine.schema import Quiz

FIXTURE = Path(__file__).parents[3] / "fixtures" / "formats" / "aiken" / "every-feature.txt"
LIBRARY = Path(__file__).parents[4] / "quizzes"
AIKEN = format_named("aiken")


def test_the_documented_example_imports_with_both_option_styles():
    bank = AIKEN.read(FIXTURE.read_bytes(), language="en")
    first, second = bank.questions
    assert (first.id, second.id) == ("q-1", "q-2")
    assert first.type == "single" and first.text.en == "What is the correct answer to this question?"
    assert [o.text.en for o in first.options if o.correct] == ["Must be this one!"]
    assert [o.id for o in second.options] == ["a", "b", "c", "d", "e", "f"]
    assert [o.text.en for o in second.options if o.correct] == ["Moodle"]
    assert not bank.skipped and not bank.notes


def test_german_import_and_questions_without_blank_lines():
    bank = AIKEN.read("Frage eins?\nA. ja\nB. nein\nANSWER: B\nFrage zwei?\nA) x\nB) y\nANSWER: A\n".encode(), language="de")
    assert [q.text.de for q in bank.questions] == ["Frage eins?", "Frage zwei?"]
    assert bank.questions[0].text.en is None


def test_a_question_with_one_option_is_skipped_with_the_engine_message():
    bank = AIKEN.read(b"Only one?\nA. yes\nANSWER: A\n\nTwo?\nA. a\nB. b\nANSWER: B\n")
    assert [q.id for q in bank.questions] == ["q-2"]
    assert bank.skipped[0].line == 1 and "at least 2" in bank.skipped[0].message


@pytest.mark.parametrize("source, line, reason", [
    ("Q?\nA. a\nB. b\nANSWER: C\n", 1, "not one of the options"),
    ("Q?\nA. a\nB. b\n", 1, "no ANSWER"),
    ("ANSWER: A\n", 1, "without a question"),
    ("Q?\nANSWER: A\n", 1, "no options"),
    ("Q?\nA. a\nB. b\nANSWER: A\n\nR?\nA. a\nB. b\nstray text\nANSWER: A\n", 9, "before the next begins"),
])
def test_malformed_files_raise_with_the_line(source, line, reason):
    with pytest.raises(FormatError) as caught:
        AIKEN.read(source.encode())
    assert any(f.line == line and reason in f.message for f in caught.value.findings), caught.value.findings


def test_limits():
    with pytest.raises(FormatError, match="larger than"):
        AIKEN.read(b"x" * (limits.MAX_IMPORT_BYTES + 1))
    with pytest.raises(FormatError, match="at most"):
        AIKEN.read(b"Q?\nA. a\nB. b\nANSWER: A\n" * (limits.MAX_IMPORT_QUESTIONS + 1))


def test_round_trip_of_a_single_choice():
    original = Quiz.model_validate({"slug": "t", "title": "T", "topic": "accuracy", "questions": [
        {"id": "q", "type": "single", "text": {"en": "Which?"}, "options": [
            {"id": "a", "text": {"en": "One"}}, {"id": "b", "text": {"en": "Two"}, "correct": True}]}]}).questions[0]
    back = AIKEN.read(AIKEN.write([original], title="t").data).questions[0]
    assert back.model_dump(exclude={"id"}) == original.model_dump(exclude={"id"})


def test_the_writer_skips_other_types_with_a_note_per_question():
    quiz = load_quiz(LIBRARY / "accuracy" / "accuracy-exam.yaml")
    exported = AIKEN.write(quiz.questions, title=quiz.slug, language="de")
    singles = [q for q in quiz.questions if q.type == "single"]
    others = [q for q in quiz.questions if q.type != "single"]
    skipped = [n for n in exported.notes if "single-choice questions only" in n.message]
    assert sorted(n.question for n in skipped) == sorted(q.id for q in others)
    bank = AIKEN.read(exported.data, language="de")
    assert [q.text.de for q in bank.questions] == [" ".join(q.text.de.split()) for q in singles]


def test_language_marks_are_written_as_plain_phrases():
    from pydantic import TypeAdapter

    from lms_module.engine.formats import format_named
    from lms_module.engine.schema import Question

    question = TypeAdapter(Question).validate_python({
        "id": "closing", "type": "single", "text": "Which closing fits a formal English letter?",
        "options": [{"id": "a", "text": "[Yours sincerely]{lang=en}", "correct": True},
                    {"id": "b", "text": "[Cheers]{lang=en}"}],
    })
    exported = format_named("aiken").write([question], title="Marks", language="en")
    assert "A. Yours sincerely" in exported.data.decode() and "{lang" not in exported.data.decode()
    assert any("language marks are dropped" in note.message for note in exported.notes)
