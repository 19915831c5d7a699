"""Moodle XML: read a Moodle question bank export, and write one Moodle 4.5 imports.

Written from Moodle's format documentation ("Moodle XML format") and from what its importer
(`question/format/xml/format.php`) and the cloze parser of `qtype_multianswer` accept. The mapping,
and what is approximated or skipped, is documented in docs/question-formats.md ("Moodle XML").

Reading: every `<question>` becomes one Kontor question or one `skipped` finding; a category
pseudo-question sets the tags of the questions after it. Texts are converted from HTML to Kontor's
Markdown subset (engine.text), never kept as HTML. Embedded images (`<file encoding="base64">`)
land in `ParsedBank.files` when they are PNG, JPEG or GIF within `limits.MAX_IMAGE_BYTES`.

Writing: a `$course$/top/Kontor/<title>` category first, then every question with the elements
Moodle's importer reads for its type. Kontor types Moodle lacks are written in the nearest
faithful form (document_check as a multiple-answer multichoice, data_entry as a cloze, ordering
as matching to positions) with a note.
"""
from __future__ import annotations

import base64
import binascii
import html
import re
import unicodedata
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree
from pydantic import TypeAdapter, ValidationError

from .. import limits
from ..normalize import normalize_expected
from ..schema import GAP_PLACEHOLDER, Question
from ..text import LocalText, plain, render_markdown, resolve
from . import N_, ExportedFile, Finding, FormatError, ParsedBank, Reason, invalid_question, register, without_images
from .html_markup import file_name, html_to_markup
from .language_marks import as_phrase_marks
from .safe_xml import local_name, parse_xml

_QUESTION = TypeAdapter(Question)


class _Skip(Reason):
    """This question cannot become a Kontor question; the template says why."""


# --- small helpers -----------------------------------------------------------------------------

_SLUG_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})


def slugify(name: str, max_length: int = 56) -> str:
    folded = unicodedata.normalize("NFKD", name.translate(_SLUG_FOLD))
    ascii_text = folded.encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:max_length].strip("-")


def _option_id(index: int) -> str:
    return chr(ord("a") + index) if index < 26 else f"o{index + 1}"


