"""HTML from an exchange file → Kontor's Markdown subset (engine.text), for every format that reads HTML.

One converter for GIFT's [html] texts, Moodle XML and QTI (QTI 2.1's XHTML item bodies walk their
element tree into the same `MarkupBuilder`). It never keeps markup: nh3 first removes what must not
be read at all (scripts, styles, embedded objects and their contents, comments, every attribute but
the few read here), then the rest is read as events. Bold, italic and code become their marks, line
breaks and blocks line breaks, list items "- ", table cells are separated by " | ", an element's
``lang`` becomes a phrase mark (engine.text, "Language of parts"); every other tag keeps only its
text and is reported in `Converted.lost`, so that the reader can say that formatting was reduced.

What the formats need differently is an option of `html_to_markup`: a blank line between paragraphs
(GIFT), Moodle's multilang spans, and images as ``[image: name]`` placeholders (Moodle, whose files
travel in the same XML).

Pure code: no Flask, no database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

import nh3

from .language_marks import mark_code, wrap_phrase

_MARKS = {"b": "**", "strong": "**", "i": "*", "em": "*", "code": "`", "tt": "`", "kbd": "`", "samp": "`"}
_BLOCKS = {
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "blockquote",
    "pre", "dl", "dt", "dd", "section", "article", "header", "footer", "thead", "tbody", "tfoot",
    "caption", "hr", "address", "figure", "figcaption",
}
# Tags whose conversion loses nothing a reader needs (containers, the marks, breaks).
_LOSSLESS = {*_MARKS, "br", "p", "div", "span", "body", "html", "font", "blockquote"}
# Elements whose content is not text of the question: dropped with their content (and reported).
_DROPPED = {"script", "style", "head", "title", "object", "iframe", "svg", "math", "template", "noscript"}
_KEPT_TAGS = set(nh3.ALLOWED_TAGS) - _DROPPED
_KEPT_ATTRIBUTES = {"*": {"lang", "xml:lang"}, "span": {"class", "lang"}, "img": {"src", "alt"}}
_MULTILANG = re.compile(r"<span\b[^>]*\bclass\s*=\s*[\"'][^\"']*\bmultilang\b[^>]*>", re.IGNORECASE)
_LANG_ATTR = re.compile(r"\blang\s*=\s*[\"']([A-Za-z_-]+)[\"']", re.IGNORECASE)
_PLUGINFILE = "@@PLUGINFILE@@/"
BLOCK = "\x00"  # a soft block boundary, folded into one line break at the end (also in raw text)
_PARAGRAPH = "\x01"  # the same at a paragraph's edge: a blank line where the format wants one


@dataclass
class Converted:
    text: str
    lost: set[str] = field(default_factory=set)  # tags (and lang="..") reduced to text or dropped
    images: list[str] = field(default_factory=list)  # @@PLUGINFILE@@ names the text shows (images=True)
    external_images: int = 0  # images from elsewhere, left as "[image: alt]" (images=True)


class MarkupBuilder:
    """Collects text, marks and breaks; notes what it had to flatten (tables, links, ...) in `lost`."""

    def __init__(self, *, paragraph_break: str = "\n") -> None:
        self.parts: list[str] = []
        self.open_marks: list[int] = []  # indexes of opening marks still open
        self.lost: set[str] = set()
        # Elements with a language, innermost last: [tag, same tags opened inside, start, code].
        self.languages: list[list[Any]] = []
        self._opened_at = 0
        self._paragraph_break = paragraph_break
        self._cells = 0

    def language(self, tag: str, raw: str | None) -> None:
        """Called after open(tag): the element's lang/xml:lang, to become a phrase mark at close."""
        if raw is None or tag in ("br", "hr", "img"):
            return
        code = mark_code(raw)
        if code is None:
            self.lost.add(f'lang="{raw.strip()[:20]}"')
            return
        self.languages.append([tag, 0, self._opened_at, code])

    def _close_language(self, tag: str) -> None:
        if not self.languages or self.languages[-1][0] != tag:
            return
        entry = self.languages[-1]
        if entry[1]:
            entry[1] -= 1
            return
        self.languages.pop()
        start, code = entry[2], entry[3]
        content = "".join(self.parts[start:])
        marked = None if _PARAGRAPH in content else wrap_phrase(content, code)  # a phrase is inline
        if marked is None:
            if content.strip():
                self.lost.add(f'lang="{code}"')
            return
        self.parts[start:] = [marked]

    def text(self, data: str) -> None:
        data = re.sub(r"\s+", " ", data)
        if not data:
            return
        if data.startswith(" ") and self.open_marks and self.open_marks[-1] == len(self.parts) - 1:
            # "<b> x</b>" → " **x**": a mark must touch its text to render.
            self.parts.insert(len(self.parts) - 1, " ")
            self.open_marks[-1] += 1
            data = data[1:]
            if not data:
                return
        self.parts.append(data)

    def raw(self, data: str) -> None:
        self.parts.append(data)

    def block(self) -> None:
        self.parts.append(BLOCK)

    def open(self, tag: str) -> None:
        self._opened_at = len(self.parts)  # where a lang on this element starts its mark
        if self.languages and self.languages[-1][0] == tag:
            self.languages[-1][1] += 1
        if tag in _MARKS:
            self.parts.append(_MARKS[tag])
            self.open_marks.append(len(self.parts) - 1)
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "tr":
            self.block()
            self._cells = 0
        elif tag in ("td", "th"):
            if self._cells:
                self.parts.append(" | ")
            self._cells += 1
        elif tag == "p":
            self.parts.append(_PARAGRAPH)
        elif tag in _BLOCKS:
            self.block()
            if tag == "li":
                self.parts.append("- ")
        if tag not in _LOSSLESS:
            self.lost.add(tag)

    def close(self, tag: str) -> None:
        if tag in _MARKS:
            mark = _MARKS[tag]
            start = self.open_marks.pop() if self.open_marks else None
            if start is not None and start == len(self.parts) - 1:
                self.parts.pop()  # an empty mark: drop it
                return
            trailing = ""
            if self.parts and self.parts[-1].endswith(" "):
                self.parts[-1] = self.parts[-1].rstrip(" ")
                trailing = " "
            self.parts.append(mark + trailing)
        elif tag == "p":
            self.parts.append(_PARAGRAPH)
        elif tag in _BLOCKS:
            self.block()
        self._close_language(tag)

    def result(self) -> str:
        def boundary(match: re.Match[str]) -> str:
            # One paragraph's end and the next one's start (with any blocks between): a paragraph break.
            return self._paragraph_break if match.group(0).count(_PARAGRAPH) >= 2 else "\n"

        joined = "".join(self.parts)
        # Spaces around block boundaries go; a run of boundaries is one line break (or a paragraph's).
        joined = re.sub(r"[ \t]*[\x00\x01][\x00\x01 \t]*", lambda m: re.sub(r"[ \t]", "", m.group(0)), joined)
        joined = re.sub(r"\n?[\x00\x01]+\n?", boundary, joined)
        joined = re.sub(r"[ \t]*\n[ \t]*", "\n", joined)
        joined = re.sub(r"\n{3,}", "\n\n", joined)
        return joined.strip()


