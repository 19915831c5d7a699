"""Language of parts (WCAG 3.1.2): a text, a document or a phrase inside a text can say it is in
the other language, and is rendered with lang=".."; only de and en are accepted."""
from __future__ import annotations

import random

import pytest
from pydantic import ValidationError

from lms_module.engine import Quiz, handler_for
from lms_module.engine.schema import Document
from lms_module.engine.questions.documents import document_view
from lms_module.engine.text import LocalText, plain, render, render_markdown

from test_engine_templates import _environment, _Page


def test_a_text_marked_english_is_a_span_with_lang_on_a_german_page():
    text = LocalText.model_validate({"en": "Dear Sir or Madam", "lang": "en"})
    assert render(text, "de") == '<span lang="en">Dear Sir or Madam</span>'
    assert render(text, "en") == "Dear Sir or Madam"
    assert text.model_dump() == {"en": "Dear Sir or Madam", "lang": "en"}


def test_a_fallback_to_the_other_language_is_marked_as_that_language():
    assert render(LocalText.model_validate({"en": "only English"}), "de") == '<span lang="en">only English</span>'
    assert render(LocalText.model_validate({"de": "a", "en": "b"}), "de") == "a"


def test_inline_marks_become_spans_and_vanish_from_plain_text():
    source = "Der Brief endet mit „[Yours **sincerely**]{lang=en}“."
    assert render_markdown(source) == 'Der Brief endet mit „<span lang="en">Yours <strong>sincerely</strong></span>“.'
    assert plain(source, "de") == "Der Brief endet mit „Yours sincerely“."


@pytest.mark.parametrize("value", ["x [Bonjour]{lang=fr}", {"de": "x", "lang": "fr"}, {"de": "x", "en": "[y]{lang=}"}])
def test_only_german_and_english_are_accepted(value):
    with pytest.raises(ValidationError):
        LocalText.model_validate(value)


def test_a_document_in_english_carries_lang_on_a_german_page_only():
    document = Document.model_validate({"lang": "en", "title": "Invoice", "fields": [{"label": "Terms", "value": "Net 30"}]})
    assert document_view(document, "de")["lang"] == "en"
    assert document_view(document, "en")["lang"] is None
    html = _environment().get_template("questions/_macros.html").module.document(document_view(document, "de"), "source")
    assert '<div class="q-doc q-doc--source" lang="en">' in html
    with pytest.raises(ValidationError):
        Document.model_validate({"lang": "fr", "fields": []})


def _view(quiz: Quiz, question_id: str, locale: str = "en"):
    question = next(q for q in quiz.questions if q.id == question_id)
    handler = handler_for(question)
    return handler.view(question, handler.layout(question, random.Random(1), False), locale)


def test_cloze_gaps_are_named_by_their_sentence(quiz: Quiz):
    html = _environment().get_template("questions/_cloze.html").render(q=_view(quiz, "vat-cloze"), disabled=False)
    assert "Gap 1: The VAT on 100 EUR net is ___ EUR; the rate is called ___, paid by the ___." in html
    assert "Gap 3: …100 EUR net is ___ EUR; the rate is called ___, paid by the ___.</label>" in html  # shortened


def test_essay_has_a_short_legend_and_the_prompt_as_description(quiz: Quiz):
    view = _view(quiz, "why-check")
    page = _Page(_environment().get_template("questions/_essay.html").render(q=view, disabled=False))
    fieldset = page.all("fieldset")[0]
    assert page.legend_text.strip() == "Written answer"
    prompt = next(a for a in page.all("div") if a.get("id") == fieldset["aria-describedby"])
    assert prompt["class"] == "q__stem"


def test_document_check_boxes_are_named_by_their_field(quiz: Quiz):
    view = _view(quiz, "invoice-check")
    page = _Page(_environment().get_template("questions/_document_check.html").render(q=view, disabled=False))
    names = [a["aria-label"] for a in page.all("input") if a.get("type") == "checkbox"]
    # The column's visible words first ("Wrong?"), then the field (WCAG 2.5.3, label in name).
    assert names and all(n.startswith("Wrong? ") and " :" not in n for n in names)
