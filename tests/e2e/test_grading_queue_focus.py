"""Grading essays one after another with the keyboard, in the LMS frame: after "Save and grade the
next answer" the page comes back with focus on the next answer (it started again at the top of
the page, behind the skip link and the report navigation: seven Tab presses per essay to reach
the next points field), and after the last one on the notice that says it was saved."""
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
    frame.locator(".report-mark-form button[type=submit]").click()
    frame.wait_for_url("**saved=1**")
    frame.locator("p.notice--ok").wait_for()
    frame.wait_for_function("() => document.activeElement && document.activeElement.matches('p.notice--ok')",
                            timeout=5000)
    assert_accessible(frame, f"grading queue emptied ({locale})")
