"""Localised text and the small, safe Markdown subset used in quiz files.

A text field in a quiz file is either a plain string (the same in both languages) or a mapping
``{de: ..., en: ...}``.  `LocalText` keeps both forms in one shape: a plain string becomes the same
value in both languages, so everything downstream only ever asks "which language?".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from functools import lru_cache
from typing import Any, Literal

from markupsafe import Markup, escape
from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator
from pydantic_core import PydanticCustomError

from .limits import MAX_TEXT_CHARS

Locale = Literal["de", "en"]
LOCALES: tuple[Locale, ...] = ("de", "en")


class LocalText(BaseModel):
    """A text in German and/or English.  Built from a plain string or a ``{de, en}`` mapping."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    de: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    en: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    # The language the text is written in whichever the page's language is (an English letter
    # quoted in a German quiz: `{en: "Dear Sir or Madam", lang: en}`); rendered as lang="..".
    lang: Locale | None = None

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

    @model_validator(mode="after")
    def _language_marks(self) -> LocalText:
        for text in (self.de, self.en):
            for code in _LANG_MARK_CODE.findall(text or ""):
                if code not in LOCALES:
                    raise PydanticCustomError(
                        "local_text", "a language mark takes lang=de or lang=en, not '{code}'", {"code": code})
        return self

    @model_serializer
    def _dump(self) -> str | dict[str, str]:
        # A text that reads the same in both languages is written back as the plain string an
        # author would have typed.
        if self.de == self.en and self.de is not None and self.lang is None:
            return self.de
        dumped: dict[str, str] = {lang: v for lang, v in (("de", self.de), ("en", self.en)) if v is not None}
        if self.lang is not None:
            dumped["lang"] = self.lang
        return dumped

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


def language_of(text: TextLike, locale: str | None) -> Locale:
    """The language `resolve(text, locale)` is written in: the text's `lang` mark, else the language
    it was found in (a fallback to the other language is that language)."""
    lang = normalize_locale(locale)
    if isinstance(text, LocalText):
        if text.lang is not None:
            return text.lang
        own = getattr(text, lang)
    elif isinstance(text, Mapping):
        own = text.get(lang)
    else:
        return lang
    fell_back = not own and resolve(text, locale)
    return ("en" if lang == "de" else "de") if fell_back else lang


def language_attr(lang: str | None, locale: str | None) -> str | None:
    """The value for a lang="" attribute: only when it differs from the page's language."""
    return lang if lang in LOCALES and lang != normalize_locale(locale) else None


# Language of parts inside a text: [Dear Sir or Madam]{lang=en} becomes <span lang="en">.
_LANG_MARK = re.compile(r"\[([^\[\]\n]+)\]\{lang=(de|en)\}")
_LANG_MARK_CODE = re.compile(r"\]\{lang=([^}\s]*)\}")
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.DOTALL)
# An image of the course's bank: ![description](image:12).  Nothing else of Markdown's image
# syntax is recognised (no external or javascript: URLs): those stay literal text.
MAX_IMAGE_ALT_CHARS = 200
IMAGE_REFERENCE = re.compile(r"!\[([^\[\]\n]{0,%d})\]\(image:([0-9]{1,9})\)" % MAX_IMAGE_ALT_CHARS)

ImageUrl = Callable[[int], str | None]
# How an image id becomes a URL on the current page.  The web layer sets it per request (the URL
# depends on the launch); None, and a resolver that answers None (not an image of this course),
# render the description in brackets instead, as exports and pages outside a launch do.
image_url: ContextVar[ImageUrl | None] = ContextVar("kontor_image_url", default=None)


def _image_html(alt: str, image_id: int) -> str:
    resolver = image_url.get()
    url = resolver(image_id) if resolver is not None else None
    if url is None:
        return str(escape(f"[{alt}]")) if alt else ""
    return str(Markup('<img src="{}" alt="{}" loading="lazy">').format(url, alt))


def image_reference(image_id: int, description: str) -> str:
    """The reference to a course image as IMAGE_REFERENCE recognises it: the description on one
    line, without brackets, at most MAX_IMAGE_ALT_CHARS (a file name may be longer or hold "[")."""
    alt = " ".join(description.replace("[", "").replace("]", "").split())[:MAX_IMAGE_ALT_CHARS]
    return f"![{alt}](image:{image_id})"


def images_to_text(source: str) -> str:
    """The source with every image reference replaced by its description in brackets (for formats
    that hold plain text)."""
    return IMAGE_REFERENCE.sub(lambda m: f"[{m.group(1)}]" if m.group(1) else "", source)
_ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])", re.DOTALL)


# Rendered texts kept per process: a question page renders the same stems, options and documents
# for every student. Only texts without images (an image's URL belongs to the page's launch and
# course, so it is made for each page) and of a bounded length, in a bounded number.
_CACHED_TEXT_CHARS = 2_000


