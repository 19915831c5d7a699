"""An instructor reaches the authoring pages by clicking, as a teacher inside the LMS does (no typed
URLs): from the question bank to a new question and to the editor of a listed one and back, and
from a refused save of the activity settings to what needs correcting, in German and English, with
axe-core finding no WCAG 2.2 AA violation on the way."""
import re

import pytest
from sqlalchemy import select

from lms_module.authoring import bank
from lms_module.courses.models import Course
from lms_module.extensions import db
from support.accessibility import assert_accessible
from support.class_of_students import launched_all_types_activity
from support.lms_frame import launch_base, launched_frame

WORDS = {
    "en": {"new": "New question", "type": "Single choice", "edit": "Edit", "back": "Back to the question bank"},
    "de": {"new": "Neue Frage", "type": "Einfachauswahl", "edit": "Bearbeiten", "back": "Zurück zur Fragensammlung"},
}


def _bank_with_one_question(page, live, locale):
    page.goto(f"{live.lms_url}/course/view/2?user=3&locale={locale}")
    frame = launched_frame(page)
    with live.app.app_context():  # the instructor launch made the course
        course_id = db.session.scalars(select(Course.id)).one()
        bank.save_question(course_id, {"id": "vat-rate", "type": "single",
                                       "text": {"de": "Wie hoch ist der Regelsatz?", "en": "What is the standard rate?"},
                                       "options": [{"id": "a", "text": "19 %", "correct": True}, {"id": "b", "text": "7 %"}]})
        db.session.commit()
    frame.goto(launch_base(frame) + "/authoring/bank")
    frame.wait_for_selector("main table")
    return frame


@pytest.mark.parametrize("locale", ["en", "de"])
def test_the_bank_leads_to_the_question_editor_and_back(page, live, locale):
    words = WORDS[locale]
    frame = _bank_with_one_question(page, live, locale)
    assert_accessible(frame, f"question bank with its editor links ({locale})")

    frame.get_by_role("link", name=words["new"], exact=True).click()
    frame.get_by_role("link", name=words["type"], exact=True).click()
    frame.wait_for_selector("form.qe")
    assert "/authoring/questions/new?type=single" in frame.url
    frame.get_by_role("link", name=words["back"]).click()
    frame.wait_for_selector("main table")

    frame.get_by_role("link", name=re.compile(rf"^{words['edit']}\W+vat-rate$")).click()
    frame.wait_for_selector("form.qe")
    assert frame.locator("#key").input_value() == "vat-rate"
    assert_accessible(frame, f"question editor of a listed question ({locale})")
    frame.get_by_role("link", name=words["back"]).click()
    frame.wait_for_selector("main table")


NOT_SAVED = {"en": "The settings were not saved. Please correct the marked fields.",
             "de": "Die Einstellungen wurden nicht gespeichert. Bitte korrigieren Sie die markierten Felder."}


@pytest.mark.parametrize("locale", ["en", "de"])
def test_refused_activity_settings_say_so_and_take_the_focus(page, live, locale):
    launched_all_types_activity(live)
    page.goto(f"{live.lms_url}/course/view/2?user=3&locale={locale}")
    frame = launched_frame(page, ready="form[action$='/instructor/settings']")
    frame.fill("#attempts", "-3")
    frame.locator("form[action$='/instructor/settings'] button[type=submit]").click()
    frame.wait_for_selector(".notice--error")
    notice = frame.locator(".notice--error")
    assert notice.inner_text().strip() == NOT_SAVED[locale]
    frame.wait_for_function("() => document.activeElement && document.activeElement.matches('.notice--error')")
    assert frame.locator("#attempts-error").count() == 1  # the field says what is wrong
    assert_accessible(frame, f"activity settings refused ({locale})")


QUESTION_NOT_SAVED = {"en": "The question was not saved. Please correct the marked fields.",
                      "de": "Die Frage wurde nicht gespeichert. Bitte korrigieren Sie die markierten Felder."}


@pytest.mark.parametrize("locale", ["en", "de"])
def test_a_refused_question_says_so_at_the_top_and_takes_the_focus(page, live, locale):
    """No option marked as correct: the only finding is on the list of options, far down the page."""
    page.goto(f"{live.lms_url}/course/view/2?user=3&locale={locale}")
    frame = launched_frame(page)
    frame.goto(launch_base(frame) + "/authoring/questions/new?type=single")
    frame.fill("#key", "vat-rate")
    frame.fill("#text_de", "Wie hoch ist der Regelsatz?")
    frame.fill("#options-0-text_de", "19 %")
    frame.fill("#options-1-text_de", "7 %")
    frame.locator(".qe-actions button[value=save]").click()
    frame.wait_for_selector("#options-error")
    assert frame.locator("#qe-errors").inner_text().strip() == QUESTION_NOT_SAVED[locale]
    frame.wait_for_function("() => document.activeElement && document.activeElement.id === 'qe-errors'")
    assert_accessible(frame, f"question editor after a refused save ({locale})")


TAGGED = {"en": "The tag was added to 1 question.", "de": "Das Schlagwort wurde 1 Frage hinzugefügt."}


@pytest.mark.parametrize("locale", ["en", "de"])
def test_the_bank_buttons_for_chosen_questions_do_what_they_say(page, live, locale):
    frame = _bank_with_one_question(page, live, locale)
    frame.check("input[name=questions]")
    frame.fill("fieldset.bank-bulk input[name=tag]", "fristen")
    frame.locator("button[value=tag]").click()
    frame.wait_for_selector(".notice--ok")
    assert frame.locator(".notice--ok").inner_text().strip() == TAGGED[locale]
    assert frame.locator("main table tbody tr .tag").inner_text() == "fristen"

    frame.check("input[name=questions]")
    frame.locator("button[value=export]").click()
    frame.wait_for_url("**/authoring/bank/export?**")
    assert "format=moodlexml" in frame.url
    assert_accessible(frame, f"export of chosen questions ({locale})")


