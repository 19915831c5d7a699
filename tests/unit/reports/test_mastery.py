"""The mastery definition (lms_module/reports/mastery.py): points earned over points possible per
topic, with a minimum of answered questions before a value is shown."""
from lms_module.engine.schema import TOPICS
from lms_module.reports.mastery import (
    AnsweredQuestion, band, generated_question_id, topic_mastery, topic_of_generated, weakest_topics,
)


def _answers(topic, *pairs):
    return [AnsweredQuestion(topic, marks, maximum) for marks, maximum in pairs]


def test_points_earned_over_points_possible_not_the_share_of_questions():
    # 2 of 2 points, 0 of 1 and 0 of 1: two questions of four wrong, but 2 of 4 points
    result = topic_mastery(_answers("accuracy", (2, 2), (0, 1), (0, 1), (0, 0)))
    assert result["accuracy"].earned == 2 and result["accuracy"].possible == 4
    assert result["accuracy"].answered == 3  # a question worth nothing is not counted
    assert result["accuracy"].value == 0.5


def test_below_the_minimum_no_value_is_shown():
    result = topic_mastery(_answers("compliance", (1, 1), (1, 1)))
    assert result["compliance"].value is None and result["compliance"].answered == 2
    assert topic_mastery(_answers("compliance", (1, 1), (1, 1)), minimum=2)["compliance"].value == 1.0


def test_every_topic_is_present_and_unknown_topics_are_ignored():
    result = topic_mastery(_answers("no-such-topic", (1, 1), (1, 1), (1, 1)))
    assert list(result) == list(TOPICS)
    assert all(m.value is None and m.answered == 0 for m in result.values())


def test_partial_and_out_of_range_marks_are_clamped():
    result = topic_mastery(_answers("career", (0.5, 1), (3, 1), (-1, 1)))
    assert result["career"].earned == 1.5 and result["career"].value == 0.5


def test_weakest_topics_known_gaps_first_then_unknown_then_strengths():
    mastery = topic_mastery(
        _answers("accuracy", (1, 1), (1, 1), (1, 1))      # 100 %
        + _answers("compliance", (0, 1), (1, 1), (1, 1))  # 67 %
        + _answers("career", (0, 1), (0, 1), (1, 1))      # 33 %
    )
    assert weakest_topics(mastery, TOPICS, 3) == ["career", "compliance", "admin-software"]
    assert weakest_topics(mastery, ["accuracy", "career"], 5) == ["career", "accuracy"]


def test_generated_question_ids_carry_their_topic():
    qid = generated_question_id("admin-software", "q1")
    assert qid == "admin-software-q1" and topic_of_generated(qid) == "admin-software"
    assert len(generated_question_id("insurance-billing", "x" * 64)) <= 64
    assert topic_of_generated("q1") is None


def test_bands():
    assert [band(v) for v in (None, 0.0, 0.19, 0.2, 0.5, 0.99, 1.0)] == [0, 1, 1, 2, 3, 5, 5]
