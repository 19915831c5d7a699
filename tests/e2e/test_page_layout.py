"""What only a browser sees: the frame height Kontor reports to the LMS, and how its stylesheet lays
out questions and reviews. Question markup comes from Kontor's own templates (rendered in the app),
styled by its own stylesheet and scripts, read from the package."""
from __future__ import annotations

import json
import random
from datetime import datetime
from pathlib import Path

import pytest

from lms_module.engine import handler_for, load_quiz

STATIC = Path(__file__).resolve().parents[2] / "lms_module" / "web" / "static"
ALL_TYPES = Path(__file__).resolve().parents[1] / "unit" / "engine" / "fixtures" / "all_types.yaml"


def styled_page(body: str, lang: str = "en") -> str:
    css = (STATIC / "css" / "kontor.css").read_text()
    return f'<!doctype html><html lang="{lang}"><head><style>{css}</style></head><body><main id="main">{body}</main></body></html>'


def rendered(app, template: str, locale: str = "en", **values) -> str:
    from flask import render_template
    from flask_babel import force_locale

    with app.test_request_context("/"), force_locale(locale):
        return render_template(template, **values)


def question_and_layout(qid: str):
    quiz = load_quiz(ALL_TYPES)
    question = next(q for q in quiz.questions if q.id == qid)
    handler = handler_for(question)
    return question, handler, handler.layout(question, random.Random(7), False)


# --- the LMS frame follows the content, also when it shrinks -----------------------------------


PARENT = """<!doctype html><html><body>
<iframe id="tool" style="width: 800px; height: 600px; border: 0"></iframe>
<script>
  window.heights = [];
  window.addEventListener("message", function (event) {
    if (event.data && event.data.subject === "lti.frameResize") {
      window.heights.push(event.data.height);
      document.getElementById("tool").style.height = event.data.height + "px";  // as an LMS does
    }
  });
  document.getElementById("tool").srcdoc = %s;
</script></body></html>"""


def test_the_frame_shrinks_when_the_page_gets_shorter(page):
    """The tool reports its content's height: a tall page, then a short one, and the posted height
    goes down (it reported documentElement.scrollHeight, which never falls below the frame)."""
    script = (STATIC / "js" / "frame-resize.js").read_text()
    tool = (f'<!doctype html><html><body style="margin:0"><main><div id="content" style="height: 2000px">tall</div>'
            f'</main><script>{script}</script></body></html>')
    page.set_content(PARENT % json.dumps(tool).replace("</", "<\\/"))
    page.wait_for_function("() => window.heights.length > 0 && window.heights[window.heights.length - 1] >= 2000")
    frame = page.frames[-1]
    frame.evaluate("() => { document.getElementById('content').style.height = '150px'; }")
    page.wait_for_function("() => window.heights[window.heights.length - 1] < 400", timeout=5000)
    assert page.evaluate("() => document.getElementById('tool').getBoundingClientRect().height") < 400


# The LMS's script (and its listener) comes a second after the tool's page has loaded, as a page
# whose scripts load beside the frame can on a slow machine.
LATE_PARENT = """<!doctype html><html><body>
<iframe id="tool" style="width: 800px; height: 600px; border: 0"></iframe>
<script>
  window.heights = [];
  var tool = document.getElementById("tool");
  tool.addEventListener("load", function () {
    setTimeout(function () {
      window.addEventListener("message", function (event) {
        if (event.data && event.data.subject === "lti.frameResize") {
          window.heights.push(event.data.height);
          tool.style.height = event.data.height + "px";
        }
      });
    }, 1000);
  });
  tool.srcdoc = %s;
</script></body></html>"""


def test_the_frame_fits_when_the_lms_listens_only_after_the_page_has_loaded(page):
    """A message sent before the LMS listens is lost, and the tool sent the height only when it
    changed: the frame kept the LMS's 600 px for a page of 1,200. The height is sent again after
    the load, so an LMS that listens a second late still gets it."""
    script = (STATIC / "js" / "frame-resize.js").read_text()
    tool = (f'<!doctype html><html><body style="margin:0"><main><div style="height: 1200px">tall</div>'
            f'</main><script>{script}</script></body></html>')
    page.set_content(LATE_PARENT % json.dumps(tool).replace("</", "<\\/"))
    page.wait_for_function("() => window.heights.length > 0", timeout=15000)
    assert page.evaluate("() => window.heights")[-1] >= 1200
    assert page.evaluate("() => document.getElementById('tool').getBoundingClientRect().height") >= 1200


# --- review labels are labels, not empty input boxes ----------------------------------------------


def test_review_labels_do_not_look_like_input_fields(app, page):
    question, handler, layout = question_and_layout("why-check")
    review = handler.review(question, layout, "de", {"text": "Weil die Rechnung zur Bestellung passen muss."})
    review = {**review, "explanation": "Vier Augen sehen mehr.", "source": "allgemeine Praxis",
              "instructor_comment": "Gut."}
    page.set_content(styled_page(rendered(app, "questions/_review.html", "de", r=review), "de"))
    tags = page.locator(".q-review__tag")
    assert tags.count() >= 3
    for index in range(tags.count()):
        style = tags.nth(index).evaluate(
            "el => { const s = getComputedStyle(el); return {border: s.borderTopWidth, left: s.borderLeftWidth, "
            "width: el.getBoundingClientRect().width, text: el.textContent.trim(), weight: s.fontWeight}; }")
        assert style["border"] == "0px" and style["left"] == "0px", style
        assert style["text"], style
        assert int(style["weight"]) >= 600, style  # a heading-like label, set off by weight


