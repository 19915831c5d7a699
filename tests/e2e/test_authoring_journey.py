"""Issue 12's browser journey, inside the demo LMS on its own site: an instructor writes one question
of each of the eleven types in the question editor, previews one and checks an answer, builds a
course quiz from them, publishes it and makes it the activity's quiz; a student launch answers every
question and submits; the worker delivers the grade to the demo LMS.

Speed: three questions (single choice, numeric, cloze) are typed into the editor's forms with
Playwright's `fill`; the other eight are sent as the very same form posts (the page's CSRF token,
the editor's field names) by `fetch` from inside Kontor's frame, so they ride on the same session
and partitioned cookies as the pages. axe-core runs where the journey brings pages the separate
axe tests do not cover: the editor of every type (those tests cover the single-choice editor), and
the bank and the quiz editor holding all eleven, in English and then German."""
from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import select

from lms_module.attempts.models import Attempt
from lms_module.extensions import db
from lms_module.worker import Worker
from support.accessibility import assert_accessible
from support.answer_keys import running_attempt_key_form
from support.lms_frame import attempt_page_ready, launch_base, launched_frame, question_editor_ready

# What the editor's form needs per type beyond key, texts, points and tags (the integration test's
# minimal valid input, with German and English side by side where the type has texts).
FORMS = {
    "single": {"options-0-text_de": "19 %", "options-0-text_en": "19 %", "options-0-correct": "y",
               "options-1-text_de": "7 %", "options-1-text_en": "7 %", "options-2-text_de": "16 %", "options-2-text_en": "16 %",
               "options-0-feedback_de": "Genau.", "options-0-feedback_en": "Exactly."},
    "numeric": {"answer": "19", "tolerance": "0.5", "unit_de": "%", "unit_en": "%"},
    "cloze": {"gaps-0-id": "rate", "gaps-0-type": "numeric", "gaps-0-answer": "19", "gaps-1-id": "word",
              "gaps-1-type": "choice", "gaps-1-options_de": "*Rechnung\nBrief", "gaps-1-options_en": "*invoice\nletter"},
    "multiple": {"options-0-text_de": "Datum", "options-0-text_en": "Date", "options-0-correct": "y",
                 "options-1-text_de": "Betrag", "options-1-text_en": "Amount", "options-1-correct": "y",
                 "options-2-text_de": "Wetter", "options-2-text_en": "Weather"},
    "true_false": {"answer": "true"},
    "short_text": {"answers_de": "Rechnung\nFaktura", "answers_en": "invoice"},
    "matching": {"pairs-0-left_de": "A", "pairs-0-right_de": "1", "pairs-1-left_de": "B", "pairs-1-right_de": "2",
                 "pairs-0-left_en": "A", "pairs-0-right_en": "1", "pairs-1-left_en": "B", "pairs-1-right_en": "2",
                 "distractors-0-text_de": "3", "distractors-0-text_en": "3"},
    "ordering": {"items-0-text_de": "eins", "items-1-text_de": "zwei", "items-2-text_de": "drei",
                 "items-0-text_en": "one", "items-1-text_en": "two", "items-2-text_en": "three"},
    "document_check": {"doc_title_de": "Rechnung", "doc_title_en": "Invoice",
                       "check_fields-0-label_de": "Datum", "check_fields-0-label_en": "Date",
                       "check_fields-0-value_de": "1.1.", "check_fields-0-value_en": "1 Jan",
                       "check_fields-1-label_de": "Betrag", "check_fields-1-label_en": "Amount",
                       "check_fields-1-value_de": "10", "check_fields-1-value_en": "10",
                       "check_fields-1-error_de": "falsch", "check_fields-1-error_en": "wrong"},
    "data_entry": {"doc_fields-0-label_de": "Betrag", "doc_fields-0-label_en": "Amount",
                   "doc_fields-0-value_de": "1.190,00", "doc_fields-0-value_en": "1,190.00",
                   "entry_fields-0-label_de": "Betrag", "entry_fields-0-label_en": "Amount",
                   "entry_fields-0-answers": "1190.00", "entry_fields-0-normalize": "amount"},
    "essay": {"min_words": "3", "max_words": "200", "rubric_de": "Vollständig", "rubric_en": "Complete"},
}
TEXTS = {"cloze": ("Satz {{rate}} % für {{word}}.", "Rate {{rate}} % for {{word}}.")}
THROUGH_THE_FORM = ("single", "numeric", "cloze")
assert len(FORMS) == 11


