"""The built-in quizzes' titles follow one pattern (quizzes/README.md, "Titles"): the subject, a
colon and the kind of quiz in the words the activity page uses for the mode, "Übung" / "practice"
or "Prüfung" / "exam". Before, the library mixed "Übung", "Übungsquiz", "Abschlussprüfung" and
"Abschlusstest" (and "practice quiz", "final exam", "final test"), so the quiz picker listed
sister quizzes under different names."""
from __future__ import annotations

from pathlib import Path

import pytest

from lms_module.engine.loader import load_quiz

QUIZZES = Path(__file__).resolve().parents[3] / "quizzes"
LIBRARY = sorted(QUIZZES.glob("*/*.yaml"))
KIND = {"practice": {"de": "Übung", "en": "practice"}, "exam": {"de": "Prüfung", "en": "exam"}}


def test_the_library_has_titles_to_check():
    assert len(LIBRARY) >= 14


@pytest.mark.parametrize("path", LIBRARY, ids=[f"{p.parent.name}/{p.name}" for p in LIBRARY])
def test_a_title_names_its_subject_and_the_kind_of_quiz(path):
    quiz = load_quiz(path)
    for lang in ("de", "en"):
        title = getattr(quiz.title, lang)
        subject, colon, kind = title.rpartition(": ")
        assert colon and subject.strip(), f"{lang}: {title!r} is not '<subject>: <kind>'"
        assert kind == KIND[quiz.settings.mode][lang], \
            f"{lang}: {title!r} should end in ': {KIND[quiz.settings.mode][lang]}' (mode {quiz.settings.mode})"


# Words for a quiz's kind that the titles gave up; a description that still calls its quiz so names
# it differently from its own title in the picker. (The career quizzes' questions name the IHK's
# "Abschlussprüfung" as a subject: only descriptions are checked.)
RETIRED_KINDS = ("Übungsquiz", "Abschlussprüfung", "Abschlusstest", "practice quiz", "final exam", "final test")


@pytest.mark.parametrize("path", LIBRARY, ids=[f"{p.parent.name}/{p.name}" for p in LIBRARY])
def test_a_description_calls_the_quiz_what_its_title_does(path):
    quiz = load_quiz(path)
    for lang in ("de", "en"):
        description = getattr(quiz.description, lang) or ""
        retired = [word for word in RETIRED_KINDS if word.lower() in description.lower()]
        assert not retired, f"{lang}: the description says {retired}, the title {getattr(quiz.title, lang)!r}"
