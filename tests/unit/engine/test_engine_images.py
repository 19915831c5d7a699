"""Course images in texts: ``![description](image:ID)`` becomes an <img> through the resolver the web
layer sets per request, and nothing else of Markdown's image syntax is recognised."""
from __future__ import annotations

import contextvars

import pytest
from pydantic import TypeAdapter

from lms_module.engine.formats import IMAGE_NOTE, format_named
from lms_module.engine.schema import Question
from lms_module.engine.text import (
    LocalText, image_url, plain, render, render_markdown,
)


def with_urls(source: str, resolver=lambda image_id: f"/l/L1/authoring/images/{image_id}") -> str:
    """Render in a fresh context with `resolver` set, as a request does."""
    def run() -> str:
        image_url.set(resolver)
        return str(render_markdown(source))
    return contextvars.copy_context().run(run)


def test_without_a_resolver_the_description_shows_in_brackets() -> None:
    assert str(render_markdown("See ![the invoice](image:12) here")) == "See [the invoice] here"
    assert str(render_markdown("![](image:12)")) == ""


def test_with_a_resolver_an_img_tag_is_rendered() -> None:
    assert with_urls("See ![the invoice](image:12) here") == (
        'See <img src="/l/L1/authoring/images/12" alt="the invoice" loading="lazy"> here')


def test_emphasis_pairs_across_an_image_and_code_keeps_the_reference_literal() -> None:
    html = with_urls("**bold ![x](image:3) still bold** `![y](image:4)`")
    assert html.startswith('<strong>bold <img src="/l/L1/authoring/images/3" alt="x" loading="lazy"> still bold</strong>')
    assert "<code>![y](image:4)</code>" in html


def test_hostile_description_and_url_are_escaped() -> None:
    html = with_urls('![x" onerror="alert(1)<script>](image:5)', lambda i: f'/img/{i}?a="b&c')
    assert html == ('<img src="/img/5?a=&#34;b&amp;c" alt="x&#34; onerror=&#34;alert(1)&lt;script&gt;" '
                    'loading="lazy">')
    assert "<script>" not in str(render_markdown('![<script>alert(1)</script>](image:5)'))


@pytest.mark.parametrize("source", [
    "![x](https://evil.example/a.png)",
    "![x](javascript:alert(1))",
    "![x](data:image/png;base64,AAAA)",
    "![x](image:12 )",
    "![x](image:abc)",
    "![x](image:1234567890)",  # more than nine digits
    "![" + "a" * 201 + "](image:1)",  # description longer than 200 characters
    "![two\nlines](image:1)",
])
def test_anything_else_stays_literal_text(source: str) -> None:
    html = with_urls(source)
    assert "<img" not in html and "![" in html


def test_unknown_image_of_the_course_shows_its_description() -> None:
    assert with_urls("![chart](image:9)", lambda image_id: None) == "[chart]"


def test_a_nul_in_the_text_cannot_forge_a_placeholder() -> None:
    assert "<img" not in with_urls("\x000\x00 and ![x](https://e.example/)")


def test_plain_text_keeps_the_description() -> None:
    assert plain(LocalText.model_validate("See ![chart](image:4) **now**"), "en") == "See chart now"


def test_the_same_parsed_text_renders_each_launchs_url() -> None:
    # Parsed quiz content is cached across requests (library.services._parsed); the URL is put in
    # when rendering, so one launch's URL never shows up on another launch's page.
    text = LocalText.model_validate({"de": "Siehe ![Rechnung](image:7)", "en": "See ![invoice](image:7)"})

    def page(launch: str) -> str:
        image_url.set(lambda image_id: f"/l/{launch}/authoring/images/{image_id}")
        return str(render(text, "en"))

    assert "/l/A/" in contextvars.copy_context().run(page, "A")
    second = contextvars.copy_context().run(page, "B")
    assert "/l/B/authoring/images/7" in second and "/l/A/" not in second
    assert str(render(text, "en")) == "See [invoice]"  # outside a request: no URL at all


QUESTION = TypeAdapter(Question).validate_python({
    "id": "q1", "type": "single",
    "text": {"en": "Which total does ![the invoice](image:12) show?", "de": "Welche Summe zeigt ![die Rechnung](image:12)?"},
    "explanation": {"en": "Look at ![the total line](image:13)."},
    "options": [{"id": "a", "text": "100 EUR", "correct": True}, {"id": "b", "text": "![a stamp](image:14)"}],
})


@pytest.mark.parametrize("name", ["moodlexml", "qti", "gift", "aiken"])
def test_writers_export_an_image_as_its_description_with_a_note(name: str) -> None:
    def run():
        image_url.set(lambda image_id: f"/l/L1/authoring/images/{image_id}")  # as inside a launch
        return format_named(name).write([QUESTION], title="Images", language="en")

    exported = contextvars.copy_context().run(run)
    data = exported.data.decode("utf-8", "replace") if name != "qti" else _qti_text(exported.data)
    assert "image:1" not in data and "/l/L1/" not in data and "&lt;img" not in data and "<img" not in data
    assert "the invoice" in data
    assert [note.message for note in exported.notes if note.message == IMAGE_NOTE] == [IMAGE_NOTE]


def _qti_text(data: bytes) -> str:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".xml"))