def go(frame, url):
    """frame.goto, once more if Chromium aborted it for a navigation of the frame still settling."""
    try:
        frame.goto(url)
    except Exception as error:  # net::ERR_ABORTED
        if "ERR_ABORTED" not in str(error):
            raise
        frame.goto(url)


def instructor_frame(page, live, locale):
    page.goto(f"{live.lms_url}/course/view/2?user=3&locale={locale}")
    frame = launched_frame(page)
    return frame, launch_base(frame)


def fields_of(qtype: str) -> dict[str, str]:
    de, en = TEXTS.get(qtype, (f"Frage zum Typ {qtype}?", f"Question of type {qtype}?"))
    return {"key": f"j-{qtype.replace('_', '-')}", "points": "1", "text_de": de, "text_en": en, "tags": "journey",
            **FORMS[qtype]}


def type_into_editor(frame, base, qtype):
    """The editor's form filled in as a person would (a row the form lacks is added with its button)."""
    frame.goto(f"{base}/authoring/questions/new?type={qtype}")
    frame.wait_for_selector("form.qe")
    for name, value in fields_of(qtype).items():
        field = frame.locator(f'form.qe [name="{name}"]')
        if field.count() == 0:
            rows = name.split("-")[0]
            frame.locator(f"#{rows}-add").click()
            frame.wait_for_selector(f'form.qe [name="{name}"]')  # the page that came back, not the one left
            question_editor_ready(frame)  # the focus is on the new row before anything is typed
        kind = field.first.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
        if kind.startswith("select"):
            field.first.select_option(value)
        elif kind.endswith(":checkbox"):
            field.first.check()
        elif kind.endswith(":radio"):
            frame.locator(f'form.qe [name="{name}"][value="{value}"]').check()
        else:
            field.first.fill(value)
    frame.locator("form.qe button[value='save']").click()
    frame.wait_for_selector("text=Saved as version 1.")
    return int(re.search(r"/questions/(\d+)/edit", frame.url).group(1))


def post_editor_form(frame, base, qtype):
    """The same form post the editor's Save button sends, from inside Kontor's frame."""
    frame.goto(f"{base}/authoring/questions/new?type={qtype}")
    frame.wait_for_selector("form.qe")
    data = {"csrf_token": frame.locator("form.qe [name='csrf_token']").input_value(), "action": "save", **fields_of(qtype)}
    url = frame.evaluate("""async ([url, data]) => {
        const response = await fetch(url, {method: "POST", body: new URLSearchParams(data), credentials: "same-origin"});
        return response.status + " " + response.url;
    }""", [f"{base}/authoring/questions/new?type={qtype}", data])
    assert url.startswith("200 ") and "/edit" in url, (qtype, url)
    return int(re.search(r"/questions/(\d+)/edit", url).group(1))


@contextmanager
def student_attempt(chromium, live, dialogs):
    """Student 4 in a browser of their own, launched from the LMS, with the attempt started: the
    frame on its first question page (dialogs that open are collected in `dialogs`)."""
    student = chromium.new_context(locale="en-GB", viewport={"width": 1100, "height": 900})
    try:
        student_page = student.new_page()
        student_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        student_page.goto(f"{live.lms_url}/course/view/2?user=4&locale=en")
        sframe = launched_frame(student_page, "form[action$='/quiz/start']")
        sframe.locator("form[action$='/quiz/start'] button[type=submit]").click()
        attempt_page_ready(sframe)
        yield sframe
    finally:
        student.close()


def answer_and_submit(frame, live):
    form = running_attempt_key_form(live.app, "Date amount and rate match.")
    while True:
        for name, values in form.items():
            field = frame.locator(f'#attempt-form [name="{name}"]')
            if field.count() == 0:
                continue
            kind = field.first.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
            if kind.startswith("select"):
                field.first.select_option(values[0])
            elif kind.endswith(":radio") or kind.endswith(":checkbox"):
                for value in values:
                    frame.locator(f'#attempt-form [name="{name}"][value="{value}"]').check()
            else:
                field.first.fill(values[0])
        following = frame.locator('#attempt-form button[value="next"]')
        if following.count():
            # Wait for the next page itself: "#attempt-form" is on the old page too, and a field
            # looked up before the navigation ends belongs to the page that is going away.
            with frame.expect_navigation():
                following.click()
            attempt_page_ready(frame)
            continue
        with frame.expect_navigation():
            frame.locator('#attempt-form button[value="summary"]').click()
        break
    frame.wait_for_selector("form[action$='/submit']")
    frame.locator("form[action$='/submit'] button").click()
    frame.wait_for_url("**/result")


