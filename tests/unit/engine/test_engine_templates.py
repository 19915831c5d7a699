"""The question partials render accessible forms from views, with no key data in the HTML."""

from __future__ import annotations

import random
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Undefined

from lms_module.engine import Quiz, handler_for
from lms_module.web.template_helpers import macros_of

TEMPLATES = Path(__file__).resolve().parents[3] / "lms_module" / "web" / "templates"
CONTROLS = ("input", "select", "textarea")


def _gettext(message: str, **variables: Any) -> str:
    """Stand-in for Flask-Babel's newstyle gettext: identity plus %-formatting."""
    return message % variables if variables else message


def _environment(undefined: type[Undefined] = StrictUndefined) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=undefined)
    env.globals["_"] = _gettext
    env.globals["points_of_label"] = lambda marks, maximum: f"{marks:g} of {maximum:g} points"  # web.template_helpers
    env.globals["macros_of"] = macros_of
    return env


class _Page(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.legend_text = ""
        self._in_legend = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_legend = self._in_legend or tag == "legend"

    def handle_endtag(self, tag: str) -> None:
        if tag == "legend":
            self._in_legend = False

    def handle_data(self, data: str) -> None:
        if self._in_legend:
            self.legend_text += data

    def all(self, *names: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag in names]


def _rendered(quiz: Quiz, locale: str = "en", response: dict[str, Any] | None = None, **context: Any) -> list[tuple[str, str]]:
    env = _environment()
    out = []
    for question in quiz.questions:
        handler = handler_for(question)
        layout = handler.layout(question, random.Random(f"5:{question.id}"), True)
        view = handler.view(question, layout, locale, (response or {}).get(question.id))
        html = env.get_template(f"questions/_{question.type}.html").render(q=view, **context)
        out.append((question.id, html))
    return out


def test_every_question_type_has_a_partial(quiz: Quiz) -> None:
    for question in quiz.questions:
        assert (TEMPLATES / "questions" / f"_{question.type}.html").is_file()


@pytest.mark.parametrize("locale", ["de", "en"])
def test_partials_are_accessible_forms(quiz: Quiz, locale: str) -> None:
    for question_id, html in _rendered(quiz, locale, disabled=False):
        page = _Page(html)
        assert len(page.all("fieldset")) == 1 and len(page.all("legend")) == 1, question_id
        assert page.legend_text.strip(), question_id
        labelled = {attrs.get("for") for attrs in page.all("label")}
        controls = page.all(*CONTROLS)
        assert controls, question_id
        ids = [attrs.get("id") for attrs in controls]
        assert len(set(ids)) == len(ids), question_id
        for attrs in controls:
            assert attrs.get("id") in labelled, (question_id, attrs)
            name = attrs.get("name") or ""
            assert name == f"q-{question_id}" or name.startswith(f"q-{question_id}__"), (question_id, name)
            assert "disabled" not in attrs


def test_partials_render_without_the_disabled_variable(quiz: Quiz) -> None:
    env = _environment(Undefined)
    question = quiz.question("fob")
    handler = handler_for(question)
    view = handler.view(question, handler.layout(question, random.Random(1), True), "en")
    assert "disabled" not in env.get_template("questions/_single.html").render(q=view)


def test_disabled_disables_every_control(quiz: Quiz) -> None:
    for question_id, html in _rendered(quiz, disabled=True):
        controls = _Page(html).all(*CONTROLS)
        assert all("disabled" in attrs for attrs in controls), question_id


def test_no_key_data_styles_or_scripts_in_html(quiz: Quiz) -> None:
    for question_id, html in _rendered(quiz, disabled=False):
        lowered = html.lower()
        for forbidden in ("secret", "correct", "explanation", "wrong-qty", "wrong-date", 'value="r0"', 'value="d0"', "style=", "<script", " on"):
            if forbidden == " on":
                assert not any(attr.startswith("on") for _, attrs in _Page(html).tags for attr in attrs), question_id
            else:
                assert forbidden not in lowered, (question_id, forbidden)


def test_prefilled_values_are_rendered(quiz: Quiz) -> None:
    responses = {
        "gross": {"value": '1190 <"EUR">'},
        "why-check": {"text": "Line one\nline two"},
        "fob": {"choice": "a"},
    }
    html = dict(_rendered(quiz, response=responses, disabled=False))
    assert 'value="1190 &lt;&#34;EUR&#34;&gt;"' in html["gross"]
    assert "Line one\nline two</textarea>" in html["why-check"]
    assert html["fob"].count(" checked") == 1


def test_cloze_gaps_have_hidden_numbered_labels(quiz: Quiz) -> None:
    html = dict(_rendered(quiz, disabled=False))["vat-cloze"]
    assert html.count('class="visually-hidden"') == 3
    assert "Gap 1" in html and "Gap 3" in html


def test_document_check_shows_reference_and_a_checkbox_per_field(quiz: Quiz) -> None:
    html = dict(_rendered(quiz, disabled=False))["invoice-check"]
    page = _Page(html)
    assert len([a for a in page.all("input") if a.get("type") == "checkbox"]) == 4
    assert "Purchase order 4711" in html and "<table" in html
    # One column "Wrong?" with a checkbox on each field's row, named after the column and the field.
    assert html.count('<th scope="col" class="q-doc__mark-head"') == 1
    assert [a.get("aria-label") for a in page.all("input")][0].startswith("Wrong? ")


def test_review_partial(quiz: Quiz) -> None:
    env = _environment()
    template = env.get_template("questions/_review.html")
    responses: dict[str, dict[str, Any]] = {
        "fob": {"choice": "b"},
        "vat-docs": {"choices": ["a"]},
        "eori-tf": {"value": False},
        "gross": {"value": "1190"},
        "incoterms": {"pairs": ["r0", "d0", None]},
        "vat-cloze": {"gaps": {"vat": "19"}},
        "invoice-check": {"marked": ["price"]},
        "why-check": {"text": "Weil <b>es</b> wichtig ist."},
    }
    for question in quiz.questions:
        handler = handler_for(question)
        layout = handler.layout(question, random.Random(1), True)
        review = handler.review(question, layout, "en", responses.get(question.id, {}))
        html = template.render(r=review)
        assert "style=" not in html and "<script" not in html, question.id
        assert "Explanation" in html, question.id
        if question.id in ("fob", "gross", "incoterms", "vat-cloze", "invoice-check"):
            assert "Right" in html or "Wrong" in html, question.id  # said in words, not colour alone
    fob = template.render(r=quiz_review(quiz, "fob", {"choice": "b"}))
    assert "SECRET-FEEDBACK-EN" in fob and "Your choice" in fob and "Correct answer" in fob
    essay = template.render(r=quiz_review(quiz, "why-check", {"text": "Weil <b>es</b>"}))
    assert "&lt;b&gt;es&lt;/b&gt;" in essay and "SECRET-RUBRIC-EN" in essay
    check = template.render(r=quiz_review(quiz, "invoice-check", {"marked": ["price"]}))
    assert "SECRET-ERROR-EN" in check and "Missed error" in check and "False alarm" in check


def quiz_review(quiz: Quiz, question_id: str, response: dict[str, Any]) -> dict[str, Any]:
    question = quiz.question(question_id)
    handler = handler_for(question)
    return handler.review(question, handler.layout(question, random.Random(1), True), "en", response)
