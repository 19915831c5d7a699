"""Rendered texts are kept per process (engine/text.py), except those with images, whose URLs
belong to the page's launch, and very long ones."""
from __future__ import annotations

import contextvars

from lms_module.engine import text
from lms_module.engine.text import image_url, render_markdown


def renders_counted(monkeypatch) -> list[str]:
    seen: list[str] = []
    real = text.render_markdown_uncached

    def counting(source, strip=True):
        seen.append(source)
        return real(source, strip)

    monkeypatch.setattr(text, "render_markdown_uncached", counting)
    text._render_markdown_cached.cache_clear()
    return seen


def in_launch(source: str, launch: str) -> str:
    def run() -> str:
        image_url.set(lambda image_id: f"/l/{launch}/authoring/images/{image_id}")
        return str(render_markdown(source))
    return contextvars.copy_context().run(run)


def test_a_text_is_rendered_once_and_the_same_html_served_again(monkeypatch) -> None:
    seen = renders_counted(monkeypatch)
    first = render_markdown("Which **total** is *right*?")
    assert render_markdown("Which **total** is *right*?") == first == "Which <strong>total</strong> is <em>right</em>?"
    assert render_markdown(" gap ", strip=False) == " gap " and render_markdown(" gap ") == "gap"
    assert seen == ["Which **total** is *right*?", " gap ", " gap "]


def test_a_text_with_an_image_is_rendered_for_each_launch(monkeypatch) -> None:
    seen = renders_counted(monkeypatch)
    source = "See ![the invoice](image:12)"
    assert in_launch(source, "A") == 'See <img src="/l/A/authoring/images/12" alt="the invoice" loading="lazy">'
    assert in_launch(source, "B") == 'See <img src="/l/B/authoring/images/12" alt="the invoice" loading="lazy">'
    assert str(render_markdown(source)) == "See [the invoice]"  # outside a launch
    assert len(seen) == 3


def test_long_texts_are_not_kept(monkeypatch) -> None:
    seen = renders_counted(monkeypatch)
    long_text = "word " * 1000
    render_markdown(long_text)
    render_markdown(long_text)
    assert len(seen) == 2
