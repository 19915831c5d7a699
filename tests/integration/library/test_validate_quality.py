"""`quiz validate`: answer-cue statistics and review dates, as errors with library rules and as
warnings for other files."""

from datetime import date, timedelta
from pathlib import Path

QUIZ = """slug: {slug}
title: {{de: "Titel", en: "Title"}}
topic: {topic}
questions:
{questions}
"""
QUESTION = """  - id: {qid}
    type: single
    difficulty: {difficulty}
    text: {{de: "Frage?", en: "Question?"}}
    explanation: {{de: "Weil.", en: "Because."}}
    source: "general practice"{dates}
    options:
      - {{id: a, text: {{de: "{key}", en: "{key}"}}, correct: true}}
      - {{id: b, text: {{de: "ein falscher Satz", en: "a wrong sentence"}}}}
      - {{id: c, text: {{de: "nein", en: "no"}}}}
"""


def _write(folder: Path, slug: str, topic: str, keys: list[str], dates: str = "") -> Path:
    questions = "".join(
        QUESTION.format(qid=f"q{i}", difficulty=1 + i % 3, key=key, dates=dates if i == 0 else "")
        for i, key in enumerate(keys)
    )
    path = folder / f"{slug}.yaml"
    path.write_text(QUIZ.format(slug=slug, topic=topic, questions=questions), encoding="utf-8")
    return path


def _giveaway(folder: Path) -> None:
    _write(folder, "career-quiz", "career", ["the key that is clearly the longest of all", "a long key answer, longest", "yes"])
    _write(folder, "compliance-quiz", "compliance", ["yes", "ok", "fine"])


def test_library_rules_fail_when_keys_are_the_longest_options(runner, tmp_path):
    _giveaway(tmp_path)
    result = runner.invoke(args=["quiz", "validate", "--library-rules", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert ("error: topic 'career', German: the key is the longest option in 2 of 3 choice questions "
            "(67 %, at most 35 %)") in result.output
    assert "career-quiz/q0, career-quiz/q1" in result.output
    assert "error: all quizzes, English: the key is the longest option in 2 of 6 choice questions (33 %, at most 30 %)" in result.output
    # The statistics table is printed as well.
    assert "career                  3       67 %       67 %" in result.output


def test_format_only_turns_the_cue_findings_into_warnings(runner, tmp_path):
    _giveaway(tmp_path)
    result = runner.invoke(args=["quiz", "validate", "--format-only", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "warning: topic 'career', German: the key is the longest option in 2 of 3" in result.output
    assert "error:" not in result.output and "OK: 2 quiz file(s) valid" in result.output


def _dated(folder: Path, review_by: date) -> Path:
    dates = f"\n    valid_as_of: 2019-01-01\n    review_by: {review_by.isoformat()}"
    return _write(folder, "dated", "career", ["yes", "ok", "fine"], dates)


def test_a_library_review_more_than_a_month_past_is_an_error_with_file_and_line(runner, tmp_path):
    path = _dated(tmp_path, date.today() - timedelta(days=40))
    result = runner.invoke(args=["quiz", "validate", "--library-rules", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert f"error: {path}:12: questions[0].review_by: dated/q0: the review date" in result.output
    assert "has passed (valid as of 2019-01-01)" in result.output


def test_a_library_review_just_past_is_a_warning(runner, tmp_path):
    _dated(tmp_path, date.today() - timedelta(days=3))
    result = runner.invoke(args=["quiz", "validate", "--library-rules", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "warning: " in result.output and "questions[0].review_by: dated/q0: the review date" in result.output


def test_a_review_date_ahead_says_nothing_and_own_files_only_warn(runner, tmp_path):
    _dated(tmp_path, date.today() + timedelta(days=1))
    result = runner.invoke(args=["quiz", "validate", "--library-rules", str(tmp_path)])
    assert result.exit_code == 0 and "review date" not in result.output, result.output
    _dated(tmp_path, date(2020, 1, 1))
    result = runner.invoke(args=["quiz", "validate", "--format-only", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "warning: " in result.output and "the review date 2020-01-01 has passed" in result.output
