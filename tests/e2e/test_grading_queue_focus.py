"""Grading essays one after another with the keyboard, in the LMS frame: after "Save and grade the
next answer" the page comes back with focus on the next answer (it started again at the top of
the page, behind the skip link and the report navigation: seven Tab presses per essay to reach
the next points field), and after the last one on the notice that says it was saved. And the
grading form's labels sit over their fields, on a phone and on a wide screen."""
import pytest

from lms_module.attempts import services
from lms_module.db_types import utcnow
from lms_module.extensions import db
from support.accessibility import assert_accessible
from support.class_of_students import enrolled_students, launched_all_types_activity
from support.lms_frame import launch_base, launched_frame


@pytest.fixture
def two_essays(live):
    """The all-types quiz; two students answered its essay and submitted."""
    launched_all_types_activity(live)
    with live.app.app_context():
        link, user_ids = enrolled_students({f"essay-{n}": f"Schreiber {n}" for n in range(2)})
        for user_id in user_ids:
            attempt = services.start_attempt(link, user_id, utcnow())
            services.save_answers(attempt, {"q-why-check": ["Weil die Rechnung zur Bestellung passen muss " * 4]},
                                  ["why-check"], utcnow())
            services.submit_attempt(attempt, utcnow())
        db.session.commit()
    return live


@pytest.mark.parametrize("locale", ["de", "en"])
def test_saving_a_grade_moves_focus_to_the_next_answer(page, two_essays, locale):
    page.goto(f"{two_essays.lms_url}/course/view/2?user=3&locale={locale}")
    frame = launched_frame(page)
    frame.goto(launch_base(frame) + "/reports/grading")
    frame.wait_for_selector("#current-heading")
    first = frame.locator("#current-heading").inner_text()

    points = frame.locator(".report-mark-form input[inputmode=decimal]")
    points.fill("1" if locale == "en" else "0,5")
    points.press("Enter")
    frame.wait_for_url("**saved=1**")
    frame.wait_for_function("() => document.activeElement && document.activeElement.id === 'current-heading'",
                            timeout=5000)
    heading = frame.locator("#current-heading")
    assert heading.inner_text() != first  # the next student's answer, now focused
    assert ("1 von 1" in heading.inner_text()) if locale == "de" else ("1 of 1" in heading.inner_text())
    # The next Tab reaches what belongs to this answer, not the navigation at the top.
    page.keyboard.press("Tab")
    assert frame.evaluate("() => document.activeElement.closest('#current-heading') === null && "
                          "document.activeElement.closest('section[aria-labelledby=current-heading]') !== null")
    assert_accessible(frame, f"grading queue after a save ({locale})")

    frame.locator(".report-mark-form input[inputmode=decimal]").fill("1")
    # The page shows saved=1 and its notice already: waits for those would return for this page.
    with frame.expect_navigation():
        frame.locator(".report-mark-form button[type=submit]").click()
    frame.locator("p.notice--ok").wait_for()
    frame.wait_for_function("() => document.activeElement && document.activeElement.matches('p.notice--ok')",
                            timeout=5000)
    assert_accessible(frame, f"grading queue emptied ({locale})")


@pytest.mark.parametrize("width", [320, 1280])
@pytest.mark.parametrize("locale", ["de", "en"])
def test_the_points_and_comment_labels_sit_over_their_fields(page, two_essays, locale, width):
    """Side by side the form's row aligned the fields' bottoms, so "Punkte (0 bis 1)" over the short
    points field stood lower than "Kommentar" over the taller comment box, and neither label started
    where its field did vertically. Now the labels share a line and each field starts right under
    its label; at 320 px everything stacks."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{two_essays.lms_url}/course/view/2?user=3&locale={locale}")
    frame = launched_frame(page)
    frame.goto(launch_base(frame) + "/reports/grading")
    frame.wait_for_selector("#current-heading")
    box = {name: frame.locator(selector).bounding_box() for name, selector in {
        "points label": "label[for=grade-marks]", "points": "#grade-marks",
        "comment label": "label[for=grade-comment]", "comment": "#grade-comment",
        "button": ".report-mark-form button[type=submit]"}.items()}
    for field in ("points", "comment"):
        label = box[f"{field} label"]
        assert abs(label["x"] - box[field]["x"]) < 1, (field, box)
        assert 0 <= box[field]["y"] - (label["y"] + label["height"]) <= 8, (field, box)
    if width >= 1280:
        assert abs(box["points label"]["y"] - box["comment label"]["y"]) < 1, box
        assert abs(box["points"]["y"] - box["comment"]["y"]) < 1, box
        bottom = box["comment"]["y"] + box["comment"]["height"]
        assert abs(box["button"]["y"] + box["button"]["height"] - bottom) < 1, box  # at the foot of the row
    else:
        assert box["comment label"]["y"] > box["points"]["y"] + box["points"]["height"], box
        assert box["button"]["x"] + box["button"]["width"] <= width, box
    assert_accessible(frame, f"grading form at {width} px ({locale})")