def _number(text: str) -> Decimal:
    """A number as Moodle writes it (decimal point; a comma accepted), within Kontor's bounds."""
    cleaned = text.strip().replace(" ", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    if limits.digit_count(cleaned) > limits.MAX_NUMBER_DIGITS or len(cleaned) > 40:
        raise _Skip(N_("the number %(number)r has more than %(n)s digits"), number=text.strip()[:40],
                    n=limits.MAX_NUMBER_DIGITS)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise _Skip(N_("%(text)r is not a number"), text=text.strip()[:40]) from None
    if not value.is_finite():
        raise _Skip(N_("%(text)r is not a finite number"), text=text.strip()[:40])
    return value


def _fraction(value: str | None) -> float:
    try:
        fraction = float((value or "0").strip())
    except ValueError:
        return 0.0
    return fraction if fraction == fraction and abs(fraction) != float("inf") else 0.0


def _decimal_text(value: Decimal) -> str:
    """A Kontor decimal as written (no exponent; "1190.00" stays "1190.00")."""
    return format(value, "f")


def _plain_number(value: Decimal | float) -> str:
    """A number without exponent or trailing zeros ("33.33333", "1190", "-0.5")."""
    text = format(Decimal(str(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _child_text(element: etree._Element | None, *path: str) -> str | None:
    for step in path:
        if element is None:
            return None
        element = element.find(step)
    if element is None:
        return None
    return (element.text or "").strip()


# --- Moodle's cloze syntax ({1:SHORTANSWER:=answer#feedback~...}) ------------------------------

_CLOZE_TYPES = {
    "NUMERICAL": "numerical", "NM": "numerical",
    "SHORTANSWER": "shortanswer", "SA": "shortanswer", "MW": "shortanswer",
    "SHORTANSWER_C": "shortanswer_c", "SAC": "shortanswer_c", "MWC": "shortanswer_c",
}
for _name in ("MULTICHOICE", "MULTICHOICE_V", "MULTICHOICE_H", "MULTICHOICE_S", "MULTICHOICE_VS",
              "MULTICHOICE_HS", "MC", "MCV", "MCH", "MCS", "MCVS", "MCHS"):
    _CLOZE_TYPES[_name] = "multichoice"
for _name in ("MULTIRESPONSE", "MULTIRESPONSE_H", "MULTIRESPONSE_S", "MULTIRESPONSE_HS", "MR", "MRH",
              "MRS", "MRHS"):
    _CLOZE_TYPES[_name] = "multiresponse"
_CLOZE_START = re.compile(r"\{([0-9]*):([A-Z_]+):")
_FRACTION_PREFIX = re.compile(r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%")
_CLOZE_NUMBER = re.compile(r"^\s*(-?(?:[0-9]+[.,]?[0-9]*|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?)"
                           r"(?::(-?(?:[0-9]+[.,]?[0-9]*|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?))?\s*$")


class _ClozeGap:
    def __init__(self, start: int, end: int, weight: int, kind: str, moodle_type: str) -> None:
        self.start, self.end, self.weight, self.kind, self.moodle_type = start, end, weight, kind, moodle_type
        self.alternatives: list[tuple[float, str, str]] = []  # (fraction %, answer, feedback), raw


def _cloze_unescape(raw: str) -> str:
    for escaped in ("\\}", "\\#", "\\~", "\\/", '\\"'):
        raw = raw.replace(escaped, escaped[1])
    return html.unescape(raw).replace("\\\\", "\\")


def find_cloze_gaps(source: str) -> list[_ClozeGap]:
    """Every embedded answer in a Moodle cloze text, read as Moodle's multianswer parser reads it.

    An answer ends at an unescaped `~`, `#` or `}` (a `#` right after `&` belongs to an entity);
    feedback ends at an unescaped `~` or `}`. Unknown type names are not gaps (Moodle leaves them as
    text). Raises _Skip when a gap is cut off.
    """
    gaps: list[_ClozeGap] = []
    position = 0
    while True:
        match = _CLOZE_START.search(source, position)
        if match is None:
            return gaps
        kind = _CLOZE_TYPES.get(match.group(2))
        if kind is None:
            position = match.end()
            continue
        gap = _ClozeGap(match.start(), -1, int(match.group(1) or 1), kind, match.group(2))
        index = match.end()
        while True:
            prefix = _FRACTION_PREFIX.match(source, index)
            fraction = 0.0
            if prefix:
                fraction = 100.0 if prefix.group(0) == "=" else _fraction(prefix.group(1).replace(",", "."))
                index = prefix.end()
            answer_start = index
            while index < len(source):
                char = source[index]
                if char in "~#}" and source[index - 1] != "\\" and not (char == "#" and source[index - 1] == "&"):
                    if index > answer_start:
                        break
                index += 1
            if index >= len(source):
                raise _Skip(N_("the embedded answer at %(text)r is not closed"),
                            text=source[match.start():match.start() + 30])
            answer = source[answer_start:index]
            feedback = ""
            if source[index] == "#":
                feedback_start = index + 1
                index = feedback_start
                while index < len(source) and not (source[index] in "~}" and source[index - 1] != "\\"):
                    index += 1
                if index >= len(source):
                    raise _Skip(N_("an embedded answer's feedback is not closed"))
                feedback = source[feedback_start:index]
            gap.alternatives.append((fraction, answer, feedback))
            if source[index] == "}":
                gap.end = index + 1
                break
            index += 1  # past "~"
        gaps.append(gap)
        position = gap.end


_CLOZE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "#": "&#35;",
                                "}": "&#125;", "{": "&#123;", "~": "&#126;", "\\": "&#92;"})


def cloze_escape(value: str) -> str:
    """Text that Moodle's cloze parser reads back as `value` (it decodes entities once)."""
    return value.translate(_CLOZE_ESCAPES)


def _shortanswer_escape(answer: str) -> str:
    # A literal asterisk in a Moodle short answer is "\*" (a bare one is a wildcard).
    return answer.replace("*", "\\*")


# --- reading -----------------------------------------------------------------------------------

_PNG, _GIF87, _GIF89, _JPEG = b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"\xff\xd8\xff"


def _image_kind(data: bytes) -> str | None:
    if data.startswith(_PNG):
        return "PNG"
    if data.startswith((_GIF87, _GIF89)):
        return "GIF"
    if data.startswith(_JPEG):
        return "JPEG"
    return None


class _Reader:
    def __init__(self, language: str) -> None:
        self.language = "de" if language == "de" else "en"
        self.bank = ParsedBank()
        self.used_ids: set[str] = set()
        self.category: list[str] = []
        # Per question, reset for each: notes and files kept only if the question is imported.
        self.notes: list[Finding] = []
        self.files: dict[str, bytes] = {}
        self.name = ""
        self.line: int | None = None

    # one question at a time -------------------------------------------------------------------

    def read(self, root: etree._Element) -> ParsedBank:
        if local_name(root) != "quiz":
            raise FormatError([Finding(N_("this is not a Moodle XML file: the root element is <%(element)s>, not <quiz>"),
                                       line=root.sourceline, params={"element": local_name(root)})])
        elements = [e for e in root if isinstance(e.tag, str) and local_name(e) == "question"]
        real = [e for e in elements if (e.get("type") or "") != "category"]
        if len(real) > limits.MAX_IMPORT_QUESTIONS:
            raise FormatError(N_("the file holds %(count)s questions; at most %(max)s can be imported at once"),
                              count=len(real), max=limits.MAX_IMPORT_QUESTIONS)
        number = 0
        for element in elements:
            kind = (element.get("type") or "").strip()
            if kind == "category":
                self._category(element)
                continue
            number += 1
            self._question(element, kind, number)
        return self.bank

    def _category(self, element: etree._Element) -> None:
        category = element.find("category")
        path = _child_text(category, "text") if category is not None and category.find("text") is not None \
            else (category.text or "").strip() if category is not None else ""
        # Moodle writes a "/" inside a category name as "//".
        parts = [part.replace("\x00", "/").strip() for part in (path or "").replace("//", "\x00").split("/")]
        parts = [p for p in parts if p and not (p.startswith("$") and p.endswith("$"))]
        if parts and parts[0] == "top":
            parts = parts[1:]
        self.category = [p[:100] for p in parts[:20]]
        if self.category and self.bank.title is None:
            self.bank.title = self.category[-1]

    def _question(self, element: etree._Element, kind: str, number: int) -> None:
        self.notes, self.files = [], {}
        self.line = element.sourceline
        self.name = " ".join((_child_text(element, "name", "text") or "").split())[:200]
        builder: Callable[[etree._Element], dict[str, Any]] | None = getattr(self, f"_read_{kind}", None)
        if kind == "description":
            self._skip(N_("a description is not a question (Kontor has no text-only items); not imported"))
            return
        if builder is None:
            self._skip(N_("Moodle question type %(kind)r has no counterpart in Kontor; not imported"), kind=kind)
            return
        try:
            data = builder(element)
            data["id"] = self._new_id(number, reserve=False)
            question = _QUESTION.validate_python(data)
        except _Skip as reason:
            self.bank.skipped.append(reason.finding(line=self.line, question=self.name or None))
            return
        except ValidationError as error:
            self.bank.skipped.append(Finding("", line=self.line, question=self.name or None,
                                             problems=invalid_question(error, limit=5)))
            return
        self._new_id(number, reserve=True)
        self.bank.questions.append(question)
        self.bank.notes.extend(self.notes)
        tags = list(self.category)
        for tag in element.findall("tags/tag"):
            value = " ".join((_child_text(tag, "text") or "").split())[:100]
            if value and value not in tags:
                tags.append(value)
        if tags:
            self.bank.tags[question.id] = tags
        for name, content in self.files.items():
            key = name
            if key in self.bank.files and self.bank.files[key] != content:
                key = f"{question.id}-{name}"
            self.bank.files[key] = content

    def _new_id(self, number: int, *, reserve: bool) -> str:
        base = slugify(self.name) or f"q-{number}"
        candidate, suffix = base, 2
        while candidate in self.used_ids:
            candidate, suffix = f"{base}-{suffix}", suffix + 1
        if reserve:
            self.used_ids.add(candidate)
        return candidate

    def _skip(self, template: str, **params: Any) -> None:
        self.bank.skipped.append(Finding(template, line=self.line, question=self.name or None, params=params))

    def note(self, template: str, line: int | None = None, **params: Any) -> None:
        finding = Finding(template, line=line or self.line, question=self.name or None, params=params)
        if finding not in self.notes:
            self.notes.append(finding)

    # texts ------------------------------------------------------------------------------------

    def rich(self, parent: etree._Element | None, tag: str | None = None, default_format: str = "html") -> str:
        """The text of `parent/tag` (format attribute, <text>, embedded <file>s) as Kontor markup."""
        element = parent.find(tag) if (parent is not None and tag) else parent
        if element is None:
            return ""
        self._files(element)
        raw = _child_text(element, "text") or ""
        return self.convert(raw, element.get("format") or default_format, element.sourceline)

    def convert(self, raw: str, text_format: str, line: int | None = None) -> str:
        text_format = text_format.strip()
        if text_format in ("plain_text", "wiki_like", "markdown"):
            return raw.strip()
        if text_format == "moodle_auto_format":
            raw = raw.replace("\r\n", "\n").replace("\n", "<br>")
        converted = html_to_markup(raw, multilang=self.language, images=True)
        if converted.lost:
            self.note(N_("formatting beyond bold, italic, code and line breaks was reduced to plain text"), line)
        for name in converted.images:
            if name in self.files:
                self.note(N_("the text shows the image %(name)r: the course's question bank stores the file and "
                             "shows it in the text (elsewhere the text reads [image: %(file)s])"), line, name=name, file=name)
            else:
                self.note(N_("the text shows the image %(name)r, but the file itself was not in the export; "
                             "the text reads [image: %(file)s]"), line, name=name, file=name)
        if converted.external_images:
            self.note(N_("an image linked from another site was left out of the text"), line)
        return converted.text

    def local(self, text: str) -> dict[str, str]:
        return {self.language: text}

    def optional(self, text: str) -> dict[str, str] | None:
        return {self.language: text} if text.strip() else None

    def _files(self, element: etree._Element) -> None:
        for file in element.findall("file"):
            name = file_name(file.get("name") or "file")
            if (file.get("encoding") or "base64").strip().lower() != "base64":
                self.note(N_("the embedded file %(name)r is not base64-encoded; left out"), file.sourceline, name=name)
                continue
            payload = re.sub(r"\s+", "", file.text or "")
            if len(payload) * 3 // 4 > limits.MAX_IMAGE_BYTES + 3:
                self.note(N_("the embedded file %(name)r is larger than %(mb)s MB; left out"), file.sourceline,
                          name=name, mb=limits.MAX_IMAGE_BYTES // (1024 * 1024))
                continue
            try:
                content = base64.b64decode(payload, validate=True)
            except (binascii.Error, ValueError):
                self.note(N_("the embedded file %(name)r is not valid base64; left out"), file.sourceline, name=name)
                continue
            if len(content) > limits.MAX_IMAGE_BYTES:
                self.note(N_("the embedded file %(name)r is larger than %(mb)s MB; left out"), file.sourceline,
                          name=name, mb=limits.MAX_IMAGE_BYTES // (1024 * 1024))
                continue
            if name.lower().endswith(".svg") or content.lstrip()[:5] in (b"<svg ", b"<?xml") or b"<svg" in content[:512]:
                self.note(N_("the embedded file %(name)r is an SVG image, which can carry scripts; left out"),
                          file.sourceline, name=name)
                continue
            if _image_kind(content) is None:
                self.note(N_("the embedded file %(name)r is not a PNG, JPEG or GIF image; left out"), file.sourceline,
                          name=name)
                continue
            self.files[name] = content

    def header(self, element: etree._Element, kind: str) -> dict[str, Any]:
        text = self.rich(element, "questiontext")
        explanation = self.rich(element, "generalfeedback", element.find("questiontext").get("format", "html")
                                if element.find("questiontext") is not None else "html")
        data: dict[str, Any] = {"type": kind, "text": self.local(text)}
        if explanation:
            data["explanation"] = self.local(explanation)
        grade = _child_text(element, "defaultgrade")
        if grade:
            try:
                data["points"] = float(grade)
            except ValueError:
                raise _Skip(N_("defaultgrade %(value)r is not a number"), value=grade[:20]) from None
        if _child_text(element, "hidden") == "1":
            self.note(N_("the question is hidden in Moodle; imported all the same"))
        return data

    def answer_feedback(self, answer: etree._Element) -> dict[str, str] | None:
        return self.optional(self.rich(answer, "feedback"))

    # question types ---------------------------------------------------------------------------

    def _read_multichoice(self, element: etree._Element) -> dict[str, Any]:
        single = (_child_text(element, "single") or "true").lower() not in ("false", "0", "")
        data = self.header(element, "single" if single else "multiple")
        text_format = (element.find("questiontext").get("format") if element.find("questiontext") is not None
                       else None) or "html"
        options, fractions = [], []
        for answer in element.findall("answer"):
            text = self.rich(answer, None, text_format)
            if not text:
                continue  # Moodle ignores a blank answer too
            fractions.append(_fraction(answer.get("fraction")))
            options.append({"id": _option_id(len(options)), "text": self.local(text)})
            feedback = self.answer_feedback(answer)
            if feedback:
                options[-1]["feedback"] = feedback
        if single:
            for option, fraction in zip(options, fractions):
                option["correct"] = fraction >= 99.99
            if any(0 < f < 99.99 for f in fractions):
                self.note(N_("partial credit for an option was dropped: Kontor's single choice is all or nothing"))
        else:
            positive = [f for f in fractions if f > 0]
            for option, fraction in zip(options, fractions):
                option["correct"] = fraction > 0
            if positive:
                share = 100 / len(positive)
                uneven = any(abs(f - share) > 0.01 for f in positive)
                penalties = [f for f in fractions if f <= 0]
                if uneven:
                    self.note(N_("the correct options carried different weights; Kontor weighs them equally"))
                if any(abs(f + share) > 0.01 for f in penalties):
                    self.note(N_("Kontor deducts 1/(number of correct options) for each wrong option chosen, "
                                 "where Moodle deducted what the file says"))
        return data | {"options": options}

    def _read_truefalse(self, element: etree._Element) -> dict[str, Any]:
        data = self.header(element, "true_false")
        answers = element.findall("answer")
        truth: bool | None = None
        for position, answer in enumerate(answers):
            said = (_child_text(answer, "text") or "").lower()
            if said not in ("true", "false"):
                said = "true" if position == 0 else "false"  # old files: true first, as Moodle assumes
            if _fraction(answer.get("fraction")) >= 99.99:
                truth = said == "true"
            if self.rich(answer, "feedback"):
                self.note(N_("feedback per answer (true/false) was left out: Kontor shows the explanation instead"))
        if truth is None:
            raise _Skip(N_("neither true nor false is marked correct (fraction 100)"))
        return data | {"answer": truth}

    def _read_shortanswer(self, element: etree._Element) -> dict[str, Any]:
        data = self.header(element, "short_text")
        accepted: list[str] = []
        for answer in element.findall("answer"):
            text = " ".join((_child_text(answer, "text") or "").split())
            fraction = _fraction(answer.get("fraction"))
            if not text:
                continue
            if fraction < 99.99:
                if fraction > 0:
                    self.note(N_("the answer %(text)r earned partial credit (%(percent)s%%) in Moodle; "
                                 "Kontor accepts only full answers, so it was left out"),
                              text=text, percent=_plain_number(fraction))
                continue
            if re.search(r"(?<!\\)\*", text):
                self.note(N_("the answer %(text)r uses Moodle's wildcard *; Kontor compares exactly, so it was "
                             "left out"), text=text)
                continue
            accepted.append(text.replace("\\*", "*"))
            if self.rich(answer, "feedback"):
                self.note(N_("feedback per answer was left out: Kontor shows the explanation instead"))
        if not accepted:
            raise _Skip(N_("no answer is fully correct (fraction 100) and free of wildcards"))
        case = (_child_text(element, "usecase") or "0").strip() not in ("0", "", "false")
        return data | {"answers": accepted, "case_sensitive": case}

    def _read_numerical(self, element: etree._Element) -> dict[str, Any]:
        data = self.header(element, "numeric")
        chosen: tuple[Decimal, Decimal] | None = None
        for answer in element.findall("answer"):
            text = _child_text(answer, "text")
            if text is None:
                text = (answer.text or "").strip()  # answer outside <text>: old files
            fraction = _fraction(answer.get("fraction") or _child_text(answer, "fraction"))
            if text == "*":
                self.note(N_("Moodle's catch-all answer * was left out"))
                continue
            if fraction < 99.99:
                if fraction > 0:
                    self.note(N_("the answer %(text)r earned partial credit in Moodle; Kontor takes the fully "
                                 "correct answer only"), text=text)
                continue
            if chosen is not None:
                self.note(N_("several fully correct answers: Kontor takes the first"))
                continue
            tolerance = _child_text(answer, "tolerance") or "0"
            chosen = (_number(text), _number(tolerance))
        if chosen is None:
            raise _Skip(N_("no answer is fully correct (fraction 100)"))
        data |= {"answer": chosen[0], "tolerance": chosen[1]}
        base_unit = None
        for unit in element.findall("units/unit"):
            name = " ".join((_child_text(unit, "unit_name") or "").split())
            try:
                multiplier = Decimal((_child_text(unit, "multiplier") or "1").strip())
            except InvalidOperation:
                multiplier = Decimal(0)
            if name and multiplier == 1 and base_unit is None:
                base_unit = name
            elif name:
                self.note(N_("the unit %(name)r (× %(multiplier)s) was left out: Kontor accepts the base unit only"),
                          name=name, multiplier=_child_text(unit, "multiplier"))
        if base_unit:
            data["unit"] = self.local(base_unit[:100])
        if (_child_text(element, "unitgradingtype") or "0") not in ("0", ""):
            self.note(N_("Moodle graded the unit; Kontor shows the unit and grades the number"))
        return data

    def _read_matching(self, element: etree._Element) -> dict[str, Any]:
        data = self.header(element, "matching")
        text_format = (element.find("questiontext").get("format") if element.find("questiontext") is not None
                       else None) or "html"
        pairs, distractors = [], []
        for sub in element.findall("subquestion"):
            left = self.rich(sub, None, sub.get("format") or text_format)
            right = " ".join((_child_text(sub, "answer", "text") or "").split())
            if not right:
                continue
            if left:
                pairs.append((left, right))
            else:
                distractors.append(right)
        positions = [right for _, right in pairs]
        if (not distractors and len(pairs) >= 3
                and sorted(positions, key=lambda p: (len(p), p)) == [str(n) for n in range(1, len(pairs) + 1)]):
            # Kontor writes an ordering as matching to positions 1..n: read it back as an ordering.
            ordered = sorted(pairs, key=lambda pair: int(pair[1]))
            self.note(N_("a matching of items to the positions 1 to n was read as an ordering question"))
            return {k: v for k, v in data.items() if k != "type"} | {
                "type": "ordering",
                "items": [{"id": _option_id(i), "text": self.local(left)} for i, (left, _) in enumerate(ordered)],
            }
        return data | {
            "pairs": [{"left": self.local(left), "right": self.local(right)} for left, right in pairs],
            "distractors": [self.local(d) for d in dict.fromkeys(distractors) if d not in positions],
        }

    def _read_ordering(self, element: etree._Element) -> dict[str, Any]:
        # The "ordering" plugin (qtype_ordering): answers in the correct order.
        data = self.header(element, "ordering")
        items = [self.rich(answer, None) for answer in element.findall("answer")]
        items = [item for item in items if item]
        grading = (_child_text(element, "gradingtype") or "").upper()
        if grading and grading not in ("ABSOLUTE_POSITION", "0"):
            self.note(N_("Moodle graded the order by a rule Kontor lacks; Kontor counts items in the right position"))
        if (_child_text(element, "selecttype") or "ALL").upper() not in ("ALL", "0", ""):
            self.note(N_("Moodle showed only some of the items; Kontor shows them all"))
        return data | {"items": [{"id": _option_id(i), "text": self.local(t)} for i, t in enumerate(items)]}

    def _read_essay(self, element: etree._Element) -> dict[str, Any]:
        data = self.header(element, "essay")
        rubric = self.rich(element, "graderinfo")
        if rubric:
            data["rubric"] = self.local(rubric)
        for tag, key in (("minwordlimit", "min_words"), ("maxwordlimit", "max_words")):
            value = _child_text(element, tag)
            if value and value not in ("0",):
                try:
                    data[key] = int(value)
                except ValueError:
                    raise _Skip(N_("%(element)s %(value)r is not a whole number"), element=tag, value=value[:20]) from None
        response_format = _child_text(element, "responseformat") or "editor"
        if response_format == "noinline":
            self.note(N_("Moodle asked for attachments only; Kontor asks for a typed answer"))
        if (_child_text(element, "attachments") or "0") not in ("0", ""):
            self.note(N_("attachments are not collected by Kontor; the student types the answer"))
        if _child_text(element, "responsetemplate", "text"):
            self.note(N_("the response template was left out"))
        return data

    def _read_multianswer(self, element: etree._Element) -> dict[str, Any]:
        data = self.header(element, "cloze")  # the text is re-read below, gaps first
        question_text = element.find("questiontext")
        raw = _child_text(question_text, "text") or ""
        gaps = find_cloze_gaps(raw)
        if not gaps:
            raise _Skip(N_("the cloze text holds no embedded answer ({1:SHORTANSWER:=...})"))
        kontor_gaps: list[dict[str, Any]] = []
        pieces: list[str] = []
        position = 0
        for number, gap in enumerate(gaps, start=1):
            gap_id = f"g{number}"
            kontor_gaps.append(self._cloze_gap(gap, gap_id))
            pieces += [raw[position:gap.start], "{{" + gap_id + "}}"]
            position = gap.end
        pieces.append(raw[position:])
        text_format = (question_text.get("format") if question_text is not None else None) or "html"
        data["text"] = self.local(self.convert("".join(pieces), text_format, question_text.sourceline
                                               if question_text is not None else None))
        weights = {gap.weight for gap in gaps}
        if len(weights) > 1:
            self.note(N_("the gaps carried different weights in Moodle; Kontor weighs them equally"))
        if "points" not in data:  # Moodle computes a cloze question's mark from its gaps
            data["points"] = float(sum(gap.weight for gap in gaps)) or 1.0
        return data | {"gaps": kontor_gaps}

    def _cloze_gap(self, gap: _ClozeGap, gap_id: str) -> dict[str, Any]:
        if gap.kind == "multiresponse":
            raise _Skip(N_("the gap %(kind)s (several answers in one gap) has no counterpart in Kontor's cloze; "
                           "not imported"), kind=gap.moodle_type)
        full = [alt for alt in gap.alternatives if alt[0] >= 99.99]
        if any(0 < alt[0] < 99.99 for alt in gap.alternatives):
            self.note(N_("partial credit inside a gap was dropped: Kontor's gaps are right or wrong"))
        if gap.kind == "numerical":
            if not full:
                raise _Skip(N_("a NUMERICAL gap has no fully correct answer"))
            match = _CLOZE_NUMBER.match(html.unescape(full[0][1]))
            if match is None:
                raise _Skip(N_("the NUMERICAL gap answer %(text)r is not a number"), text=full[0][1][:40])
            return {"id": gap_id, "type": "numeric", "answer": _number(match.group(1)),
                    "tolerance": _number(match.group(2) or "0")}
        if gap.kind.startswith("shortanswer"):
            answers = []
            for _, raw_answer, feedback in full:
                answer = " ".join(_cloze_unescape(raw_answer).split())
                if re.search(r"(?<!\\)\*", answer):
                    self.note(N_("the gap answer %(text)r uses Moodle's wildcard *; left out"), text=answer)
                    continue
                answers.append(answer.replace("\\*", "*"))
            if any(fb.strip() for _, _, fb in gap.alternatives):
                self.note(N_("feedback inside a short-answer gap was left out"))
            if not answers:
                raise _Skip(N_("a SHORTANSWER gap has no fully correct answer without wildcards"))
            return {"id": gap_id, "type": "short_text", "answers": answers,
                    "case_sensitive": gap.kind == "shortanswer_c"}
        options = []
        for index, (fraction, raw_answer, feedback) in enumerate(gap.alternatives):
            option: dict[str, Any] = {
                "id": _option_id(index),
                "text": self.local(self.convert(_cloze_unescape(raw_answer), "html")),
                "correct": fraction >= 99.99,
            }
            feedback_text = self.convert(_cloze_unescape(feedback), "html") if feedback.strip() else ""
            if feedback_text:
                option["feedback"] = self.local(feedback_text)
            options.append(option)
        return {"id": gap_id, "type": "choice", "options": options}

    def _read_ddwtos(self, element: etree._Element) -> dict[str, Any]:
        return self._read_choices_in_text(element, "dragbox", N_("a drag-and-drop gap is read as a drop-down gap"))

    def _read_gapselect(self, element: etree._Element) -> dict[str, Any]:
        return self._read_choices_in_text(element, "selectoption", None)

    def _read_choices_in_text(self, element: etree._Element, tag: str, remark: str | None) -> dict[str, Any]:
        data = self.header(element, "cloze")
        question_text = element.find("questiontext")
        raw = _child_text(question_text, "text") or ""
        choices = []
        for choice in element.findall(tag):
            text = html_to_markup(_child_text(choice, "text") or "", multilang=self.language, images=True).text
            choices.append((text, (_child_text(choice, "group") or "1").strip()))
        gaps: list[dict[str, Any]] = []

        def gap_for(match: re.Match[str]) -> str:
            number = int(match.group(1))
            if not 1 <= number <= len(choices):
                raise _Skip(N_("the gap [[%(number)s]] names choice %(number)s, but there are %(n)s choices"),
                            number=number, n=len(choices))
            right, group = choices[number - 1]
            texts = list(dict.fromkeys([right] + [text for text, g in choices if g == group and text]))
            gap_id = f"g{len(gaps) + 1}"
            gaps.append({"id": gap_id, "type": "choice", "options": [
                {"id": _option_id(i), "text": self.local(text), "correct": text == right}
                for i, text in enumerate(texts)]})
            return "{{" + gap_id + "}}"

        with_gaps = re.sub(r"\[\[([0-9]{1,3})\]\]", gap_for, raw)
        if not gaps:
            raise _Skip(N_("the text holds no gap [[1]]"))
        if remark:
            self.note(remark)
        text_format = (question_text.get("format") if question_text is not None else None) or "html"
        data["text"] = self.local(self.convert(with_gaps, text_format))
        return data | {"gaps": gaps}


# --- writing -----------------------------------------------------------------------------------

_CATEGORY_PREFIX = "$course$/top/Kontor/"


class _Writer:
    def __init__(self, language: str) -> None:
        self.both = language == "both"
        self.language = "de" if language == "de" else "en"
        self.notes: list[Finding] = []
        self.root = etree.Element("quiz")
        self.question_id = ""

    def note(self, template: str, **params: Any) -> None:
        self.notes.append(Finding(template, question=self.question_id, params=params))

    # texts ------------------------------------------------------------------------------------

    def html(self, text: LocalText | str | None) -> str:
        """Kontor markup as HTML; with language "both", Moodle's multilang spans where the languages differ."""
        if text is None:
            return ""
        if self.both and isinstance(text, LocalText) and text.de and text.en and text.de != text.en:
            return "".join(f'<span lang="{lang}" class="multilang">{render_markdown(getattr(text, lang))}</span>'
                           for lang in ("de", "en"))
        return str(render_markdown(resolve(text, self.language)))

    def plain(self, text: LocalText | str | None) -> str:
        return plain(text, self.language)

    def raw(self, text: LocalText | str | None) -> str:
        return resolve(text, self.language)

    @staticmethod
    def _set_text(element: etree._Element, value: str) -> None:
        try:
            element.text = etree.CDATA(value) if re.search(r"[<>&]", value) else value
        except ValueError:  # "]]>" cannot stand inside CDATA: lxml escapes the text instead
            element.text = value

    def text_element(self, parent: etree._Element, tag: str, value: str, text_format: str | None = "html",
                     **attributes: str) -> etree._Element:
        element = etree.SubElement(parent, tag, **attributes)
        if text_format:
            element.set("format", text_format)
        self._set_text(etree.SubElement(element, "text"), value)
        return element

    @staticmethod
    def simple(parent: etree._Element, tag: str, value: str) -> etree._Element:
        element = etree.SubElement(parent, tag)
        element.text = value
        return element

    def answer(self, parent: etree._Element, fraction: float | Decimal, text: str, feedback: str = "",
               text_format: str = "html") -> etree._Element:
        element = self.text_element(parent, "answer", text, text_format, fraction=_plain_number(round(fraction, 5)))
        self.text_element(element, "feedback", feedback)
        return element

    def header(self, question: Any, moodle_type: str, text_html: str, *, penalty: str = "0.3333333") -> etree._Element:
        element = etree.SubElement(self.root, "question", type=moodle_type)
        name = etree.SubElement(element, "name")
        self._set_text(etree.SubElement(name, "text"), question.id)
        self.text_element(element, "questiontext", text_html)
        self.text_element(element, "generalfeedback", self.html(question.explanation))
        self.simple(element, "defaultgrade", _plain_number(question.points))
        self.simple(element, "penalty", penalty)
        self.simple(element, "hidden", "0")
        return element

    def write(self, questions: Sequence[Question], title: str) -> bytes:
        category = etree.SubElement(self.root, "question", type="category")
        category_path = _CATEGORY_PREFIX + (" ".join(title.split()) or "Quiz").replace("/", "//")
        self.text_element(category, "category", category_path, None)
        self.text_element(category, "info", "")
        unsaid: set[str] = set()
        for question in questions:
            self.question_id = question.id
            getattr(self, f"_write_{question.type}")(question)
            if question.source is not None:
                unsaid.add("sources")
            if question.difficulty is not None:
                unsaid.add("difficulty")
            if question.valid_as_of is not None or question.review_by is not None:
                unsaid.add("review dates")
        self.question_id = ""
        if unsaid:
            self.notes.append(Finding(N_("Moodle XML has no place for Kontor's %(fields)s; they are not in the file"),
                                      params={"fields": ", ".join(sorted(unsaid))}))
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    # question types ---------------------------------------------------------------------------

    def _multichoice(self, question: Any, text_html: str, single: bool,
                     options: Sequence[tuple[str, bool, str]]) -> None:
        element = self.header(question, "multichoice", text_html)
        self.simple(element, "single", "true" if single else "false")
        self.simple(element, "shuffleanswers", "true")
        self.simple(element, "answernumbering", "abc")
        self.simple(element, "showstandardinstruction", "0")
        for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
            self.text_element(element, tag, "")
        if not single:
            etree.SubElement(element, "shownumcorrect")
        n_correct = sum(correct for _, correct, _ in options) or 1
        for text_html, correct, feedback_html in options:
            if single:
                fraction = 100.0 if correct else 0.0
            else:  # Moodle's sum of fractions, clamped at 0, is Kontor's (right - wrong) / correct
                fraction = (100.0 if correct else -100.0) / n_correct
            self.answer(element, fraction, text_html, feedback_html)

    def _write_single(self, question: Any) -> None:
        self._multichoice(question, self.html(question.text), True,
                          [(self.html(o.text), o.correct, self.html(o.feedback)) for o in question.options])

    def _write_multiple(self, question: Any) -> None:
        self._multichoice(question, self.html(question.text), False,
                          [(self.html(o.text), o.correct, self.html(o.feedback)) for o in question.options])

    def _write_true_false(self, question: Any) -> None:
        element = self.header(question, "truefalse", self.html(question.text), penalty="1")
        self.answer(element, 100 if question.answer else 0, "true", text_format="moodle_auto_format")
        self.answer(element, 0 if question.answer else 100, "false", text_format="moodle_auto_format")

    def _write_numeric(self, question: Any) -> None:
        element = self.header(question, "numerical", self.html(question.text))
        answer = self.answer(element, 100, _decimal_text(question.answer), text_format="moodle_auto_format")
        self.simple(answer, "tolerance", _decimal_text(question.tolerance))
        if question.unit is not None and self.plain(question.unit):
            units = etree.SubElement(element, "units")
            unit = etree.SubElement(units, "unit")
            self.simple(unit, "multiplier", "1")
            self.simple(unit, "unit_name", self.plain(question.unit))
            self.simple(element, "unitgradingtype", "0")  # the unit is optional, as in Kontor
            self.simple(element, "unitpenalty", "0.1000000")
            self.simple(element, "showunits", "0")
            self.simple(element, "unitsleft", "0")

    def _write_short_text(self, question: Any) -> None:
        element = self.header(question, "shortanswer", self.html(question.text))
        self.simple(element, "usecase", "1" if question.case_sensitive else "0")
        for accepted in question.answers.all():
            if accepted.strip():
                self.answer(element, 100, _shortanswer_escape(accepted), text_format="moodle_auto_format")

    def _matching(self, question: Any, text_html: str, pairs: Sequence[tuple[str, str]],
                  distractors: Sequence[str]) -> None:
        element = self.header(question, "matching", text_html)
        self.simple(element, "shuffleanswers", "true")
        for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
            self.text_element(element, tag, "")
        etree.SubElement(element, "shownumcorrect")
        for left, right in [*pairs, *(("", d) for d in distractors)]:
            sub = self.text_element(element, "subquestion", left)
            answer = etree.SubElement(sub, "answer")
            self._set_text(etree.SubElement(answer, "text"), right)

    def _write_matching(self, question: Any) -> None:
        rights = [self.plain(p.right) for p in question.pairs] + [self.plain(d) for d in question.distractors]
        if any(self.raw(p.right) != self.plain(p.right) for p in question.pairs):
            self.note(N_("Moodle shows matching answers as plain text; their bold/italic marks were left out"))
        self._matching(question, self.html(question.text),
                       [(self.html(p.left), r) for p, r in zip(question.pairs, rights)], rights[len(question.pairs):])

    def _write_ordering(self, question: Any) -> None:
        self.note(N_("Moodle has no ordering question without a plugin: written as matching, each item to its "
                     "position (1 = first)"))
        self._matching(question, self.html(question.text),
                       [(self.html(item.text), str(n)) for n, item in enumerate(question.items, start=1)], [])

    def _write_essay(self, question: Any) -> None:
        element = self.header(question, "essay", self.html(question.text), penalty="0")
        self.simple(element, "responseformat", "plain")
        self.simple(element, "responserequired", "1")
        self.simple(element, "responsefieldlines", "15")
        if question.min_words:
            self.simple(element, "minwordlimit", str(question.min_words))
        if question.max_words:
            self.simple(element, "maxwordlimit", str(question.max_words))
        self.simple(element, "attachments", "0")
        self.simple(element, "attachmentsrequired", "0")
        self.simple(element, "maxbytes", "0")
        self.simple(element, "filetypeslist", "")
        self.text_element(element, "graderinfo", self.html(question.rubric))
        self.text_element(element, "responsetemplate", "")

    # cloze and the types Moodle lacks ---------------------------------------------------------

    def _weights(self, question: Any, n_gaps: int) -> int:
        weight = question.points / n_gaps
        if weight == int(weight) and weight >= 1:
            return int(weight)
        self.note(N_("Moodle computes a cloze question's mark from its gaps (whole numbers): %(gaps)s instead "
                     "of %(points)s; the file also states %(points)s as defaultgrade, which Moodle ignores for cloze"),
                  gaps=n_gaps, points=_plain_number(question.points))
        return 1

    def _gap_marker(self, gap: Any, weight: int) -> str:
        if gap.type == "numeric":
            return f"{{{weight}:NUMERICAL:={_decimal_text(gap.answer)}:{_decimal_text(gap.tolerance)}}}"
        if gap.type == "short_text":
            kind = "SHORTANSWER_C" if gap.case_sensitive else "SHORTANSWER"
            answers = [a for a in gap.answers.all() if a.strip()]
            return f"{{{weight}:{kind}:" + "~".join(
                "=" + cloze_escape(_shortanswer_escape(a)) for a in answers) + "}"
        alternatives = []
        for option in gap.options:
            entry = ("=" if option.correct else "") + cloze_escape(self.html(option.text))
            if option.feedback is not None and self.raw(option.feedback):
                entry += "#" + cloze_escape(self.html(option.feedback))
            alternatives.append(entry)
        return f"{{{weight}:MULTICHOICE:" + "~".join(alternatives) + "}"

    def _multianswer(self, question: Any, text_html: str) -> None:
        # Moodle reads a cloze question's mark from its gaps; defaultgrade is written for Kontor.
        self.header(question, "multianswer", text_html)

    def _write_cloze(self, question: Any) -> None:
        weight = self._weights(question, len(question.gaps))
        by_id = {gap.id: gap for gap in question.gaps}
        source = self.raw(question.text)
        tokens: dict[str, str] = {}

        def token(match: re.Match[str]) -> str:
            key = f"KONTORGAPTOKEN{len(tokens)}X"
            tokens[key] = self._gap_marker(by_id[match.group(1)], weight)
            return key

        text_html = str(render_markdown(GAP_PLACEHOLDER.sub(token, source)))
        for key, marker in tokens.items():
            text_html = text_html.replace(key, marker)
        if self.both and isinstance(question.text, LocalText) and question.text.de != question.text.en:
            self.note(N_("a cloze text is written in one language (its gaps cannot be repeated per language)"))
        self._multianswer(question, text_html)

    def _document_html(self, document: Any, *, with_fields: bool = True) -> str:
        if document is None:
            return ""
        parts: list[str] = []
        if document.title is not None:
            parts.append(f"<p><strong>{self.html(document.title)}</strong></p>")
        if document.fields and with_fields:
            rows = "".join(f"<tr><th>{self.html(f.label)}</th><td>{self.html(f.value)}</td></tr>"
                           for f in document.fields)
            parts.append(f"<table>{rows}</table>")
        if document.table is not None:
            head = "".join(f"<th>{self.html(c)}</th>" for c in document.table.columns)
            body = "".join("<tr>" + "".join(f"<td>{self.html(cell)}</td>" for cell in row) + "</tr>"
                           for row in document.table.rows)
            parts.append(f"<table><tr>{head}</tr>{body}</table>")
        if document.body is not None:
            parts.append(f"<p>{self.html(document.body)}</p>")
        return "".join(parts)

    def _write_document_check(self, question: Any) -> None:
        self.note(N_("Moodle has no document check: written as a multiple-answer question whose options are the "
                     "document's fields, the faulty ones correct, scored as in Kontor"))
        text_html = f"<p>{self.html(question.text)}</p>"
        if question.reference is not None:
            text_html += self._document_html(question.reference)
        document = question.document
        text_html += self._document_html(document, with_fields=False)  # its fields are the options
        options = [(f"{self.html(f.label)}: {self.html(f.value)}", f.error is not None, self.html(f.error))
                   for f in document.fields]
        self._multichoice(question, text_html, False, options)

    def _write_data_entry(self, question: Any) -> None:
        self.note(N_("Moodle has no data entry form: written as a cloze question with one gap per field "
                     "(normalisation approximated: amounts and numbers as numerical gaps, dates in two spellings)"))
        weight = self._weights(question, len(question.fields))
        lines = []
        for field in question.fields:
            lines.append(f"<p>{self.html(field.label)}: {self._entry_marker(field, weight)}</p>")
        text_html = f"<p>{self.html(question.text)}</p>" + self._document_html(question.document) + "".join(lines)
        self._multianswer(question, text_html)

    def _entry_marker(self, field: Any, weight: int) -> str:
        answers = list(dict.fromkeys(field.answer))
        if field.normalize in ("amount", "number"):
            value = Decimal(normalize_expected(answers[0], field.normalize))
            tolerance = "0.005" if field.normalize == "amount" else "0"
            return f"{{{weight}:NUMERICAL:={_plain_number(value)}:{tolerance}}}"
        if field.normalize == "date":
            spelled = []
            for answer in answers:
                year, month, day = answer.strip().split("-")
                spelled += [answer.strip(), f"{day}.{month}.{year}", f"{int(day)}.{int(month)}.{year}"]
            answers = list(dict.fromkeys(spelled))
        kind = "SHORTANSWER_C" if field.normalize in ("exact",) else "SHORTANSWER"
        return f"{{{weight}:{kind}:" + "~".join("=" + cloze_escape(_shortanswer_escape(a)) for a in answers) + "}"


# --- the format --------------------------------------------------------------------------------


class MoodleXmlFormat:
    name = "moodlexml"
    label = "Moodle XML"
    extensions = (".xml",)
    can_write = True

    def read(self, data: bytes, *, language: str = "en") -> ParsedBank:
        root = parse_xml(data)
        return _Reader(language).read(root)

    def write(self, questions: Sequence[Question], *, title: str, language: str = "en") -> ExportedFile:
        questions, image_notes = without_images(questions)
        questions, language_notes = as_phrase_marks(questions)
        writer = _Writer(language)
        data = writer.write(questions, title)
        filename = (slugify(title, 80) or "questions") + ".moodle.xml"
        return ExportedFile(data=data, filename=filename, media_type="application/xml",
                            notes=writer.notes + image_notes + language_notes)


register(MoodleXmlFormat())
