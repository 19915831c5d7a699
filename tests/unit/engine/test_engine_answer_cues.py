"""Answer-cue statistics on small made-up libraries: one that gives its keys away, one that does not."""

from __future__ import annotations

from typing import Any

from lms_module.engine.answer_cues import cue_findings, cue_statistics, cue_table
from lms_module.engine.schema import Quiz


def _single(qid: str, texts: list[str | dict[str, str]], key: int) -> dict[str, Any]:
    options = [{"id": f"o{i}", "text": text, "correct": i == key} for i, text in enumerate(texts)]
    return {"id": qid, "type": "single", "text": "Q", "options": options}


def _quiz(slug: str, topic: str, questions: list[dict[str, Any]]) -> Quiz:
    return Quiz.model_validate({"slug": slug, "title": "T", "topic": topic, "questions": questions})


def _tf(qid: str, answer: bool) -> dict[str, Any]:
    return {"id": qid, "type": "true_false", "text": "S", "answer": answer}


def test_longest_key_rate_per_language_with_ties_and_markdown() -> None:
    quiz = _quiz("a", "career", [
        # German: the key is longest; English: a distractor is longer.
        _single("q1", [{"de": "der lange Schlüssel", "en": "key"}, {"de": "kurz", "en": "a long distractor"}, "x"], 0),
        # A tie counts as longest.
        _single("q2", ["same", "same", "ab"], 1),
        # Markdown markers do not count: "**ab**" is two characters.
        _single("q3", ["**ab**", "abc", "abcd"], 0),
        # Multiple choice: a correct option that is the longest.
        {"id": "q4", "type": "multiple", "text": "Q", "options": [
            {"id": "a", "text": "short", "correct": True},
            {"id": "b", "text": "the longest one", "correct": True},
            {"id": "c", "text": "mid size"}]},
    ])
    stats = cue_statistics([quiz])
    assert stats.overall.choice == 4
    assert stats.overall.longest["de"] == ["a/q1", "a/q2", "a/q4"]
    assert stats.overall.longest["en"] == ["a/q2", "a/q4"]
    assert stats.overall.longest_rate("de") == 0.75 and stats.overall.longest_rate("en") == 0.5


def test_key_positions_and_true_false_balance() -> None:
    quiz = _quiz("a", "compliance", [
        _single("q1", ["a", "b", "c"], 0),
        _single("q2", ["a", "b", "c", "d"], 2),
        _single("q3", ["a", "b"], 1),  # two options: not counted for positions
        _tf("t1", True), _tf("t2", True), _tf("t3", False), _tf("t4", True),
    ])
    [topic] = cue_statistics([quiz]).topics
    assert topic.positioned == 2 and topic.position_shares() == [0.5, 0.0, 0.5]
    assert (topic.true_false, topic.true_keys, topic.true_share()) == (4, 3, 0.75)


def _giveaway_library() -> list[Quiz]:
    """Career: the key is the longest in 2 of 3 questions; admin-software: never (both languages)."""
    long_key = [_single(f"l{i}", ["the correct and much longer answer", "wrong", "bad"], 0) for i in range(2)]
    fair = [_single(f"f{i}", ["yes", "a longer wrong answer", "no"], 0) for i in range(3)]
    return [
        _quiz("career-quiz", "career", [*long_key, _single("ok", ["right", "a wrong longer answer", "no"], 0)]),
        _quiz("software-quiz", "admin-software", fair),
    ]


def test_a_library_whose_keys_are_longest_fails_overall_and_per_topic_naming_the_questions() -> None:
    findings = cue_findings(cue_statistics(_giveaway_library()))
    assert [(f.kind, f.topic, f.language, f.count, f.total) for f in findings] == [
        ("longest", None, "de", 2, 6), ("longest", None, "en", 2, 6),
        ("longest", "career", "de", 2, 3), ("longest", "career", "en", 2, 3),
    ]
    message = str(findings[2])
    assert "topic 'career', German" in message and "67 %" in message and "at most 35 %" in message
    assert message.endswith("career-quiz/l0, career-quiz/l1")
    assert "at most 30 %" in str(findings[0])  # 33 % overall is above the library-wide limit


def test_a_fair_library_passes() -> None:
    fair = [_single(f"q{i}", ["the longest wrong answer", "key", "no"], 1) for i in range(10)]
    fair += [_single("tie", ["same", "same", "x"], 2), _single("long", ["the long key", "a", "b"], 0)]
    statistics = cue_statistics([
        _quiz("one", "career", fair[:6]),
        _quiz("two", "compliance", [*fair[6:], _tf("t1", True), _tf("t2", False)]),
    ])
    assert cue_findings(statistics) == []
    table = cue_table(statistics)
    assert table.splitlines()[1].startswith("compliance") and table.splitlines()[-1].startswith("all")


def test_one_position_holding_most_keys_of_a_big_topic_is_a_finding() -> None:
    same_place = [_single(f"q{i}", ["k", "bb", "cc", "dd"], 0) for i in range(10)]
    [finding] = cue_findings(cue_statistics([_quiz("p", "career", same_place)]))
    assert (finding.kind, finding.position, finding.count, finding.total) == ("position", 1, 10, 10)
    # Below ten questions of three or more options the position share is only printed.
    assert cue_findings(cue_statistics([_quiz("p", "career", same_place[:9])])) == []


def test_true_false_answers_all_one_way_are_a_finding_from_six_questions() -> None:
    five = [_tf(f"t{i}", True) for i in range(5)]
    assert cue_findings(cue_statistics([_quiz("t", "career", five)])) == []
    [finding] = cue_findings(cue_statistics([_quiz("t", "career", [*five, _tf("t5", True)])]))
    assert (finding.kind, finding.count, finding.total, finding.percent) == ("true_false", 6, 6, 100)
    balanced = [*five[:4], _tf("f1", False), _tf("f2", False)]  # 4 of 6 true: 67 %
    assert cue_findings(cue_statistics([_quiz("t", "career", balanced)])) == []