def render_markdown(source: str, strip: bool = True) -> Markup:
    """render_markdown_uncached, remembered for short texts without images (the result depends
    on nothing else)."""
    if len(source) <= _CACHED_TEXT_CHARS and "(image:" not in source:
        return _render_markdown_cached(source, strip)
    return render_markdown_uncached(source, strip)


def render_markdown_uncached(source: str, strip: bool = True) -> Markup:
    """Render the Markdown subset (**bold**, *italic*, `code`, line breaks, course images
    ``![description](image:ID)`` through the `image_url` resolver) as safe HTML.

    Everything is HTML-escaped first, so an author can never inject markup; the only tags in the
    result are the ones produced here.  `strip=False` keeps outer spaces, for text around a gap.
    """
    # NUL never belongs in a text; removing it frees it to mark where images go.
    source = source.replace("\r\n", "\n").replace("\x00", "")
    if strip:
        source = source.strip()
    images: list[str] = []

    def stash(match: re.Match[str]) -> str:
        # An image becomes a placeholder that escaping and emphasis leave alone, so that
        # **bold ![x](image:1) text** still pairs its stars; the tag is put in at the end.
        images.append(_image_html(match.group(1), int(match.group(2))))
        return f"\x00{len(images) - 1}\x00"

    pieces: list[str] = []
    position = 0
    # Code spans are cut out first so that asterisks (and image references) inside them stay literal.
    for match in _CODE.finditer(source):
        pieces.append(_inline(IMAGE_REFERENCE.sub(stash, source[position : match.start()])))
        pieces.append(f"<code>{escape(match.group(1))}</code>")
        position = match.end()
    pieces.append(_inline(IMAGE_REFERENCE.sub(stash, source[position:])))
    html = _LANG_MARK.sub(r'<span lang="\2">\1</span>', "".join(pieces))
    html = html.replace("\n", "<br>\n")
    if images:
        html = _PLACEHOLDER.sub(lambda m: images[int(m.group(1))], html)
    return Markup(html)


_PLACEHOLDER = re.compile("\x00([0-9]+)\x00")


@lru_cache(maxsize=4096)
def _render_markdown_cached(source: str, strip: bool) -> Markup:
    return render_markdown_uncached(source, strip)


_STAR_RUN = re.compile(r"(\*+)")


class _Run:
    """A run of asterisks: the tags it closes (innermost first), the stars left literal, the tags it opens."""

    def __init__(self, count: int) -> None:
        self.remaining = count
        self.closes: list[str] = []
        self.opens: list[str] = []

    def __str__(self) -> str:
        return "".join(self.closes) + "*" * self.remaining + "".join(self.opens)


def _inline(fragment: str) -> str:
    """**bold** and *italic*, always properly nested (``***x***`` is ``<em><strong>x</strong></em>``).

    Runs of asterisks are matched like a stack of parentheses: a run that can close pairs with the
    nearest open run (``**`` with ``**`` first, else ``*``); stars that find no partner stay literal.
    A run can open when text follows it and close when text precedes it; a single star between two
    letters or digits (``2*3*4``) stays literal, as do runs of more than three.
    """
    parts = _STAR_RUN.split(str(escape(fragment)))
    nodes: list[str | _Run] = []
    stack: list[_Run] = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            nodes.append(part)
            continue
        before = parts[index - 1][-1:] if parts[index - 1] else ""
        after = parts[index + 1][:1] if index + 1 < len(parts) and parts[index + 1] else ""
        run = _Run(len(part))
        nodes.append(run)
        if len(part) > 3 or (len(part) == 1 and before.isalnum() and after.isalnum()):
            continue
        if before and not before.isspace():  # can close
            while run.remaining and stack:
                opener = stack[-1]
                use = 2 if run.remaining >= 2 and opener.remaining >= 2 else 1
                tag = "strong" if use == 2 else "em"
                opener.opens.insert(0, f"<{tag}>")
                run.closes.append(f"</{tag}>")
                opener.remaining -= use
                run.remaining -= use
                if not opener.remaining:
                    stack.pop()
        if run.remaining and after and not after.isspace():  # can open
            stack.append(run)
    return "".join(str(node) for node in nodes)


def render(text: TextLike, locale: str | None) -> Markup:
    """Resolve `text` for `locale` and render it as safe HTML; a text in the other language than
    the page's is wrapped in <span lang="..">."""
    html = render_markdown(resolve(text, locale))
    lang = language_attr(language_of(text, locale), locale)
    return Markup('<span lang="{}">{}</span>').format(lang, html) if lang and html else html


def plain(text: TextLike, locale: str | None) -> str:
    """The text without Markdown markers, for places that cannot hold markup (``<option>``)."""
    source = resolve(text, locale).strip()
    source = _LANG_MARK.sub(r"\1", source)
    source = IMAGE_REFERENCE.sub(r"\1", source)
    source = _CODE.sub(r"\1", source)
    source = _BOLD.sub(r"\1", source)
    source = _ITALIC.sub(r"\1", source)
    return " ".join(source.split())