def test_an_instructor_builds_a_quiz_of_every_type_and_a_student_grade_reaches_the_lms(page, chromium, live):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    frame, base = instructor_frame(page, live, "en")

    # Eleven questions: three typed into the editor, eight as the same form posts.
    ids = {}
    for qtype in FORMS:
        ids[qtype] = (type_into_editor if qtype in THROUGH_THE_FORM else post_editor_form)(frame, base, qtype)
    for qtype, qid in ids.items():  # every type's editor, as saved, passes axe
        frame.goto(f"{base}/authoring/questions/{qid}/edit")
        frame.wait_for_selector("form.qe")
        assert_accessible(frame, f"question editor, {qtype} (en)")

    # Preview as a student in German, check the right answer, see the feedback.
    frame.goto(f"{base}/authoring/questions/{ids['single']}/preview?lang=de")
    frame.locator("label", has_text="19 %").first.click()
    frame.get_by_role("button", name="Check answer").first.click()
    frame.wait_for_selector("text=Genau.")

    # The bank lists all eleven.
    frame.goto(f"{base}/authoring/bank")
    frame.wait_for_selector("main table")
    assert frame.locator("main table tbody tr").count() == 11
    assert_accessible(frame, "question bank with eleven types (en)")

    # A course quiz: create, add every question, publish.
    frame.goto(f"{base}/authoring/quizzes")
    new_quiz = frame.locator("form[action$='/authoring/quizzes/new']")
    new_quiz.locator("[name=slug]").fill("journey")
    new_quiz.locator("[name=title_de]").fill("Reise durch alle Typen")
    new_quiz.locator("[name=title_en]").fill("Journey through every type")
    new_quiz.locator("[name=topic]").select_option("accuracy")
    new_quiz.get_by_role("button", name="Create quiz").click()
    frame.wait_for_url(re.compile(r"/authoring/quizzes/\d+"))
    choices = frame.locator('select[name="questions"]')
    choices.select_option(choices.evaluate("el => Array.from(el.options).map(o => o.value)"))
    frame.get_by_role("button", name="Add questions").click()
    frame.wait_for_selector("ol.quiz-slots")
    assert frame.locator("ol.quiz-slots > li").count() == 11
    assert_accessible(frame, "quiz editor with eleven slots (en)")
    frame.get_by_role("button", name="Publish a new version").click()
    frame.wait_for_selector("text=Version 1 was published.")
    frame.wait_for_load_state("load")

    # The activity's quiz: chosen on the instructor page's picker.
    go(frame, f"{base}/instructor")
    frame.locator('input[name="quiz"][value="journey"]').check()
    frame.locator("form[action$='/instructor/quiz'] button[type=submit]").click()
    frame.wait_for_selector("text=The quiz was chosen for this activity.")

    # German: the bank and the quiz editor with all eleven, and every type's editor.
    frame, base_de = instructor_frame(page, live, "de")
    frame.goto(f"{base_de}/authoring/bank")
    frame.wait_for_selector("main table")
    assert_accessible(frame, "question bank with eleven types (de)")
    frame.goto(f"{base_de}/authoring/quizzes")
    frame.locator("main a[href*='/authoring/quizzes/']").first.click()
    frame.wait_for_selector("ol.quiz-slots")
    assert_accessible(frame, "quiz editor with eleven slots (de)")
    for qtype, qid in ids.items():
        frame.goto(f"{base_de}/authoring/questions/{qid}/edit")
        frame.wait_for_selector("form.qe")
        assert frame.locator("html").get_attribute("lang") == "de"
        assert_accessible(frame, f"question editor, {qtype} (de)")

    # A student launch answers every question and submits.
    with student_attempt(chromium, live, dialogs) as sframe:
        answer_and_submit(sframe, live)

    with live.app.app_context():
        attempt = db.session.scalars(select(Attempt)).one()
        essay_points = 1.0
        assert attempt.status == "awaiting_grading"
        assert attempt.marks == attempt.max_marks - essay_points == 10.0  # all right; the essay awaits its grader
    Worker(live.app, worker_id="journey-worker", rosters=False).run_once()
    grade = live.lms.grade("4", cmid=2)
    assert grade is not None, "the grade did not reach the demo LMS"
    assert dialogs == []
