"""What a person sees in Moodle's iframe (about 750 px for Kontor) and on a phone, beyond what axe
checks: German words are not split in the middle ("Fals|ch", "Bestehensgrenz|e"), links styled as
secondary buttons look secondary, wrapped rows of buttons do not touch, and a wide table's caption
is readable where the table starts. Markup from Kontor's own templates, styled by its stylesheets."""
from __future__ import annotations

import random
from pathlib import Path

from lms_module.engine import handler_for, load_quiz
from support.accessibility import assert_accessible

STATIC = Path(__file__).resolve().parents[2] / "lms_module" / "web" / "static"
ALL_TYPES = Path(__file__).resolve().parents[1] / "unit" / "engine" / "fixtures" / "all_types.yaml"

# Returns the words of each matched element that the browser laid out over more than one line.
SPLIT_WORDS = """(elements) => {
  const split = [];
  for (const el of elements) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /\\S+/g;
      let match;
      while ((match = re.exec(node.data)) !== null) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
        if (tops.size > 1) split.push(match[0]);
      }
    }
  }
  return split;
}"""


def styled_page(body: str, lang: str = "de") -> str:
    css = "".join((STATIC / "css" / name).read_text() for name in ("kontor.css", "reports.css"))
    return (f'<!doctype html><html lang="{lang}"><head><title>Kontor</title><style>{css}</style></head>'
            f'<body><main id="main">{body}</main></body></html>')


def rendered(app, template: str, locale: str = "de", **values) -> str:
    from flask import render_template
    from flask_babel import force_locale

    with app.test_request_context("/"), force_locale(locale):
        return render_template(template, **values)


def test_review_table_keeps_its_german_headings_and_verdicts_whole_in_the_lms_frame(app, page):
    """An ordering question with the long steps of the accuracy practice, reviewed in German at the
    width of Kontor in Moodle's course page: the first column took all the room, and the headings
    and verdicts broke inside words ("Ihre Antwo|rt", "Fals|ch", "Rich|tig")."""
    quiz = load_quiz(ALL_TYPES)
    question = next(q for q in quiz.questions if q.id == "shipping")
    handler = handler_for(question)
    layout = handler.layout(question, random.Random(7), False)
    review = handler.review(question, layout, "de", {"order": ["2", "1", "3", "4"]})
    steps = ["Die vorliegende Rechnung mit Bestellung und Wareneingang abgleichen (Artikel, Menge, Preis, Konditionen)",
             "Ware annehmen, gegen den Lieferschein zählen und den Wareneingang buchen",
             "Bestellung anlegen und durch die zuständige Person freigeben lassen",
             "Zahlung an die Bankverbindung aus dem Lieferantenstamm ausführen"]
    review = {**review, "rows": [{**row, "label": step} for row, step in zip(review["rows"], steps)]}
    page.set_viewport_size({"width": 720, "height": 900})
    page.set_content(styled_page(rendered(app, "questions/_review.html", r=review)))

    headings = page.locator(".q-review__table thead th")
    assert headings.count() == 4
    verdicts = page.locator(".q-review__verdict")
    assert verdicts.count() == 4
    assert headings.evaluate_all(SPLIT_WORDS) == []
    assert verdicts.evaluate_all(SPLIT_WORDS) == []
    # The steps themselves still wrap between words, and nothing widens the page.
    assert page.locator(".q-review__table tbody th").first.evaluate("el => el.getClientRects().length > 0")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 720


def test_quiz_rules_keep_their_german_labels_whole_on_a_phone(app, page):
    """The start page's rules at 375 px: "Bestehensgrenze" and "Verbleibende Versuche" were broken
    inside the word to keep the label column at half the width."""
    rules = (
        '<dl class="rules">'
        '<div><dt>Modus</dt><dd>Prüfung: wird bewertet</dd></div>'
        '<div><dt>Verbleibende Versuche</dt><dd>1</dd></div>'
        '<div><dt>Bestehensgrenze</dt><dd>70 %</dd></div>'
        '<div><dt>Bewertung</dt><dd>der beste Versuch zählt</dd></div>'
        '</dl>')
    page.set_viewport_size({"width": 320, "height": 700})
    page.set_content(styled_page('<div style="margin: 0 12px; border: 1px solid #ccc">' + rules + "</div>"))
    assert page.locator(".rules dt").evaluate_all(SPLIT_WORDS) == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320


def test_links_styled_as_secondary_buttons_look_secondary_and_wrapped_rows_do_not_touch(app, page):
    """The instructor's activity page: its nine links are `button secondary` and wrap over several
    rows in the LMS frame. They were drawn as filled primary buttons (the stylesheet only knew
    `button.secondary` and `.button--secondary`), row on row without a gap, so their rounded corners
    made stray notches between the rows."""
    links = "\n".join(f'<a class="button secondary" href="#{n}">Bericht Nummer {n}</a>' for n in range(9))
    page.set_viewport_size({"width": 720, "height": 700})
    page.set_content(styled_page(f"<h1>Aktivität</h1><p>{links}</p><p><button>Speichern</button></p>"))
    buttons = page.locator("a.button.secondary")
    styles = buttons.evaluate_all(
        "els => els.map(el => { const s = getComputedStyle(el), r = el.getBoundingClientRect(); "
        "return {background: s.backgroundColor, color: s.color, top: r.top, bottom: r.bottom}; })")
    primary = page.locator("button").evaluate("el => getComputedStyle(el).backgroundColor")
    assert all(s["background"] != primary for s in styles), styles
    assert all(s["background"] == "rgb(255, 255, 255)" for s in styles), styles
    rows = sorted({(round(s["top"]), round(s["bottom"])) for s in styles})
    assert len(rows) > 1, rows  # the test is about wrapped rows
    for (_, above_bottom), (below_top, _) in zip(rows, rows[1:]):
        assert below_top - above_bottom >= 4, rows
    assert_accessible(page, "secondary buttons")


def test_a_wide_report_tables_caption_starts_where_the_table_starts(app, page):
    """The gradebook in the LMS frame scrolls sideways inside its region; its caption was centred
    over the whole table's width, so its end was cut off at the region's edge until one scrolled."""
    header = "".join(f"<th scope='col'>Spalte {n}</th>" for n in range(18))
    cells = "".join(f"<td>Wert {n}</td>" for n in range(18))
    table = (f'<div class="report-scroll" role="region" aria-labelledby="cap" tabindex="0"><table>'
             f'<caption id="cap">Teilnehmende: Alle Teilnehmenden, 3 von 3 angezeigt</caption>'
             f"<thead><tr>{header}</tr></thead><tbody><tr>{cells}</tr></tbody></table></div>")
    page.set_viewport_size({"width": 720, "height": 700})
    page.set_content(styled_page(table))
    region = page.locator(".report-scroll").evaluate("el => el.getBoundingClientRect().right")
    assert page.locator(".report-scroll table").evaluate("el => el.getBoundingClientRect().right") > region
    caption_text = page.locator("caption").evaluate(
        "el => { const r = document.createRange(); r.selectNodeContents(el); return r.getBoundingClientRect().right; }")
    assert caption_text <= region
