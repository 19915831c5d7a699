"""The XSS payload list (tests/integration/authoring/test_question_editor_security.py's XSS) in every
authored field of a course quiz's questions renders inert in a real browser: no dialog opens and
no element carries an event handler attribute, a javascript: link or a payload's <img src=x>/<svg>,
on the question editor, the preview (with its checked answer), the student's question page and
result, and the instructor's reports (attempt answers, item analysis, grading)."""
from __future__ import annotations

import re

from sqlalchemy import select

from lms_module.attempts.models import Attempt
from lms_module.authoring import bank, course_quizzes as cq
from lms_module.courses.models import Course, ResourceLink
from lms_module.extensions import db
from test_authoring_journey import answer_and_submit, go, student_attempt
from support.lms_frame import launch_base, launched_frame
from support.xss import XSS

ALL = " ".join(XSS)

HOSTILE_ELEMENTS = """() => {
    const hits = [];
    for (const el of document.querySelectorAll("*")) {
        for (const attr of el.attributes) {
            if (attr.name.toLowerCase().startsWith("on")) hits.push(el.tagName + "[" + attr.name + "]");
            if (["href", "src", "action", "formaction"].includes(attr.name.toLowerCase())
                && attr.value.trim().toLowerCase().startsWith("javascript:")) hits.push(el.tagName + "[" + attr.name + "]");
        }
    }
    document.querySelectorAll("img[src='x'], main svg, main iframe, main object, main embed, main b")
        .forEach(el => hits.push(el.outerHTML.slice(0, 80)));
    return hits;
}"""


def _texts(label: str) -> dict:
    return {"de": f"{label} {ALL}", "en": f"{label} {ALL}"}


def hostile_questions() -> list[dict]:
    """Every authored text of three types holds the whole payload list."""
    return [
        {"id": "x-single", "type": "single", "text": _texts("Welche?"), "explanation": _texts("Weil"),
         "options": [{"id": "a", "text": _texts("A"), "correct": True, "feedback": _texts("Gut")},
                     {"id": "b", "text": _texts("B"), "feedback": _texts("Schlecht")}]},
        {"id": "x-short", "type": "short_text", "text": _texts("Wort?"), "answers": ["Rechnung"],
         "explanation": _texts("Erklärung")},
        {"id": "x-essay", "type": "essay", "text": _texts("Schreiben"), "rubric": _texts("Raster")},
    ]


def assert_inert(frame, where: str) -> None:
    frame.wait_for_selector("main")
    assert frame.evaluate(HOSTILE_ELEMENTS) == [], where
    assert "<script>alert(1)</script>" in frame.locator("main").inner_text(), where  # shown as text


def test_payloads_in_every_authored_field_stay_text_in_a_real_browser(page, chromium, live):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{live.lms_url}/course/view/2?user=3&locale=en")
    frame = launched_frame(page)
    base = launch_base(frame)
    with live.app.app_context():
        course_id = db.session.scalars(select(Course.id)).one()
        ids = [bank.save_question(course_id, q).question_id for q in hostile_questions()]
        quiz = cq.create_quiz(course_id, "xss", _texts("Quiz"), "accuracy")
        _, draft = cq.draft_of(course_id, quiz.id)
        cq.add_questions(course_id, draft, ids)
        assert cq.publish(course_id, quiz.id).outcome == "updated"
        db.session.scalars(select(ResourceLink)).one().quiz_slug = "xss"
        db.session.commit()

    # The question editor and the preview with a checked answer, in both languages.
    for qid in ids:
        go(frame, f"{base}/authoring/questions/{qid}/edit")
        frame.wait_for_selector("form.qe")
        assert frame.evaluate(HOSTILE_ELEMENTS) == [], f"editor {qid}"
        assert ALL in frame.locator("#text_de").input_value()
    for lang in ("de", "en"):
        go(frame, f"{base}/authoring/questions/{ids[0]}/preview?lang={lang}")
        assert_inert(frame, f"preview ({lang})")
        frame.locator("main input[type=radio]").first.check()
        # Wait for the page the check answers with: a load-state wait could return for the page
        # before the click, and the next goto would then collide with the check's navigation.
        with frame.expect_navigation():
            frame.locator("main button[name='go'], main button[type=submit]").filter(has_text=re.compile("Check|Prüfen")).first.click()
        assert_inert(frame, f"preview with feedback ({lang})")

    # The student's question pages and result.
    with student_attempt(chromium, live, dialogs) as sframe:
        assert_inert(sframe, "student's question page")
        answer_and_submit(sframe, live)
        assert_inert(sframe, "student's result and review")

    # The reports: the attempt's answers, item analysis, grading the essay.
    with live.app.app_context():
        attempt = db.session.scalars(select(Attempt.public_id)).one()
    for path in (f"/reports/attempts/{attempt}", "/reports/items", "/reports/grading"):
        go(frame, base + path)
        frame.wait_for_selector("main")
        assert frame.evaluate(HOSTILE_ELEMENTS) == [], path
    assert dialogs == []


def test_the_check_finds_a_live_payload(page):
    """Guard for the check above: a payload that did become markup is found."""
    page.set_content('<main><img src=x onerror="1"><a href="javascript:1">x</a></main>')
    assert len(page.evaluate(HOSTILE_ELEMENTS)) >= 3