# --- essays count words as the student types ---------------------------------------------------


def test_essay_word_count_follows_typing_and_is_announced_politely(app, page):
    question, handler, layout = question_and_layout("why-check")  # 20 to 200 words
    view = handler.view(question, layout, "de", {})
    script = (STATIC / "js" / "word-count.js").read_text()
    html = rendered(app, "questions/_essay.html", "de", q=view)
    # The page's clock stands still while the test types: the script's 1.5 s pause is counted on
    # it, not on a machine that may stall between two keys or before the next check.
    page.clock.install(time=datetime(2026, 3, 2, 9, 0, 0))
    page.set_content(styled_page(html + f"<script>{script}</script>", "de"))
    page.clock.pause_at(datetime(2026, 3, 2, 9, 0, 1))
    counter = page.locator(".q-words")
    assert counter.is_visible()
    spoken = page.locator(".q-words__spoken")
    assert spoken.get_attribute("aria-live") == "polite"
    assert page.locator(".q-words__shown").inner_text() == "0 Wörter – weniger als verlangt"

    area = page.locator("textarea")
    area.press_sequentially("Weil die Rechnung passen muss", delay=20)
    assert page.locator(".q-words__shown").inner_text() == "5 Wörter – weniger als verlangt"
    assert spoken.inner_text() == ""  # throttled: nothing is spoken while typing goes on
    page.clock.run_for(1400)
    assert spoken.inner_text() == ""  # nor before typing has paused for 1.5 s
    page.clock.run_for(100)
    assert spoken.inner_text() == "5 Wörter – weniger als verlangt"
    area.fill(" ".join(["Wort"] * 25))
    area.dispatch_event("input")
    assert page.locator(".q-words__shown").inner_text() == "25 Wörter – im verlangten Umfang"


# --- layout of questions ------------------------------------------------------------------------


def _box(locator):
    return locator.evaluate("el => { const r = el.getBoundingClientRect(); return {x: r.x, y: r.y, right: r.right, bottom: r.bottom}; }")


def test_a_long_stem_stays_inside_its_box(app, page):
    question, handler, layout = question_and_layout("incoterms")
    view = handler.view(question, layout, "en", {})
    view = {**view, "stem": "Match every Incoterms rule to its meaning, reading the whole long sentence carefully "
                            "because this stem is deliberately long: " + "Lieferantenrechnungsnummernprüfung" * 3}
    page.set_viewport_size({"width": 420, "height": 800})
    page.set_content(styled_page(rendered(app, "questions/_matching.html", "en", q=view, disabled=False)))
    fieldset, legend = _box(page.locator("fieldset")), _box(page.locator("legend"))
    assert legend["right"] <= fieldset["right"] + 0.5
    assert legend["y"] >= fieldset["y"] + 0.5  # below the border line, not across it
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 420


@pytest.mark.parametrize("width", [1100, 420])
def test_matching_dropdowns_line_up_with_their_prompts(app, page, width):
    page.set_viewport_size({"width": width, "height": 800})
    question, handler, layout = question_and_layout("incoterms")
    view = handler.view(question, layout, "de", {})
    page.set_content(styled_page(rendered(app, "questions/_matching.html", "de", q=view, disabled=False), "de"))
    rows = page.locator(".q-match__row")
    lefts = set()
    for index in range(rows.count()):
        label, select = _box(rows.nth(index).locator("label")), _box(rows.nth(index).locator("select"))
        lefts.add(round(select["x"]))
        middle = (select["y"] + select["bottom"]) / 2
        assert label["y"] - 1 <= middle <= label["bottom"] + 1, (label, select)  # on the prompt's line
    assert len(lefts) == 1, lefts  # one column of dropdowns


def test_document_check_has_one_wrong_column_with_a_checkbox_per_row(app, page):
    question, handler, layout = question_and_layout("invoice-check")
    view = handler.view(question, layout, "de", {})
    page.set_content(styled_page(rendered(app, "questions/_document_check.html", "de", q=view, disabled=False), "de"))
    assert page.locator(".q-doc__check thead th").last.inner_text() == "Fehlerhaft?"
    assert "Dieses Feld ist falsch" not in page.locator(".q-doc--checked").inner_text()
    rows = page.locator(".q-doc__check tbody tr")
    assert rows.count() == page.locator(".q-doc__check input[type=checkbox]").count() > 1
    columns = set()
    for index in range(rows.count()):
        label, box = _box(rows.nth(index).locator("th")), _box(rows.nth(index).locator("input"))
        assert label["y"] - 1 <= (box["y"] + box["bottom"]) / 2 <= label["bottom"] + 1
        columns.add(round(box["x"]))
    assert len(columns) == 1
    # Still keyboard-operable and labelled.
    first = page.locator(".q-doc__check input").first
    first.focus()
    page.keyboard.press("Space")
    assert first.is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.type") == "checkbox"
    assert page.evaluate("() => document.activeElement.labels[0].textContent").startswith("Fehlerhaft? ")
