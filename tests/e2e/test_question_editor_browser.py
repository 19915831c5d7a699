"""The question editor in a real browser inside the demo LMS: a single choice question made with the
keyboard alone (add an option, mark the key, save), an XSS payload typed into it stays text in the
editor and the student preview, and axe-core finds no WCAG 2.2 AA violation in German and English."""
import pytest
from sqlalchemy import select

from lms_module.authoring.models import BankQuestion, BankQuestionVersion
from lms_module.extensions import db
from support.accessibility import assert_accessible
from support.lms_frame import launch_base, launched_frame

PAYLOAD = '<img src=x onerror="alert(1)">'


def editor_frame(page, live, locale, path="/authoring/questions/new?type=single"):
    page.goto(f"{live.lms_url}/course/view/2?user=3&locale={locale}")
    frame = launched_frame(page)
    frame.goto(launch_base(frame) + path)
    frame.wait_for_selector("form.qe")
    return frame


def tab_to(page, frame, selector, limit=120):
    """Press Tab until the focus is on `selector` (keyboard only: no clicks, no .focus())."""
    for _ in range(limit):
        if frame.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


@pytest.mark.parametrize("locale", ["en", "de"])
def test_the_editor_is_accessible(page, live, locale):
    frame = editor_frame(page, live, locale)
    assert_accessible(frame, f"question editor ({locale})")


def test_a_single_choice_question_is_made_with_the_keyboard_alone(page, live):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    frame = editor_frame(page, live, "en")
    tab_to(page, frame, "#key")
    page.keyboard.type("keyboard-q")
    tab_to(page, frame, "#text_de")
    page.keyboard.type("Welcher Satz? " + PAYLOAD)
    tab_to(page, frame, "#text_en")
    page.keyboard.type("Which rate? " + PAYLOAD)
    for index, (de, en) in enumerate([("19 %", "19 %"), ("7 %", "7 %"), ("16 %", "16 %"), ("0 %", "0 %")]):
        tab_to(page, frame, f"#options-{index}-text_de")
        page.keyboard.type(de)
        tab_to(page, frame, f"#options-{index}-text_en")
        page.keyboard.type(en)
    tab_to(page, frame, "#options-add")
    page.keyboard.press("Enter")  # a round trip; what was typed comes back, the focus goes to the new row
    frame.wait_for_selector("#options-4-text_de")
    frame.wait_for_function("() => document.activeElement && document.activeElement.id === 'options-4-text_de'")
    assert frame.locator("#options-3-text_en").input_value() == "0 %"
    page.keyboard.type("5 %")
    tab_to(page, frame, "#options-4-text_en")
    page.keyboard.type("5 %")
    tab_to(page, frame, "#options-1-correct")
    page.keyboard.press("Space")
    tab_to(page, frame, "button[value='save']")
    page.keyboard.press("Enter")
    frame.wait_for_selector("text=Saved as version 1.")
    assert frame.locator("#text_de").input_value() == "Welcher Satz? " + PAYLOAD
    with live.app.app_context():
        question = db.session.scalars(select(BankQuestion)).one()
        content = db.session.scalars(select(BankQuestionVersion.content)).one()
        assert question.key == "keyboard-q"
        assert [o["correct"] for o in content["options"]] == [False, True, False, False, False]
        qid = question.id
    frame.goto(frame.url.split("/authoring")[0] + f"/authoring/questions/{qid}/preview?lang=de")
    frame.wait_for_selector("main h1")
    assert PAYLOAD in frame.locator("main").inner_text()  # shown as text, never run
    assert frame.locator("img[src='x']").count() == 0
    assert dialogs == []
