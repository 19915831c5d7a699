"""Found with the real Moodle (issue 10): grades were rounded twice. The score fraction was
rounded to four places and multiplied back, so Moodle received 23.001/30 for 23 of 30 and
40.0004/44 for 40 of 44. The attempt's own points and maximum go out now, exactly."""
import pytest


@pytest.mark.parametrize(("slug", "correct", "points", "maximum"),
                         [("gs-odd-points", 3, 23.0, 30.0), ("gs-forty-four", 2, 40.0, 44.0)])
def test_the_lms_receives_the_points_and_maximum_exactly(rig, slug, correct, points, maximum):
    activity = rig.lms.add_activity("Column of the quiz's own size", {"quiz": slug}, score_maximum=maximum)
    sam = rig.launch("4", activity=activity.cmid)
    rig.attempt(sam, correct=correct)
    assert rig.drain().sent == 1
    [score] = rig.scores_for("4")
    assert score.status == 200
    assert score.json["scoreGiven"] == points and score.json["scoreMaximum"] == maximum
    # A column of the quiz's size holds the points themselves, not 23.001.
    assert rig.lms.grade("4", activity.cmid).raw_grade == points


def test_the_average_of_equal_maxima_is_the_mean_of_the_points(rig):
    activity = rig.lms.add_activity("Average", {"quiz": "gs-odd-points"}, score_maximum=30.0)
    sam = rig.launch("4", activity=activity.cmid)
    rig.link_settings(sam.link_id, grading="average")
    rig.attempt(sam, correct=3)  # 23 of 30
    rig.attempt(sam, correct=2)  # 20 of 30
    rig.drain()
    last = rig.scores_for("4")[-1].json
    assert last["scoreGiven"] == 21.5 and last["scoreMaximum"] == 30.0
