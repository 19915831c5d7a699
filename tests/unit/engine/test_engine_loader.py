"""Loader errors carry file, line and dotted field path."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms_module.engine.loader import QuizFileError, QuizLoadError, check_path, format_field, load_quiz, parse_quiz, source_of


def _errors(path: Path) -> list[QuizFileError]:
    with pytest.raises(QuizLoadError) as info:
        load_quiz(path)
    return info.value.errors


def test_valid_file_loads(fixtures_dir: Path) -> None:
    quiz = load_quiz(fixtures_dir / "all_types.yaml")
    assert quiz.slug == "all-types" and len(quiz.questions) == 11
    source = source_of(quiz)
    assert source is not None and source.line(("questions", 1, "options", 2, "text")) == 37


def test_yaml_syntax_error(fixtures_dir: Path) -> None:
    path = fixtures_dir / "invalid" / "syntax_error.yaml"
    [error] = _errors(path)
    assert (error.path, error.line, error.field) == (str(path), 9, "")
    assert "YAML syntax error" in error.message and "from line 7" in error.message


def test_unknown_key(fixtures_dir: Path) -> None:
    [error] = _errors(fixtures_dir / "invalid" / "unknown_key.yaml")
    assert (error.line, error.field) == (12, "questions[0].options[1].feedbak")
    assert "unknown key" in error.message


def test_missing_language(fixtures_dir: Path) -> None:
    [error] = _errors(fixtures_dir / "invalid" / "missing_language.yaml")
    assert (error.line, error.field) == (7, "questions[0].text")
    assert "de or en" in error.message


def test_wrong_types(fixtures_dir: Path) -> None:
    errors = _errors(fixtures_dir / "invalid" / "wrong_type.yaml")
    assert [(e.line, e.field) for e in errors] == [(7, "questions[0].points"), (12, "questions[1].text")]
    assert "valid number" in errors[0].message
    assert "in quotes" in errors[1].message


def test_duplicate_ids(fixtures_dir: Path) -> None:
    [error] = _errors(fixtures_dir / "invalid" / "duplicate_ids.yaml")
    assert (error.line, error.field) == (9, "questions[1].id")
    assert "'same' is used twice" in error.message


def test_duplicate_yaml_key(fixtures_dir: Path) -> None:
    [error] = _errors(fixtures_dir / "invalid" / "duplicate_key.yaml")
    assert (error.line, error.field, error.message) == (9, "questions[0].answer", "duplicate key")


def test_unknown_question_type(fixtures_dir: Path) -> None:
    [error] = _errors(fixtures_dir / "invalid" / "bad_type_name.yaml")
    assert (error.line, error.field) == (6, "questions[0].type")
    assert "'multiple_choice'" in error.message


def test_missing_key_points_at_parent() -> None:
    text = "slug: x\ntitle: T\ntopic: accuracy\nquestions:\n  - id: q1\n    type: numeric\n    text: T\n"
    with pytest.raises(QuizLoadError) as info:
        parse_quiz(text, "inline.yaml")
    [error] = info.value.errors
    assert (error.line, error.field, error.message) == (5, "questions[0].answer", "required key is missing")


def test_nested_rule_error_points_at_node() -> None:
    text = (
        "slug: x\ntitle: T\ntopic: accuracy\nquestions:\n  - id: q1\n    type: single\n    text: T\n"
        "    options:\n      - {id: a, text: A, correct: true}\n      - {id: a, text: B}\n"
    )
    with pytest.raises(QuizLoadError) as info:
        parse_quiz(text, "inline.yaml")
    [error] = info.value.errors
    assert (error.line, error.field) == (10, "questions[0].options[1].id")


def test_empty_and_non_mapping_files() -> None:
    with pytest.raises(QuizLoadError, match="empty"):
        parse_quiz("", "empty.yaml")
    with pytest.raises(QuizLoadError, match="mapping"):
        parse_quiz("- a\n- b\n", "list.yaml")


def test_error_string_form() -> None:
    error = QuizFileError("quizzes/a.yaml", 3, "questions[0].id", "bad")
    assert str(error) == "quizzes/a.yaml:3: questions[0].id: bad"
    assert str(QuizFileError("a.yaml", None, "", "unreadable")) == "a.yaml: unreadable"


def test_format_field() -> None:
    assert format_field(("questions", 3, "options", 1, "text", "en")) == "questions[3].options[1].text.en"
    assert format_field(()) == ""


def test_check_path_walks_folders(fixtures_dir: Path) -> None:
    quizzes, errors = check_path(fixtures_dir)
    assert {q.slug for q in quizzes} >= {"all-types", "lib-two-options"}
    assert {Path(e.path).name for e in errors} == {p.name for p in (fixtures_dir / "invalid").glob("*.yaml")}
    assert all(Path(e.path).suffix in (".yaml", ".yml") for e in errors)


def test_check_path_single_file_and_missing_path(fixtures_dir: Path) -> None:
    quizzes, errors = check_path(fixtures_dir / "all_types.yaml")
    assert len(quizzes) == 1 and errors == []
    quizzes, errors = check_path(fixtures_dir / "nope")
    assert quizzes == [] and "no such file" in errors[0].message


def test_source_path(fixtures_dir: Path) -> None:
    quiz = load_quiz(fixtures_dir / "all_types.yaml")
    assert quiz.source_path == str(fixtures_dir / "all_types.yaml")
    assert type(quiz).model_validate(quiz.model_dump(mode="json", exclude_none=True)).source_path is None


def test_json_dump_round_trips(fixtures_dir: Path) -> None:
    quiz = load_quiz(fixtures_dir / "all_types.yaml")
    assert type(quiz).model_validate(quiz.model_dump(mode="json", exclude_none=True)) == quiz