@pytest.mark.parametrize("locale", ["en", "de"])
def test_every_field_of_the_bank_page_has_its_own_label(page, live, locale):
    """Filters, the chosen questions' fields and the quiz export each have a tag, topic, format or
    language; a label names the first element with its id, so a shared id left fields unlabelled."""
    frame = _bank_with_one_question(page, live, locale)
    base = launch_base(frame)
    frame.goto(base + "/authoring/quizzes")  # a course quiz, so that the bank page offers its export too
    frame.fill("#slug", "vat")
    frame.fill("#title_de", "MwSt")
    frame.locator("form[action$='/quizzes/new'] button[type=submit]").click()
    frame.wait_for_url("**/authoring/quizzes/*")
    frame.goto(base + "/authoring/bank")
    frame.wait_for_selector("#export-quiz")
    shared = frame.evaluate("""() => {
        const seen = {};
        document.querySelectorAll('main input:not([type=hidden]), main select, main textarea')
            .forEach(e => { seen[e.id] = (seen[e.id] || 0) + 1; });
        return Object.keys(seen).filter(id => !id || seen[id] > 1 || document.querySelectorAll('[id="' + id + '"]').length > 1);
    }""")
    assert shared == []
    label = {"en": "Tag", "de": "Schlagwort"}[locale]
    bulk_tag = frame.locator("fieldset.bank-bulk").get_by_label(label, exact=True)
    assert bulk_tag.evaluate("e => e.tagName") == "INPUT"
    assert_accessible(frame, f"question bank with a course quiz to export ({locale})")


def _course_quiz_with_a_question(page, live, locale):
    frame = _bank_with_one_question(page, live, locale)
    frame.goto(launch_base(frame) + "/authoring/quizzes")
    frame.fill("#slug", "vat")
    frame.fill("#title_de", "MwSt")
    frame.locator("form[action$='/quizzes/new'] button[type=submit]").click()
    frame.wait_for_url("**/authoring/quizzes/*")
    frame.locator("select[name=questions]").select_option(index=0)
    frame.locator("form[action$='/questions'] button[type=submit]").click()
    frame.wait_for_selector(".quiz-slot")
    return frame


@pytest.mark.parametrize("locale", ["en", "de"])
def test_a_refused_form_of_the_quiz_editor_puts_the_focus_on_its_field(page, live, locale):
    """The page comes back at its top after a refused post; the teacher lands on the field to correct."""
    frame = _course_quiz_with_a_question(page, live, locale)
    frame.locator(".quiz-slot").first.locator("input[name=points]").fill("-2")
    frame.locator(".quiz-slot").first.locator("button[value=save]").click()
    frame.wait_for_selector("#slot-error-0")
    frame.wait_for_function("() => document.activeElement && document.activeElement.id === 'points-0'")

    frame.fill("form[action$='/details'] input[name=attempts]", "-1")
    frame.locator("form[action$='/details'] button[type=submit]").click()
    frame.wait_for_selector("#attempts-error")
    frame.wait_for_function("() => document.activeElement && document.activeElement.id === 'attempts'")
    assert_accessible(frame, f"quiz editor after a refused save ({locale})")


@pytest.mark.parametrize("locale", ["en", "de"])
def test_the_import_preview_table_scrolls_with_the_keyboard_on_a_phone(chromium, live, locale):
    context = chromium.new_context(locale="en-GB", viewport={"width": 320, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{live.lms_url}/course/view/2?user=3&locale={locale}")
        frame = launched_frame(page)
        frame.goto(launch_base(frame) + "/authoring/bank/import")
        frame.select_option("#format", "gift")
        frame.fill("#paste", "::vat-rate:: Wie hoch ist der Regelsatz der Umsatzsteuer für die meisten Waren? {=19 % ~7 % ~16 %}\n")
        frame.locator("form button[type=submit]").click()
        frame.wait_for_selector("form[action$='/import/confirm']")
        box = frame.locator(".bank-table")
        assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # the table is wider than the frame
        assert box.evaluate("e => e.tabIndex") == 0
        assert_accessible(frame, f"import preview at 320 px ({locale})")
    finally:
        context.close()


def _beside(frame, box_selector):
    """The checkbox and its label share a line: their boxes overlap vertically."""
    return frame.evaluate("""s => {
        const box = document.querySelector(s), label = document.querySelector('label[for="' + box.id + '"]');
        const a = box.getBoundingClientRect(), b = label.getBoundingClientRect();
        return a.top < b.bottom && b.top < a.bottom;
    }""", box_selector)


@pytest.mark.parametrize("width", [320, 1280])
def test_each_checkbox_sits_beside_its_own_label(chromium, live, width):
    """'Shuffle questions' and 'Shuffle options' stood each on a line under its box, so the second box
    sat right under the first label; the bank's 'archived' filter alike."""
    context = chromium.new_context(locale="de-DE", viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        frame = _course_quiz_with_a_question(page, live, "de")
        for box in ("#shuffle_questions", "#shuffle_options"):
            assert _beside(frame, box), box
        frame.goto(launch_base(frame) + "/authoring/bank")
        assert _beside(frame, "#archived")
    finally:
        context.close()
