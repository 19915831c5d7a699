"""Found with the real Moodle (issue 10): changing an activity's grading method changed Kontor's
gradebook but never reached the LMS (the sync page said "sent", Moodle kept the old grade until
someone pressed "send again"), and the form claimed it applied to new attempts only. The new
method applies to every attempt; the changed grades are queued at once and the confirmation says
how many students' grades changed."""
import re

from support.apps import csrf_from


def _save_grading(rig, method: str) -> str:
    """The instructor opens the activity from the LMS and saves a grading method; the page after."""
    with rig.live.browser() as browser:
        browser.session.headers["Accept-Language"] = "en"
        page = rig.live.launch(browser, user="3", locale="en")
        assert page.status_code == 200, page.text[:300]
        launch_id = re.search(r"/l/([^/]+)/instructor", page.url + page.text).group(1)
        home = browser.session.get(f"{rig.live.url}/l/{launch_id}/instructor")
        saved = browser.session.post(f"{rig.live.url}/l/{launch_id}/instructor/settings",
                                     data={"csrf_token": csrf_from(home.text), "grading": method})
        assert saved.status_code == 200, saved.text[:300]
        return saved.text


def test_switching_highest_to_last_reaches_the_lms_without_send_again(rig):
    sam = rig.launch("4")
    rig.attempt(sam, correct=3)
    rig.attempt(sam, correct=1)
    sara = rig.launch("5")
    rig.attempt(sara, correct=2)  # one attempt: highest and last agree
    rig.drain()
    assert rig.lms.grade("4").raw_grade == 75.0  # highest: 3 of 4
    page = _save_grading(rig, "last")
    assert "applies to every attempt" in page and "1 student&#39;s grade changed" in page
    assert "attempts started from now on." not in page
    report = rig.drain()
    assert report.sent == 1  # Sam only; Sara's grade did not change
    assert rig.lms.grade("4").raw_grade == 25.0  # last: 1 of 4
    assert rig.scores_for("4")[-1].json["comment"] == "Kontor: 25 % (last attempt counts)."
    assert rig.lms.grade("5").raw_grade == 50.0


def test_every_method_switch_sends_the_new_grade(rig):
    sam = rig.launch("4")
    for correct in (1, 4, 2):
        rig.attempt(sam, correct=correct)
    rig.drain()
    expected = {"first": 1.0, "average": 7.0 / 3, "last": 2.0, "highest": 4.0}  # points of 4
    for method, points in expected.items():
        _save_grading(rig, method)
        rig.drain()
        assert rig.scores_for("4")[-1].json["scoreGiven"] == points, method
        # Moodle rounds what it receives to five places, then rescales to its 100-point column.
        assert rig.lms.grade("4").raw_grade == round(round(points, 5) * 25, 5), method


def test_the_form_says_a_new_method_applies_to_every_attempt(rig):
    with rig.live.browser() as browser:
        browser.session.headers["Accept-Language"] = "en"
        page = rig.live.launch(browser, user="3", locale="en")
    assert "a new grading method applies to every attempt" in page.text
