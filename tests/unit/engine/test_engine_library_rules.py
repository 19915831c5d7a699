"""The stricter rules for the built-in library, each with a failing fixture."""

from __future__ import annotations

from pathlib import Path

from lms_module.engine import Quiz, check_library, check_path, library_summary, load_quiz
from lms_module.engine.schema import Quiz as QuizModel


def _library_errors(fixtures_dir: Path, name: str) -> list[tuple[int | None, str, str]]:
    quiz = load_quiz(fixtures_dir / "library" / name)
    return [(e.line, e.field, e.message) for e in check_library([quiz])]


def test_all_types_fixture_passes(quiz: Quiz) -> None:
    assert check_library([quiz]) == []


def test_missing_language(fixtures_dir: Path) -> None:
    assert _library_errors(fixtures_dir, "missing_language.yaml") == [
        (13, "questions[0].options[2].text.en", "the English text is missing")
    ]


def test_explanation_and_source_required(fixtures_dir: Path) -> None:
    errors = _library_errors(fixtures_dir, "no_explanation.yaml")
    assert [(line, field) for line, field, _ in errors] == [(5, "questions[0].explanation"), (5, "questions[0].source")]


def test_choice_questions_need_three_options(fixtures_dir: Path) -> None:
    [(line, field, message)] = _library_errors(fixtures_dir, "two_options.yaml")
    assert (line, field) == (10, "questions[0].options") and "at least 3" in message


def test_forbidden_phrases_in_both_languages_any_case(fixtures_dir: Path) -> None:
    errors = _library_errors(fixtures_dir, "forbidden_phrase.yaml")
    assert [(line, field) for line, field, _ in errors] == [
        (13, "questions[0].options[2].text.de"),
        (13, "questions[0].options[2].text.en"),
        (14, "questions[0].options[3].text.en"),
    ]
    assert "'none of the above'" in errors[2][2]


def test_forbidden_phrase_in_question_text() -> None:
    quiz = QuizModel.model_validate(
        {
            "slug": "x",
            "title": "X",
            "topic": "career",
            "questions": [
                {
                    "id": "q1",
                    "type": "true_false",
                    "text": {"de": "Keine der genannten Aussagen stimmt.", "en": "No statement is right."},
                    "explanation": "E",
                    "source": "S",
                    "answer": True,
                }
            ],
        }
    )
    [error] = check_library([quiz])
    assert error.field == "questions[0].text.de" and error.line is None  # built in code: no file


def test_duplicate_slugs_across_files(fixtures_dir: Path, quiz: Quiz) -> None:
    duplicate = load_quiz(fixtures_dir / "library" / "duplicate_slug.yaml")
    [error] = check_library([quiz, duplicate])
    assert (Path(error.path).name, error.line, error.field) == ("duplicate_slug.yaml", 1, "slug")
    assert "all_types.yaml" in error.message


def test_per_language_short_text_answers_need_both(fixtures_dir: Path) -> None:
    quiz = QuizModel.model_validate(
        {
            "slug": "x",
            "title": "X",
            "topic": "career",
            "questions": [
                {
                    "id": "q1",
                    "type": "short_text",
                    "text": "T",
                    "explanation": "E",
                    "source": "S",
                    "answers": {"de": ["Lieferschein"]},
                }
            ],
        }
    )
    [error] = check_library([quiz])
    assert error.field == "questions[0].answers.en"


def test_library_summary(fixtures_dir: Path, quiz: Quiz) -> None:
    quizzes, _ = check_path(fixtures_dir / "library")
    summary = library_summary([quiz, *quizzes])
    assert summary.startswith("quizzes: 6, questions: 16 | accuracy 11, admin-software 0, ")
    assert "compliance 4" in summary and "career 1" in summary
    assert summary.endswith("| single 3, multiple 2, true_false 3, numeric 1, short_text 1, matching 1, ordering 1, cloze 1, document_check 1, data_entry 1, essay 1")


def test_whole_library_needs_difficulty_on_every_question_and_a_spread_per_topic(quiz: Quiz) -> None:
    from lms_module.engine import check_difficulty_spread

    one_level = quiz.model_copy(update={"questions": [q.model_copy(update={"difficulty": 2}) for q in quiz.questions]})
    messages = [e.message for e in check_difficulty_spread([one_level])]
    assert messages == ["topic 'accuracy' has no questions of difficulty 1, 3"]
    untagged = quiz.model_copy(update={"questions": [quiz.questions[0].model_copy(update={"difficulty": None}), *quiz.questions[1:]]})
    errors = check_difficulty_spread([untagged])
    assert any(e.field == "questions[0].difficulty" for e in errors)