class _HtmlReader(HTMLParser):
    """Feeds a (cleaned) HTML fragment to a MarkupBuilder; Moodle's multilang spans and images here."""

    def __init__(self, builder: MarkupBuilder, *, keep_language: str | None, images: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = builder
        self.images: list[str] = []
        self.external_images = 0
        self._keep_language = keep_language  # of Moodle's multilang spans; None: they are plain spans
        self._with_images = images
        self._spans: list[str] = []  # per open <span>: "hides" another language, "multilang" or "span"
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        name = tag.rsplit(":", 1)[-1].lower()
        attributes = {key: value or "" for key, value in attrs}
        if name == "span":
            kind = "span"
            if self._keep_language is not None and "multilang" in attributes.get("class", "").split():
                # A multilang span says which language an alternative is in, not that a phrase is in
                # another language: the wanted one's text is kept as it is, the others are dropped.
                kind = "multilang" if attributes.get("lang", "")[:2].lower() == self._keep_language else "hides"
            self._spans.append(kind)
            self._hidden += kind == "hides"
            if kind != "span":
                return
        if self._hidden:
            return
        if name == "img" and self._with_images:
            self._image(attributes)
            return
        self.builder.open(name)
        self.builder.language(name, attributes.get("lang", attributes.get("xml:lang")))

    def _image(self, attributes: dict[str, str]) -> None:
        source = attributes.get("src", "")
        if source.startswith(_PLUGINFILE):
            name = file_name(unquote(source[len(_PLUGINFILE):]))
            self.images.append(name)
            self.builder.raw(f"[image: {name}]")
        else:
            self.external_images += 1
            alt = " ".join(attributes.get("alt", "").split())
            self.builder.raw(f"[image: {alt}]" if alt else "[image]")

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        name = tag.rsplit(":", 1)[-1].lower()
        if name == "span" and self._spans:
            kind = self._spans.pop()
            self._hidden -= kind == "hides"
            if kind != "span":
                return
        if self._hidden or (name == "img" and self._with_images):
            return
        self.builder.close(name)

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.builder.text(data)


class _TagNames(HTMLParser):
    """The elements of a fragment as an HTML parser sees them (not in comments, scripts or text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.names.add(tag.rsplit(":", 1)[-1].lower())


def _tag_names(source: str) -> set[str]:
    parser = _TagNames()
    parser.feed(source)
    parser.close()
    return parser.names


def file_name(name: str) -> str:
    """A file name from a path in a file, safe to store and show (no folders, no odd characters)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = re.sub(r"[^\w.\- ]", "_", base).strip(" .")
    return cleaned[:120] or "file"


def multilang_choice(source: str, language: str) -> str | None:
    """Which language of Moodle's multilang spans to keep: the wanted one, else the first; None
    when the text has none."""
    found = [m.group(1)[:2].lower() for tag in _MULTILANG.finditer(source)
             for m in [_LANG_ATTR.search(tag.group(0))] if m]
    if not found:
        return None
    return language if language in found else found[0]


def html_to_markup(source: str, *, paragraph_break: str = "\n", multilang: str | None = None,
                   images: bool = False) -> Converted:
    """HTML from a file as Kontor markup, with what was flattened or dropped.

    paragraph_break: what stands between two paragraphs ("\\n\\n" for a blank line).
    multilang: the reader's language: Moodle's ``<span class="multilang" lang="..">`` alternatives
        are reduced to that language's (or the first language's, when it has none).
    images: an image becomes "[image: name]" (a file of the export, listed in `images`) or
        "[image: alt]" (from elsewhere, counted), instead of being reported as lost.
    """
    # Every tag of the source, also those nh3 removes or an HTML parser moves (a cell outside a table).
    lost = _tag_names(source) - _LOSSLESS - ({"img"} if images else set())
    cleaned = nh3.clean(source, tags=_KEPT_TAGS, clean_content_tags=_DROPPED, attributes=_KEPT_ATTRIBUTES,
                        strip_comments=True, link_rel=None)
    builder = MarkupBuilder(paragraph_break=paragraph_break)
    reader = _HtmlReader(builder, keep_language=multilang_choice(source, multilang) if multilang else None,
                         images=images)
    reader.feed(cleaned)
    reader.close()
    return Converted(builder.result(), lost | builder.lost, reader.images, reader.external_images)
