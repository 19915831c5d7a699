"""Security (issue 9): a small quiz file must not exhaust CPU, memory or disk, and odd input is a
clear error with a line, never a crash. Each test performs the attack."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from lms_module.engine import limits
from lms_module.engine.loader import QuizFileError, QuizLoadError, check_path, load_quiz, parse_quiz

HEAD = """slug: probe
title: Probe
topic: accuracy
"""
# About 500 bytes; each level multiplies by nine: 9^9 = 387 million strings when expanded.
ALIAS_BOMB = HEAD + """questions:
  - id: a
    type: short_text
    text: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    answers: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    explanation: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    source: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    x1: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    x2: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    x3: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    x4: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    x5: [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def _errors(text: str) -> list[QuizFileError]:
    with pytest.raises(QuizLoadError) as info:
        parse_quiz(text, "probe.yaml")
    return info.value.errors


def _question(text: str = "Q", **extra: str) -> str:
    fields = "".join(f"\n    {key}: {value}" for key, value in extra.items())
    return f"  - id: q{abs(hash((text, tuple(extra.items())))) % 10**8}\n    type: true_false\n    text: {text}\n    answer: true{fields}\n"


def test_an_alias_bomb_is_refused_at_once_with_its_line() -> None:
    assert len(ALIAS_BOMB) < 700
    started = time.perf_counter()
    [error] = _errors(ALIAS_BOMB)
    assert time.perf_counter() - started < 0.5
    assert error.line == 7 and "anchors (&) and aliases (*) are not allowed" in error.message


def test_an_alias_repeating_a_long_text_is_refused() -> None:
    """The 113 KB file that added 602 MB to the database: one long text, repeated by aliases."""
    long_text = "x" * 10_000
    questions = "".join(f"  - {{id: q{n}, type: true_false, text: *long, answer: true}}\n" for n in range(3000))
    text = HEAD + f"description: &long {long_text}\nquestions:\n" + questions
    assert len(text) < 200_000
    [error] = _errors(text)
    assert error.line == 4 and "anchors" in error.message


def test_a_merge_key_needs_an_alias_and_is_refused_too() -> None:
    text = HEAD + "settings: &s {mode: exam}\nquestions:\n  - <<: *s\n"
    assert "anchors" in _errors(text)[0].message


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    padding = "# " + "x" * 1000 + "\n"
    text = HEAD + padding * (limits.MAX_FILE_BYTES // len(padding) + 1) + "questions:\n" + _question()
    [error] = _errors(text)
    assert "larger than 1 MB" in error.message
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    _, errors = check_path(path)
    assert time.perf_counter() - started < 0.5
    assert [e.message for e in errors] == ["the file is larger than 1 MB"]


def test_a_text_over_the_limit_is_refused_with_its_line() -> None:
    text = HEAD + "questions:\n" + _question("y" * (limits.MAX_TEXT_CHARS + 1))
    [error] = _errors(text)
    assert error.line == 7 and f"longer than {limits.MAX_TEXT_CHARS} characters" in error.message


def test_too_many_questions_and_options_are_refused() -> None:
    many = HEAD + "questions:\n" + "".join(
        f"  - {{id: q{n}, type: true_false, text: Q, answer: true}}\n" for n in range(limits.MAX_QUESTIONS + 1)
    )
    assert any("list longer than" in e.message for e in _errors(many))
    options = "".join(f"\n      - {{id: o{n}, text: O{n}, correct: {str(n == 0).lower()}}}" for n in range(limits.MAX_OPTIONS + 1))
    text = HEAD + f"questions:\n  - id: q\n    type: single\n    text: Q\n    options:{options}\n"
    [error] = _errors(text)
    assert error.field == "questions[0].options" and f"at most {limits.MAX_OPTIONS}" in error.message


def test_the_total_of_all_texts_is_bounded() -> None:
    count = limits.MAX_TOTAL_CHARS // 15_000 + 1
    questions = "".join(
        f"  - {{id: q{n}, type: true_false, text: {'z' * 15_000}, answer: true}}\n" for n in range(count)
    )
    errors = _errors(HEAD + "questions:\n" + questions)
    assert any("longer than" in e.message and "together" in e.message for e in errors)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f"])
def test_a_control_character_is_a_clear_error_with_its_line(char: str) -> None:
    text = HEAD + "questions:\n" + _question(f"a{char}b")
    [error] = _errors(text)
    assert error.line == 7 and f"U+{ord(char):04X}" in error.message and "control character" in error.message


def test_a_control_character_in_a_file_is_reported_by_check_path(tmp_path: Path) -> None:
    path = tmp_path / "nul.yaml"
    path.write_text(HEAD + "questions:\n" + _question("a\x00b"), encoding="utf-8")
    quizzes, errors = check_path(path)
    assert quizzes == [] and [str(e) for e in errors] == [f"{path}:7: control character U+0000 is not allowed in a quiz file"]


@pytest.mark.parametrize("nested", ["[" * 5000 + "]" * 5000, "{a: " * 5000 + "1" + "}" * 5000])
def test_5000_levels_of_nesting_are_a_clear_error(nested: str) -> None:
    [error] = _errors(HEAD + f"questions: {nested}\n")
    assert error.line == 4 and f"nested deeper than {limits.MAX_NESTING} levels" in error.message


def test_block_nesting_is_bounded_too() -> None:
    deep = "".join("  " * level + "k:\n" for level in range(1, 200))
    [error] = _errors(HEAD + "questions:\n" + deep)
    assert f"nested deeper than {limits.MAX_NESTING}" in error.message


@pytest.mark.parametrize(
    ("yaml_value", "field", "expected"),
    [
        ("points: .inf", "points", "finite number"),
        ("points: .nan", "points", "finite number"),
        ("points: 1e308", "points", "less than or equal to 1000"),
        ("points: 0", "points", "greater than 0"),
    ],
)
def test_points_are_finite_and_bounded(yaml_value: str, field: str, expected: str) -> None:
    key, value = yaml_value.split(": ")
    [error] = _errors(HEAD + "questions:\n" + _question(**{key: value}))
    assert error.field == f"questions[0].{field}" and expected in error.message


def test_the_total_of_points_is_bounded() -> None:
    questions = "".join(f"  - {{id: q{n}, type: true_false, text: Q, answer: true, points: 1000}}\n" for n in range(101))
    [error] = _errors(HEAD + "questions:\n" + questions)
    assert error.field == "questions" and "add up to 101000" in error.message


@pytest.mark.parametrize(
    ("settings", "field", "expected"),
    [
        ("time_limit_minutes: 99999999999", "settings.time_limit_minutes", "less than or equal to 1440"),
        ("time_limit_minutes: .inf", "settings.time_limit_minutes", "finite number"),
        ("attempts: 101", "settings.attempts", "less than or equal to 100"),
        ("attempts: -1", "settings.attempts", "greater than or equal to 0"),
    ],
)
def test_settings_are_bounded(settings: str, field: str, expected: str) -> None:
    [error] = _errors(HEAD + f"settings: {{{settings}}}\nquestions:\n" + _question())
    assert error.field == field and expected in error.message


@pytest.mark.parametrize(
    ("numbers", "field", "expected"),
    [
        ("answer: 1, tolerance: .nan", "tolerance", "finite number"),
        ("answer: 1, tolerance: .inf", "tolerance", "finite number"),
        ("answer: 1, tolerance: -1", "tolerance", "greater than or equal to 0"),
        ("answer: 1e300", "answer", "less than"),
        ("answer: .nan", "answer", "finite number"),
    ],
)
def test_numeric_answers_and_tolerances_are_finite_and_bounded(numbers: str, field: str, expected: str) -> None:
    text = HEAD + f"questions:\n  - {{id: n, type: numeric, text: N, {numbers}}}\n"
    [error] = _errors(text)
    assert error.field == f"questions[0].{field}" and expected in error.message


def test_an_ordinary_quiz_still_loads(fixtures_dir: Path) -> None:
    assert load_quiz(fixtures_dir / "all_types.yaml").slug == "all-types"
