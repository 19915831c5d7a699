"""Localised text and the small, safe Markdown subset used in quiz files.

A text field in a quiz file is either a plain string (the same in both languages) or a mapping
``{de: ..., en: ...}``.  `LocalText` keeps both forms in one shape: a plain string becomes the same
value in both languages, so everything downstream only ever asks "which language?".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from markupsafe import Markup, escape
from pydantic import BaseModel, ConfigDict, model_serializer, model_validator
from pydantic_core import PydanticCustomError

Locale = Literal["de", "en"]
LOCALES: tuple[Locale, ...] = ("de", "en")


class LocalText(BaseModel):
    """A text in German and/or English.  Built from a plain string or a ``{de, en}`` mapping."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    de: str | None = None
    en: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _accept_plain_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"de": value, "en": value}
        if isinstance(value, LocalText):
            return value
        if not isinstance(value, Mapping):
            raise PydanticCustomError(
                "local_text",
                "must be text or a mapping with de and en (put numbers, dates and yes/no in quotes)",
            )
        if value.get("de") is None and value.get("en") is None:
            raise PydanticCustomError("local_text", "needs a text in de or en")
        return value

    @model_serializer
    def _dump(self) -> str | dict[str, str]:
        # A text that reads the same in both languages is written back as the plain string an
        # author would have typed.
        if self.de == self.en and self.de is not None:
            return self.de
        return {lang: v for lang, v in (("de", self.de), ("en", self.en)) if v is not None}

    @property
    def missing_languages(self) -> tuple[Locale, ...]:
        """Languages without a (non-blank) text; the library rules require none."""
        return tuple(lang for lang in LOCALES if not (getattr(self, lang) or "").strip())


TextLike = LocalText | str | Mapping[str, str] | None


def normalize_locale(locale: str | None) -> Locale:
    """'de_DE', 'de-AT', 'DE' -> 'de'; anything that is not German is treated as English."""
    return "de" if (locale or "").strip().lower()[:2] == "de" else "en"


def resolve(text: TextLike, locale: str | None) -> str:
    """The text in `locale`, falling back to the other language; '' for no text."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    lang = normalize_locale(locale)
    other: Locale = "en" if lang == "de" else "de"
    if isinstance(text, LocalText):
        first, second = getattr(text, lang), getattr(text, other)
    else:
        first, second = text.get(lang), text.get(other)
    # An empty string counts as missing, so a half-finished translation never shows a blank.
    return first or second or ""


_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.DOTALL)
_ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])", re.DOTALL)


def render_markdown(source: str, strip: bool = True) -> Markup:
    """Render the Markdown subset (**bold**, *italic*, `code`, line breaks) as safe HTML.

    Everything is HTML-escaped first, so an author can never inject markup; the only tags in the
    result are the ones produced here.  `strip=False` keeps outer spaces, for text around a gap.
    """
    source = source.replace("\r\n", "\n")
    if strip:
        source = source.strip()
    pieces: list[str] = []
    position = 0
    # Code spans are cut out first so that asterisks inside them stay literal.
    for match in _CODE.finditer(source):
        pieces.append(_inline(source[position : match.start()]))
        pieces.append(f"<code>{escape(match.group(1))}</code>")
        position = match.end()
    pieces.append(_inline(source[position:]))
    return Markup("".join(pieces).replace("\n", "<br>\n"))


def _inline(fragment: str) -> str:
    html = str(escape(fragment))
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    return _ITALIC.sub(r"<em>\1</em>", html)


def render(text: TextLike, locale: str | None) -> Markup:
    """Resolve `text` for `locale` and render it as safe HTML."""
    return render_markdown(resolve(text, locale))


def plain(text: TextLike, locale: str | None) -> str:
    """The text without Markdown markers, for places that cannot hold markup (``<option>``)."""
    source = resolve(text, locale).strip()
    source = _CODE.sub(r"\1", source)
    source = _BOLD.sub(r"\1", source)
    source = _ITALIC.sub(r"\1", source)
    return " ".join(source.split())
