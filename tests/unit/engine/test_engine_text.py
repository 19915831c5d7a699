from __future__ import annotations

import pytest
from markupsafe import Markup
from pydantic import ValidationError

from lms_module.engine.text import LocalText, plain, render, render_markdown, resolve


def test_plain_string_is_both_languages() -> None:
    text = LocalText.model_validate("EORI")
    assert (text.de, text.en) == ("EORI", "EORI")
    assert text.model_dump() == "EORI"


def test_mapping_keeps_languages() -> None:
    text = LocalText.model_validate({"de": "Menge", "en": "Quantity"})
    assert resolve(text, "de") == "Menge"
    assert resolve(text, "en") == "Quantity"
    assert text.model_dump() == {"de": "Menge", "en": "Quantity"}


@pytest.mark.parametrize("locale", ["en", "en_GB", "fr", None])
def test_missing_translation_falls_back(locale: str | None) -> None:
    assert resolve(LocalText.model_validate({"de": "Nur Deutsch"}), locale) == "Nur Deutsch"


def test_locale_variants_and_plain_mappings() -> None:
    assert resolve({"de": "Ja", "en": "Yes"}, "de_AT") == "Ja"
    assert resolve({"de": "", "en": "Yes"}, "de") == "Yes"  # empty counts as missing
    assert resolve(None, "de") == ""
    assert resolve("same", "en") == "same"


@pytest.mark.parametrize("bad", [12, True, ["a"], {}, {"de": None}])
def test_invalid_local_text(bad: object) -> None:
    with pytest.raises(ValidationError):
        LocalText.model_validate(bad)


def test_unknown_language_key_is_an_error() -> None:
    with pytest.raises(ValidationError) as info:
        LocalText.model_validate({"de": "a", "fr": "b"})
    assert info.value.errors()[0]["loc"] == ("fr",)


def test_markdown_subset() -> None:
    html = render_markdown("**fett** und *kursiv* mit `code`\nneue Zeile")
    assert isinstance(html, Markup)
    assert html == "<strong>fett</strong> und <em>kursiv</em> mit <code>code</code><br>\nneue Zeile"


def test_markdown_escapes_html_first() -> None:
    html = render_markdown('<script>alert("x")</script> **<b>x</b>**')
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html
    assert "<strong>&lt;b&gt;x&lt;/b&gt;</strong>" in html


def test_markdown_keeps_code_literal_and_lone_asterisks() -> None:
    assert render_markdown("`**not bold**`") == "<code>**not bold**</code>"
    assert render_markdown("5 * 3 = 15") == "5 * 3 = 15"
    assert render_markdown("a*b*c") == "a*b*c"


def test_render_and_plain() -> None:
    text = LocalText.model_validate({"de": "**Frei** an Bord", "en": "**Free** On Board"})
    assert render(text, "en") == "<strong>Free</strong> On Board"
    assert plain(text, "de") == "Frei an Bord"
