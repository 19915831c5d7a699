"""QTI: Canvas's QTI 1.2 quiz exports and IMS QTI 2.1 packages in, QTI 2.1 packages out.

Reading accepts a zip (a content package with `imsmanifest.xml`) or one XML file: a QTI 1.2
`questestinterop` (as Canvas writes it, question kind in `itemmetadata`) or a QTI 2.1
`assessmentItem`. QTI versions put their elements in different namespaces, so elements are matched
by local name. The mapping (what becomes what, what is skipped or approximated) is documented in
docs/question-formats.md, section "QTI".
"""
from __future__ import annotations

import io
import math
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree
from pydantic import TypeAdapter, ValidationError

from .. import limits
from ..schema import (
    GAP_PLACEHOLDER, ChoiceGap, Document, NumericGap, Question,
)
from ..text import LocalText, render_markdown, resolve
from . import (N_, ExportedFile, Finding, FormatError, ParsedBank, Reason, check_import_size, invalid_question, register,
               without_images)
from .html_markup import BLOCK, MarkupBuilder, html_to_markup
from .language_marks import as_phrase_marks
from .safe_xml import local_name, parse_xml
from .safe_zip import read_zip

QTI21_NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_QUESTION = TypeAdapter(Question)

_LABELS = {
    "en": {"true": "True", "false": "False", "correct": "If correct:", "incorrect": "If incorrect:"},
    "de": {"true": "Wahr", "false": "Falsch", "correct": "Wenn richtig:", "incorrect": "Wenn falsch:"},
}

# --- XHTML item bodies → Kontor's Markdown subset (HTML texts: html_markup) ----------------------

# QTI 2.1 elements inside an item body that are not text.
_SKIPPED_IN_TEXT = {"feedbackInline", "feedbackBlock", "modalFeedback", "templateBlock", "templateInline"}
# QTI's own containers of text, read as the HTML element that behaves alike.
_AS_HTML = {"prompt": "div", "itemBody": "body"}


def _walk(element: etree._Element, builder: MarkupBuilder,
          on_interaction: Callable[[etree._Element], str | None], *, own_text: bool = True) -> None:
    if own_text and element.text:
        builder.text(element.text)
    for child in element:
        name = local_name(child)
        if name.endswith("Interaction"):
            replacement = on_interaction(child)
            if replacement:
                builder.raw(replacement)
        elif name in _SKIPPED_IN_TEXT or name == "rubricBlock" and "candidate" not in child.get("view", ""):
            pass
        elif name in ("img", "object", "math"):
            builder.lost.add(name)
        else:
            name = _AS_HTML.get(name, name)
            builder.open(name)
            builder.language(name, child.get(XML_LANG, child.get("lang")))
            _walk(child, builder, on_interaction)
            builder.close(name)
        if child.tail:
            builder.text(child.tail)


def xhtml_to_markup(element: etree._Element,
                    on_interaction: Callable[[etree._Element], str | None] = lambda _e: None) -> tuple[str, set[str]]:
    builder = MarkupBuilder()
    _walk(element, builder, on_interaction)
    return builder.result(), builder.lost


# --- small helpers -----------------------------------------------------------------------------


def slug(value: str, *, max_length: int = 64) -> str:
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return out[:max_length].strip("-")


def _unique(wanted: str, used: set[str], fallback: str) -> str:
    base = wanted or fallback
    candidate, number = base, 2
    while candidate in used:
        suffix = f"-{number}"
        candidate = base[: 64 - len(suffix)].strip("-") + suffix
        number += 1
    used.add(candidate)
    return candidate


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if local_name(child) == name]


def _child(element: etree._Element | None, name: str) -> etree._Element | None:
    if element is None:
        return None
    return next((child for child in element if local_name(child) == name), None)


def _descendants(element: etree._Element, name: str) -> list[etree._Element]:
    return [e for e in element.iter() if local_name(e) == name]


def _decimal(raw: str | None) -> Decimal | None:
    if raw is None:
        return None
    try:
        value = Decimal(raw.strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


class _Skip(Reason):
    """This question cannot be imported; the template says why."""


@dataclass
class _Reader:
    language: str
    bank: ParsedBank = field(default_factory=ParsedBank)
    used_ids: set[str] = field(default_factory=set)
    seen: int = 0

    def local(self, text: str) -> dict[str, str]:
        return {self.language: text}

    def count(self) -> None:
        self.seen += 1
        if self.seen > limits.MAX_IMPORT_QUESTIONS:
            raise FormatError(N_("the file holds more than %(max)s questions"), max=limits.MAX_IMPORT_QUESTIONS)

    def skip(self, reason: Reason, line: int | None, name: str | None, where: str | None = None) -> None:
        self.bank.skipped.append(reason.finding(line=line, question=name, member=where))

    def add(self, data: dict[str, Any], *, name: str | None, line: int | None,
            tags: Sequence[str], notes: Iterable[Finding], where: str | None = None) -> None:
        question_id = _unique(slug(name or ""), self.used_ids, f"q-{len(self.bank.questions) + 1}")
        try:
            question = _QUESTION.validate_python({**data, "id": question_id})
        except ValidationError as error:
            self.used_ids.discard(question_id)
            self.bank.skipped.append(Finding("", line=line, question=name, member=where,
                                             problems=invalid_question(error)))
            return
        self.bank.questions.append(question)
        if tags:
            self.bank.tags[question_id] = list(tags)
        for note in dict.fromkeys(notes):
            self.bank.notes.append(replace(note, line=line, question=name, member=where))


def _lossy_note(tags: set[str]) -> list[Finding]:
    if not tags:
        return []
    return [Finding(N_("formatting Kontor cannot show was reduced to text (%(elements)s)"),
                    params={"elements": ", ".join(sorted(tags))})]


# --- reading: entry ------------------------------------------------------------------------------


class QtiFormat:
    name = "qti"
    label = "QTI (1.2 Canvas export, 2.1)"
    extensions = (".zip", ".xml")
    can_write = True

    def read(self, data: bytes, *, language: str = "en") -> ParsedBank:
        check_import_size(data)
        reader = _Reader(language="de" if language == "de" else "en")
        if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
            _read_package(read_zip(data), reader)
        else:
            root = parse_xml(data)
            _read_document(root, reader, tags=[], where=None)
        if not reader.bank.questions and not reader.bank.skipped:
            raise FormatError(N_("the file holds no QTI questions"))
        return reader.bank

    def write(self, questions: Sequence[Question], *, title: str, language: str = "en") -> ExportedFile:
        questions, image_notes = without_images(questions)
        questions, language_notes = as_phrase_marks(questions)
        exported = _write_package(questions, title=title, language="de" if language == "de" else "en")
        exported.notes.extend(image_notes + language_notes)
        return exported


def _read_document(root: etree._Element, reader: _Reader, *, tags: list[str], where: str | None) -> None:
    kind = local_name(root)
    if kind == "questestinterop":
        _read_qti12(root, reader)
    elif kind == "assessmentItem":
        reader.count()
        _read_item21(root, reader, tags=tags, where=where)
    else:
        raise FormatError([Finding(N_("not a QTI file (the root element is <%(element)s>)"), line=root.sourceline,
                                   params={"element": kind})])


def _read_package(files: dict[str, bytes], reader: _Reader) -> None:
    manifest_data = files.get("imsmanifest.xml")
    if manifest_data is None:
        raise FormatError(N_("the archive holds no imsmanifest.xml; is it a QTI package?"))
    manifest = parse_xml(manifest_data, what="imsmanifest.xml")
    resources = _descendants(manifest, "resource")
    items_done: set[str] = set()
    tests: list[tuple[str, etree._Element]] = []
    items: list[str] = []
    for resource in resources:
        kind = (resource.get("type") or "").lower()
        href = resource.get("href") or next((f.get("href") for f in _children(resource, "file")), None)
        if not href:
            continue
        path = posixpath.normpath(href)
        if kind.startswith("imsqti_xmlv1p2") or kind.startswith("imsqti_test_xmlv2p"):
            tests.append((path, resource))
        elif kind.startswith("imsqti_item_xmlv2p"):
            items.append(path)
    if not tests and not items:
        raise FormatError(N_("imsmanifest.xml lists no QTI resources"))
    for path, _resource in tests:
        root = _load(files, path)
        if local_name(root) == "questestinterop":
            if reader.bank.title is None:
                meta = files.get(posixpath.join(posixpath.dirname(path), "assessment_meta.xml"))
                reader.bank.title = _canvas_meta_title(meta)
            _read_qti12(root, reader)
        elif local_name(root) == "assessmentTest":
            reader.bank.title = reader.bank.title or root.get("title")
            for ref, section_path in _test_items(root):
                item_path = posixpath.normpath(posixpath.join(posixpath.dirname(path), ref))
                if item_path in items_done:
                    continue
                items_done.add(item_path)
                reader.count()
                _read_item21(_load(files, item_path), reader, tags=section_path, where=item_path)
        else:
            raise FormatError([Finding(N_("not a QTI test (the root element is <%(element)s>)"), member=path,
                                       params={"element": local_name(root)})])
    for path in items:
        if path not in items_done:
            items_done.add(path)
            reader.count()
            _read_item21(_load(files, path), reader, tags=[], where=path)


def _load(files: dict[str, bytes], path: str) -> etree._Element:
    if path not in files:
        raise FormatError(N_("imsmanifest.xml names %(name)r, which the archive does not hold"), name=path)
    try:
        return parse_xml(files[path])
    except FormatError as error:  # the member's own finding, with the member named beside it
        raise FormatError([replace(f, member=path) for f in error.findings]) from None


def _canvas_meta_title(data: bytes | None) -> str | None:
    if data is None:
        return None
    title = _child(parse_xml(data, what="assessment_meta.xml"), "title")
    return (title.text or "").strip() or None if title is not None else None


def _test_items(test: etree._Element) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []

    def visit(element: etree._Element, path: list[str]) -> None:
        for child in element:
            name = local_name(child)
            if name == "assessmentSection":
                title = (child.get("title") or "").strip()
                visit(child, [*path, title] if title else path)
            elif name == "testPart":
                visit(child, path)
            elif name == "assessmentItemRef" and child.get("href"):
                out.append((child.get("href"), path))

    title = (test.get("title") or "").strip()
    visit(test, [])
    # The test's own title names the whole bank; sections below it are the categories.
    return [(href, [p for p in path if p != title] or ([title] if title else [])) for href, path in out]


# --- reading: QTI 1.2 (Canvas) -----------------------------------------------------------------

_CANVAS_SKIPPED = {
    "text_only_question": N_("a text block without a question (Canvas text_only_question) is not imported"),
    "file_upload_question": N_("Kontor has no file upload questions"),
    "calculated_question": N_("Kontor has no calculated (formula) questions"),
    "formula_question": N_("Kontor has no calculated (formula) questions"),
    "formula": N_("Kontor has no calculated (formula) questions"),
}


def _read_qti12(root: etree._Element, reader: _Reader) -> None:
    for assessment in root:
        if local_name(assessment) not in ("assessment", "objectbank", "section", "item"):
            continue
        title = (assessment.get("title") or "").strip()
        if local_name(assessment) == "assessment" and reader.bank.title is None and title:
            reader.bank.title = title
        items = [assessment] if local_name(assessment) == "item" else _descendants(assessment, "item")
        for item in items:
            reader.count()
            tags = [title] if title and local_name(assessment) == "assessment" else []
            tags += [s.get("title").strip() for s in reversed(list(item.iterancestors()))
                     if local_name(s) == "section" and s.get("ident") != "root_section" and (s.get("title") or "").strip()]
            name = (item.get("title") or "").strip() or None
            notes: list[Finding] = []
            try:
                data = _canvas_item(item, reader, notes)
            except _Skip as skip:
                reader.skip(skip, item.sourceline, name)
                continue
            reader.add(data, name=name, line=item.sourceline, tags=tags, notes=notes)


def _mattext(element: etree._Element | None, notes: list[Finding]) -> str:
    """The text of the first mattext below `element`, HTML converted to Kontor markup."""
    if element is None:
        return ""
    mattext = next(iter(_descendants(element, "mattext")), None)
    if mattext is None:
        return ""
    text = "".join(mattext.itertext())
    if "html" in (mattext.get("texttype") or "").lower():
        converted = html_to_markup(text)
        text = converted.text
        notes.extend(_lossy_note(converted.lost))
    return text.strip()


def _canvas_item(item: etree._Element, reader: _Reader, notes: list[Finding]) -> dict[str, Any]:
    meta = {}
    for entry in _descendants(item, "qtimetadatafield"):
        label, value = _child(entry, "fieldlabel"), _child(entry, "fieldentry")
        if label is not None and value is not None:
            meta[(label.text or "").strip()] = (value.text or "").strip()
    kind = meta.get("question_type", "")
    if kind in _CANVAS_SKIPPED:
        raise _Skip(_CANVAS_SKIPPED[kind])
    points = _decimal(meta.get("points_possible"))
    presentation = _child(item, "presentation")
    if presentation is None:
        raise _Skip(N_("the item has no <presentation>"))
    material = _child(presentation, "material")
    if material is None:
        material = _child(_child(presentation, "flow"), "material")
    stem = _mattext(material, notes)
    responses = [e for e in presentation.iter() if local_name(e) in ("response_lid", "response_str", "response_num")]
    conditions = _descendants(item, "respcondition")
    feedback = {fb.get("ident"): _mattext(fb, notes) for fb in _descendants(item, "itemfeedback") if fb.get("ident")}
    base: dict[str, Any] = {"text": reader.local(stem), "points": float(points) if points is not None else 1.0}
    explanation = _canvas_explanation(feedback, reader, notes)
    if explanation:
        base["explanation"] = reader.local(explanation)

    def labels(response: etree._Element) -> list[tuple[str, str]]:
        return [(label.get("ident") or "", _mattext(label, notes)) for label in _descendants(response, "response_label")]

    if kind in ("multiple_choice_question", "multiple_answers_question", "true_false_question"):
        if not responses:
            raise _Skip(N_("the question has no answers"))
        choices = labels(responses[0])
        correct = _scored_values(conditions)
        if kind == "true_false_question":
            right = [text for ident, text in choices if ident in correct]
            if len(right) != 1:
                raise _Skip(N_("a true/false question needs exactly one correct answer"))
            answer = right[0].strip().lower() in ("true", "wahr", "richtig")
            if right[0].strip().lower() not in ("true", "false", "wahr", "falsch", "richtig"):
                answer = choices[0][1] == right[0]  # Canvas writes True first
            return {**base, "type": "true_false", "answer": answer}
        options = _options(choices, correct, feedback, conditions, reader)
        return {**base, "type": "single" if kind == "multiple_choice_question" else "multiple", "options": options}
    if kind == "short_answer_question":
        answers = [a for a in _scored_texts(conditions) if a.strip()]
        _note_answer_feedback(feedback, notes)
        return {**base, "type": "short_text", "answers": {reader.language: answers}}
    if kind == "numerical_question":
        answer, tolerance, more = _canvas_numeric(conditions, notes)
        if more:
            notes.append(Finding(N_("only the first of several accepted numeric answers was imported")))
        return {**base, "type": "numeric", "answer": answer, "tolerance": tolerance}
    if kind == "matching_question":
        pairs, rights_used = [], set()
        all_rights: dict[str, str] = {}
        for response in responses:
            choices = labels(response)
            all_rights.update(choices)
            right_id = _scored_values(conditions, response.get("ident"))
            if len(right_id) != 1:
                raise _Skip(N_("every left-hand item needs exactly one match"))
            left = _mattext(_child(response, "material"), notes)
            pairs.append({"left": reader.local(left), "right": reader.local(all_rights.get(next(iter(right_id)), ""))})
            rights_used.update(right_id)
        used_texts = {all_rights[r] for r in rights_used if r in all_rights}
        distractors = [reader.local(t) for t in dict.fromkeys(all_rights.values()) if t not in used_texts]
        return {**base, "type": "matching", "pairs": pairs, "distractors": distractors}
    if kind == "essay_question":
        return {**base, "type": "essay"}
    if kind in ("fill_in_multiple_blanks_question", "multiple_dropdowns_question"):
        gaps, used = [], set()
        text = stem
        for response in responses:
            blank = _mattext(_child(response, "material"), []) or (response.get("ident") or "").removeprefix("response_")
            gap_id = _unique(slug(blank), used, f"gap-{len(gaps) + 1}")
            choices = labels(response)
            correct = _scored_values(conditions, response.get("ident"))
            if kind == "fill_in_multiple_blanks_question":
                answers = [t for i, t in choices if i in correct and t.strip()]
                gaps.append({"id": gap_id, "type": "short_text", "answers": {reader.language: answers}})
            else:
                gaps.append({"id": gap_id, "type": "choice", "options": _options(choices, correct, feedback, conditions, reader)})
            text = text.replace(f"[{blank}]", "{{" + gap_id + "}}", 1)
        base["text"] = reader.local(text)
        return {**base, "type": "cloze", "gaps": gaps}
    if not kind:
        raise _Skip(N_("Kontor cannot import a question without a question type"))
    raise _Skip(N_("Kontor cannot import the question type %(kind)r"), kind=kind)


def _canvas_explanation(feedback: dict[str, str], reader: _Reader, notes: list[Finding]) -> str:
    labels = _LABELS[reader.language]
    parts = [feedback["general_fb"]] if feedback.get("general_fb") else []
    conditional = [(labels["correct"], feedback.get("correct_fb")),
                   (labels["incorrect"], feedback.get("general_incorrect_fb") or feedback.get("incorrect_fb"))]
    for label, text in conditional:
        if text:
            parts.append(f"{label} {text}")
            notes.append(Finding(N_("feedback for right and wrong answers was merged into the explanation (Kontor shows one)")))
    return "\n".join(parts)


def _note_answer_feedback(feedback: dict[str, str], notes: list[Finding]) -> None:
    if any(key.endswith("_fb") and key not in ("general_fb", "correct_fb", "general_incorrect_fb", "incorrect_fb")
           and text for key, text in feedback.items()):
        notes.append(Finding(N_("feedback per accepted answer was dropped (Kontor has none for this type)")))


def _positive_setvar(condition: etree._Element) -> bool:
    for setvar in _children(condition, "setvar"):
        value = _decimal(setvar.text)
        if value is not None and value > 0:
            return True
    return False


def _plain_conditions(condition: etree._Element, name: str, respident: str | None) -> list[etree._Element]:
    """`name` tests of a condition that are not negated (inside <not>)."""
    out = []
    conditionvar = _child(condition, "conditionvar")
    if conditionvar is None:
        return out
    for element in conditionvar.iter():
        if local_name(element) != name:
            continue
        if any(local_name(a) == "not" for a in element.iterancestors() if a is not conditionvar and conditionvar in a.iterancestors()):
            continue
        if respident is not None and element.get("respident") not in (None, respident):
            continue
        out.append(element)
    return out


def _scored_values(conditions: list[etree._Element], respident: str | None = None) -> set[str]:
    values: set[str] = set()
    for condition in conditions:
        if _positive_setvar(condition):
            values.update((e.text or "").strip() for e in _plain_conditions(condition, "varequal", respident))
    return values


def _scored_texts(conditions: list[etree._Element]) -> list[str]:
    texts: list[str] = []
    for condition in conditions:
        if _positive_setvar(condition):
            texts.extend((e.text or "").strip() for e in _plain_conditions(condition, "varequal", None))
    return list(dict.fromkeys(texts))


def _options(choices: list[tuple[str, str]], correct: set[str], feedback: dict[str, str],
             conditions: list[etree._Element], reader: _Reader) -> list[dict[str, Any]]:
    linked: dict[str, str] = {}  # answer id → feedback id named by a condition on that answer
    for condition in conditions:
        for test in _plain_conditions(condition, "varequal", None):
            for display in _children(condition, "displayfeedback"):
                linked.setdefault((test.text or "").strip(), display.get("linkrefid") or "")
    used: set[str] = set()
    options = []
    for index, (ident, text) in enumerate(choices):
        option: dict[str, Any] = {
            "id": _unique(slug(ident), used, f"o-{index + 1}"),
            "text": reader.local(text),
            "correct": ident in correct,
        }
        fb = feedback.get(f"{ident}_fb") or feedback.get(linked.get(ident, ""), "")
        if fb and linked.get(ident) not in ("correct_fb", "general_incorrect_fb", "incorrect_fb", "general_fb"):
            option["feedback"] = reader.local(fb)
        options.append(option)
    return options


def _canvas_numeric(conditions: list[etree._Element], notes: list[Finding]) -> tuple[Decimal, Decimal, bool]:
    scored = [c for c in conditions if _positive_setvar(c)]
    if not scored:
        raise _Skip(N_("the numeric question has no correct answer"))

    def first(name: str) -> Decimal | None:
        elements = _plain_conditions(scored[0], name, None)
        return _decimal(elements[0].text) if elements else None

    exact = first("varequal")
    low = first("vargte") if first("vargte") is not None else first("vargt")
    high = first("varlte") if first("varlte") is not None else first("varlt")
    if exact is None and (low is None or high is None):
        raise _Skip(N_("the numeric answer cannot be read"))
    if exact is None:
        notes.append(Finding(N_("a numeric range was imported as its middle with a tolerance of half its width")))
        return (low + high) / 2, abs(high - low) / 2, len(scored) > 1
    tolerance = Decimal(0)
    if low is not None and high is not None:
        tolerance = max(exact - low, high - exact, Decimal(0))
    return exact, tolerance, len(scored) > 1


# --- reading: QTI 2.1 --------------------------------------------------------------------------

_BLOCK_INTERACTIONS = {"choiceInteraction", "extendedTextInteraction", "matchInteraction",
                       "associateInteraction", "orderInteraction"}
_INLINE_INTERACTIONS = {"textEntryInteraction", "inlineChoiceInteraction"}


@dataclass
class _Declaration:
    cardinality: str
    base_type: str
    correct: list[str]
    mapping: dict[str, Decimal]
    case_sensitive: bool


def _declarations(item: etree._Element) -> dict[str, _Declaration]:
    out = {}
    for decl in _children(item, "responseDeclaration"):
        box = _child(decl, "correctResponse")
        correct = [(v.text or "").strip() for v in _descendants(box, "value")] if box is not None else []
        mapping: dict[str, Decimal] = {}
        sensitive = True
        for entry in _descendants(decl, "mapEntry"):
            value = _decimal(entry.get("mappedValue")) or Decimal(0)
            mapping[(entry.get("mapKey") or "").strip()] = value
            if (entry.get("caseSensitive") or "true").lower() == "false":
                sensitive = False
        out[decl.get("identifier") or ""] = _Declaration(
            decl.get("cardinality") or "single", decl.get("baseType") or "", correct, mapping, sensitive)
    return out


def _keys(decl: _Declaration | None) -> list[str]:
    if decl is None:
        return []
    return list(dict.fromkeys([*decl.correct, *(k for k, v in decl.mapping.items() if v > 0)]))


def _item_points(item: etree._Element) -> float:
    for outcome in _children(item, "outcomeDeclaration"):
        if outcome.get("identifier") == "MAXSCORE":
            value = _decimal(next(iter(v.text for v in _descendants(outcome, "value")), None))
            if value is not None:
                return float(value)
    for outcome in _children(item, "outcomeDeclaration"):
        if outcome.get("identifier") == "SCORE" and _decimal(outcome.get("normalMaximum")) is not None:
            return float(_decimal(outcome.get("normalMaximum")))
    return 1.0


def _read_item21(item: etree._Element, reader: _Reader, *, tags: list[str], where: str | None) -> None:
    if local_name(item) != "assessmentItem":
        raise FormatError([Finding(N_("not a QTI 2.1 item (<%(element)s>)"), line=item.sourceline, member=where,
                                   params={"element": local_name(item)})])
    name = (item.get("title") or item.get("identifier") or "").strip() or where
    notes: list[Finding] = []
    try:
        data = _item21(item, reader, notes)
    except _Skip as skip:
        reader.skip(skip, item.sourceline, name, where)
        return
    reader.add(data, name=name, line=item.sourceline, tags=tags, notes=notes, where=where)


def _item21(item: etree._Element, reader: _Reader, notes: list[Finding]) -> dict[str, Any]:
    body = _child(item, "itemBody")
    if body is None:
        raise _Skip(N_("the item has no itemBody"))
    decls = _declarations(item)
    interactions = [e for e in body.iter() if local_name(e).endswith("Interaction")]
    kinds = {local_name(e) for e in interactions}
    if not interactions:
        raise _Skip(N_("the item asks nothing (no interaction); text-only items are not imported"))
    unknown = kinds - _BLOCK_INTERACTIONS - _INLINE_INTERACTIONS
    if unknown:
        raise _Skip(N_("Kontor cannot import %(elements)s"), elements=", ".join(sorted(unknown)))
    block = [e for e in interactions if local_name(e) in _BLOCK_INTERACTIONS]
    if len(block) > 1 or (block and len(interactions) > 1):
        raise _Skip(N_("the item holds several interactions; Kontor imports one question per item"))
    modal = _modal_feedback(item, notes)
    base: dict[str, Any] = {"points": _item_points(item)}
    unit = None
    if not block and len(interactions) == 1 and local_name(interactions[0]) == "textEntryInteraction":
        unit = _standalone_entry(interactions[0], body)
        if unit:
            interactions[0].tail = None  # the unit is not part of the question text
    if block or unit is not None:
        interaction = interactions[0]
        def keep_prompt(element: etree._Element) -> str | None:
            prompt = _child(element, "prompt")
            if prompt is not None:
                text, lossy = xhtml_to_markup(prompt)
                notes.extend(_lossy_note(lossy))
                return BLOCK + text + BLOCK
            return None

        stem, lossy = xhtml_to_markup(body, keep_prompt)
        notes.extend(_lossy_note(lossy))
        base["text"] = reader.local(stem)
        data = _block_question(interaction, decls, item, reader, notes, modal, unit or "")
    else:
        data = _cloze21(body, decls, item, reader, notes, base)
    option_ids = data.pop("_option_ids", set())
    general = [text for key, text in modal.items() if key not in option_ids]
    if general:
        base["explanation"] = reader.local("\n".join(general))
    return {**base, **data}


def _standalone_entry(interaction: etree._Element, body: etree._Element) -> str | None:
    """A text entry that stands alone in its paragraph (a short answer question): the text after it
    (a unit) or ''. None when it sits inside a sentence (then the item is a cloze)."""
    parent = interaction.getparent()
    if (parent.text or "").strip() or len(parent) != 1:
        return None
    tail = (interaction.tail or "").strip()
    if parent is body and tail:
        return None
    return tail


def _modal_feedback(item: etree._Element, notes: list[Finding]) -> dict[str, str]:
    out: dict[str, str] = {}
    for feedback in _children(item, "modalFeedback"):
        text, lossy = xhtml_to_markup(feedback)
        notes.extend(_lossy_note(lossy))
        if text:
            key = feedback.get("identifier") or str(len(out))
            out[key] = f"{out[key]}\n{text}" if key in out else text
    return out


def _response_decl(interaction: etree._Element, decls: dict[str, _Declaration]) -> _Declaration | None:
    return decls.get(interaction.get("responseIdentifier") or "")


def _choice_texts(interaction: etree._Element, name: str, notes: list[Finding]) -> list[tuple[str, str, str]]:
    """(identifier, text, inline feedback) of each choice."""
    out = []
    for choice in _descendants(interaction, name):
        text, lossy = xhtml_to_markup(choice)
        notes.extend(_lossy_note(lossy))
        inline = [xhtml_to_markup(fb)[0] for fb in _children(choice, "feedbackInline")]
        out.append((choice.get("identifier") or "", text, "\n".join(t for t in inline if t)))
    return out


def _block_question(interaction: etree._Element, decls: dict[str, _Declaration], item: etree._Element,
                    reader: _Reader, notes: list[Finding], modal: dict[str, str], unit: str) -> dict[str, Any]:
    kind = local_name(interaction)
    decl = _response_decl(interaction, decls)
    if kind == "choiceInteraction":
        choices = _choice_texts(interaction, "simpleChoice", notes)
        keys = set(_keys(decl))
        ids = {c[0] for c in choices}
        if len(choices) == 2 and {i.lower() for i in ids} == {"true", "false"}:
            right = [i for i in ids if i in keys]
            if len(right) != 1:
                raise _Skip(N_("a true/false item needs exactly one correct choice"))
            if any(fb for _i, _t, fb in choices) or ids & modal.keys():
                notes.append(Finding(N_("feedback per choice was dropped (Kontor's true/false has none)")))
            return {"type": "true_false", "answer": right[0].lower() == "true", "_option_ids": ids}
        used: set[str] = set()
        options = []
        for index, (ident, text, inline) in enumerate(choices):
            option: dict[str, Any] = {"id": _unique(slug(ident), used, f"o-{index + 1}"),
                                      "text": reader.local(text), "correct": ident in keys}
            feedback = inline or modal.get(ident, "")
            if feedback:
                option["feedback"] = reader.local(feedback)
            options.append(option)
        single = (interaction.get("maxChoices") or "1") == "1"
        return {"type": "single" if single else "multiple", "options": options, "_option_ids": ids}
    if kind == "textEntryInteraction":
        return _entry(interaction, decl, item, reader, notes, unit, gap=False)
    if kind == "extendedTextInteraction":
        data: dict[str, Any] = {"type": "essay"}
        rubric = [xhtml_to_markup(r)[0] for r in _descendants(item, "rubricBlock")
                  if "candidate" not in (r.get("view") or "")]
        if any(rubric):
            data["rubric"] = reader.local("\n".join(r for r in rubric if r))
        return data
    if kind in ("matchInteraction", "associateInteraction"):
        if kind == "matchInteraction":
            sets = _children(interaction, "simpleMatchSet")
            if len(sets) != 2:
                raise _Skip(N_("a match interaction needs two sets of choices"))
            lefts = _choice_texts(sets[0], "simpleAssociableChoice", notes)
            rights = _choice_texts(sets[1], "simpleAssociableChoice", notes)
        else:
            lefts = rights = _choice_texts(interaction, "simpleAssociableChoice", notes)
            notes.append(Finding(N_("associated pairs were read as left → right in the order the file gives them")))
        left_text = {i: t for i, t, _f in lefts}
        right_text = {i: t for i, t, _f in rights}
        matched: dict[str, list[str]] = {}
        for key in _keys(decl):
            parts = key.split()
            if len(parts) == 2 and parts[0] in left_text and parts[1] in right_text:
                matched.setdefault(parts[0], []).append(parts[1])
        order = [i for i, _t, _f in lefts if i in matched] if kind == "associateInteraction" else [i for i, _t, _f in lefts]
        pairs = []
        for left in order:
            if len(matched.get(left, [])) != 1:
                raise _Skip(N_("every left-hand choice needs exactly one match (%(choice)r has %(n)s)"),
                            choice=left, n=len(matched.get(left, [])))
            pairs.append({"left": reader.local(left_text[left]), "right": reader.local(right_text[matched[left][0]])})
        used_ids = set(matched) | {r for rs in matched.values() for r in rs}
        distractors = [reader.local(t) for i, t, _f in rights if i not in used_ids]
        return {"type": "matching", "pairs": pairs, "distractors": distractors}
    if kind == "orderInteraction":
        choices = {i: t for i, t, _f in _choice_texts(interaction, "simpleChoice", notes)}
        order = decl.correct if decl else []
        if sorted(order) != sorted(choices):
            raise _Skip(N_("the correct order must name every choice once"))
        used = set()
        items = [{"id": _unique(slug(i), used, f"i-{n + 1}"), "text": reader.local(choices[i])} for n, i in enumerate(order)]
        return {"type": "ordering", "items": items}
    raise _Skip(N_("Kontor cannot import %(elements)s"), elements=kind)


def _tolerance(item: etree._Element, identifier: str, answer: Decimal, notes: list[Finding]) -> Decimal:
    """The tolerance the response processing grants: <equal toleranceMode="absolute|relative">,
    or <equalRounded> (to n decimals or significant figures: half a unit in the last place)."""
    processing = _child(item, "responseProcessing")
    if processing is None:
        return Decimal(0)
    for test in processing.iter():
        name = local_name(test)
        if name not in ("equal", "equalRounded"):
            continue
        if not any(local_name(v) in ("variable", "correct") and v.get("identifier") == identifier for v in test):
            continue
        if name == "equal":
            mode = test.get("toleranceMode") or "exact"
            bounds = [d for d in (_decimal(t) for t in (test.get("tolerance") or "").split()) if d is not None]
            if mode == "exact" or not bounds:
                return Decimal(0)
            width = max(abs(b) for b in bounds)
            if mode == "relative":
                notes.append(Finding(N_("a relative tolerance was turned into an absolute one")))
                return abs(answer) * width / 100
            if len(set(bounds)) > 1:
                notes.append(Finding(N_("an asymmetric tolerance was widened to its larger side")))
            return width
        figures = _decimal(test.get("figures"))
        if figures is None:
            return Decimal(0)
        notes.append(Finding(N_("rounding to a number of digits was imported as a tolerance of half a unit in the last digit")))
        if (test.get("roundingMode") or "significantFigures") == "decimalPlaces":
            return Decimal(5) * Decimal(10) ** (-int(figures) - 1)
        exponent = math.floor(math.log10(abs(answer))) if answer else 0
        return Decimal(5) * Decimal(10) ** (exponent - int(figures))
    return Decimal(0)


def _entry(interaction: etree._Element, decl: _Declaration | None, item: etree._Element, reader: _Reader,
           notes: list[Finding], unit: str, *, gap: bool) -> dict[str, Any]:
    identifier = interaction.get("responseIdentifier") or ""
    keys = _keys(decl)
    if not keys:
        raise _Skip(N_("the text entry %(name)r has no correct response"), name=identifier)
    if decl is not None and decl.base_type in ("float", "integer"):
        answer = _decimal(keys[0])
        if answer is None:
            raise _Skip(N_("the correct response %(text)r is not a number"), text=keys[0])
        if len(keys) > 1:
            notes.append(Finding(N_("only the first of several accepted numbers was imported")))
        data: dict[str, Any] = {"type": "numeric", "answer": answer,
                                "tolerance": _tolerance(item, identifier, answer, notes)}
        if unit and not gap:
            data["unit"] = reader.local(unit)
        return data
    return {"type": "short_text", "answers": {reader.language: keys},
            "case_sensitive": bool(decl and decl.case_sensitive)}


def _cloze21(body: etree._Element, decls: dict[str, _Declaration], item: etree._Element, reader: _Reader,
             notes: list[Finding], base: dict[str, Any]) -> dict[str, Any]:
    gaps: list[dict[str, Any]] = []
    used: set[str] = set()
    problems: list[_Skip] = []

    def gap(element: etree._Element) -> str:
        identifier = element.get("responseIdentifier") or ""
        gap_id = _unique(slug(identifier), used, f"gap-{len(gaps) + 1}")
        decl = decls.get(identifier)
        try:
            if local_name(element) == "textEntryInteraction":
                gaps.append({"id": gap_id, **_entry(element, decl, item, reader, notes, "", gap=True)})
            else:
                keys = set(_keys(decl))
                choices = _choice_texts(element, "inlineChoice", notes)
                option_ids: set[str] = set()
                options = [{"id": _unique(slug(i), option_ids, f"o-{n + 1}"), "text": reader.local(t), "correct": i in keys}
                           for n, (i, t, _f) in enumerate(choices)]
                gaps.append({"id": gap_id, "type": "choice", "options": options})
        except _Skip as skip:
            problems.append(skip)
        return "{{" + gap_id + "}}"

    text, lossy = xhtml_to_markup(body, gap)
    if problems:
        raise problems[0]
    # Gaps in the order the responses are declared (Kontor's own order, when Kontor wrote the file).
    declared = {slug(identifier): index for index, identifier in enumerate(decls)}
    gaps.sort(key=lambda g: declared.get(g["id"], len(declared)))
    notes.extend(_lossy_note(lossy))
    base["text"] = reader.local(text)
    return {"type": "cloze", "gaps": gaps}


# --- writing: QTI 2.1 --------------------------------------------------------------------------


def _q(name: str) -> str:
    return f"{{{QTI21_NS}}}{name}"


def _el(parent: etree._Element | None, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.Element(_q(name), nsmap={None: QTI21_NS}) if parent is None else etree.SubElement(parent, _q(name))
    for key, value in attrs.items():
        element.set(key.rstrip("_"), value)
    if text is not None:
        element.text = text
    return element


def qti_identifier(value: str) -> str:
    """QTI identifiers must not start with a digit; Kontor ids may ("2026-rate")."""
    return value if value[:1].isalpha() else f"id-{value}"


def _append_text(parent: etree._Element, value: str) -> None:
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + value
    else:
        parent.text = (parent.text or "") + value


def _put_markup(parent: etree._Element, text: str, *, strip: bool = True) -> None:
    """Kontor markup as XHTML inside `parent` (rendered by Kontor's own renderer, so escaped)."""
    html = str(render_markdown(text, strip=strip)).replace("<br>\n", "<br/>")
    fragment = parse_xml(f'<div xmlns="{QTI21_NS}">{html}</div>'.encode(), what="text")
    # QTI 2.1's body elements take xml:lang, not HTML's lang (which its schema refuses).
    for span in fragment.iter(_q("span")):
        if span.get("lang") is not None:
            span.set(XML_LANG, span.attrib.pop("lang"))
    _append_text(parent, fragment.text or "")
    for child in list(fragment):
        parent.append(child)


def _block_text(parent: etree._Element, text: str) -> None:
    if text.strip():
        _put_markup(_el(parent, "div"), text)


def _fmt(number: Decimal | float | int) -> str:
    if isinstance(number, Decimal):
        return format(number, "f")  # as the author wrote it (no exponent)
    value = Decimal(str(number))
    if value == value.to_integral_value():
        return str(value.to_integral_value())
    return format(value.normalize(), "f")


class _ItemWriter:
    def __init__(self, question: Question, language: str) -> None:
        self.q = question
        self.lang = language
        self.notes: list[Finding] = []
        self.root = _el(None, "assessmentItem", identifier=qti_identifier(question.id), title=question.id,
                        adaptive="false", timeDependent="false")
        self.root.set("{http://www.w3.org/XML/1998/namespace}lang", language)
        self.decls: list[etree._Element] = []
        self.body = etree.Element(_q("itemBody"))
        self.rules: list[etree._Element] = []
        self.feedback_ids: list[str] = []  # responses whose value names feedback to show
        self.modal: list[tuple[str, str]] = []
        self.scored_by_human = False

    def t(self, text: LocalText | None) -> str:
        return resolve(text, self.lang)

    # declarations and rules
    def declare(self, identifier: str, cardinality: str, base_type: str, correct: Sequence[str] = (),
                mapping: Sequence[tuple[str, Decimal | float]] = (), *, lower: float | None = None,
                upper: float | None = None, case_sensitive: bool = True) -> None:
        decl = etree.Element(_q("responseDeclaration"), identifier=identifier, cardinality=cardinality, baseType=base_type)
        if correct:
            box = _el(decl, "correctResponse")
            for value in correct:
                _el(box, "value", value)
        if mapping:
            mapping_el = _el(decl, "mapping", defaultValue="0")
            if lower is not None:
                mapping_el.set("lowerBound", _fmt(lower))
            if upper is not None:
                mapping_el.set("upperBound", _fmt(upper))
            for key, value in mapping:
                entry = _el(mapping_el, "mapEntry", mapKey=key, mappedValue=_fmt(value))
                if base_type == "string":
                    entry.set("caseSensitive", "true" if case_sensitive else "false")
        self.decls.append(decl)

    def score_if(self, condition: etree._Element, amount: float | None = None) -> None:
        rule = etree.Element(_q("responseCondition"))
        branch = _el(rule, "responseIf")
        branch.append(condition)
        setter = _el(branch, "setOutcomeValue", identifier="SCORE")
        if amount is None:
            _el(setter, "variable", identifier="MAXSCORE")
        else:
            total = _el(setter, "sum")
            _el(total, "variable", identifier="SCORE")
            _el(total, "baseValue", _fmt(amount), baseType="float")
        self.rules.append(rule)

    def score_mapped(self, identifier: str) -> None:
        setter = etree.Element(_q("setOutcomeValue"), identifier="SCORE")
        total = _el(setter, "sum")
        _el(total, "variable", identifier="SCORE")
        _el(total, "mapResponse", identifier=identifier)
        self.rules.append(setter)

    @staticmethod
    def matches(identifier: str) -> etree._Element:
        test = etree.Element(_q("match"))
        _el(test, "variable", identifier=identifier)
        _el(test, "correct", identifier=identifier)
        return test

    @staticmethod
    def within(identifier: str, tolerance: Decimal) -> etree._Element:
        if tolerance:
            test = etree.Element(_q("equal"), toleranceMode="absolute", tolerance=_fmt(tolerance))
        else:
            test = etree.Element(_q("equal"), toleranceMode="exact")
        _el(test, "variable", identifier=identifier)
        _el(test, "correct", identifier=identifier)
        return test

    @staticmethod
    def mapped_positive(identifier: str) -> etree._Element:
        test = etree.Element(_q("gt"))
        _el(test, "mapResponse", identifier=identifier)
        _el(test, "baseValue", "0", baseType="float")
        return test

    # the item
    def build(self) -> etree._Element:
        getattr(self, f"_{self.q.type}")()
        if self.q.explanation is not None and self.t(self.q.explanation).strip():
            self.modal.insert(0, ("general", self.t(self.q.explanation)))
        for decl in self.decls:
            self.root.append(decl)
        score = _el(self.root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float")
        if self.scored_by_human:
            score.set("externalScored", "human")
        _el(_el(score, "defaultValue"), "value", "0")
        maxscore = _el(self.root, "outcomeDeclaration", identifier="MAXSCORE", cardinality="single", baseType="float")
        _el(_el(maxscore, "defaultValue"), "value", _fmt(self.q.points))
        _el(self.root, "outcomeDeclaration", identifier="FEEDBACK", cardinality="multiple", baseType="identifier")
        self.root.append(self.body)
        processing = _el(self.root, "responseProcessing")
        show = _el(_el(processing, "setOutcomeValue", identifier="FEEDBACK"), "multiple")
        _el(show, "baseValue", "general", baseType="identifier")
        for identifier in self.feedback_ids:
            _el(show, "variable", identifier=identifier)
        for rule in self.rules:
            processing.append(rule)
        for identifier, text in self.modal:
            _put_markup(_el(self.root, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier=identifier,
                            showHide="show"), text)
        return self.root

    def _stem(self) -> None:
        _block_text(self.body, self.t(self.q.text))

    def _choices(self, options: Sequence[Any], *, multiple: bool) -> None:
        self._stem()
        correct = [qti_identifier(o.id) for o in options if o.correct]
        if multiple:
            share = self.q.points / len(correct)
            mapping = [(qti_identifier(o.id), share if o.correct else -share) for o in options]
            self.declare("RESPONSE", "multiple", "identifier", correct, mapping, lower=0, upper=self.q.points)
            self.score_mapped("RESPONSE")
        else:
            self.declare("RESPONSE", "single", "identifier", correct)
            self.score_if(self.matches("RESPONSE"))
        self.feedback_ids.append("RESPONSE")
        interaction = _el(self.body, "choiceInteraction", responseIdentifier="RESPONSE", shuffle="true",
                          maxChoices="0" if multiple else "1")
        for option in options:
            choice = _el(interaction, "simpleChoice", identifier=qti_identifier(option.id))
            _put_markup(choice, self.t(option.text))
            if option.feedback is not None and self.t(option.feedback).strip():
                inline = _el(choice, "feedbackInline", outcomeIdentifier="FEEDBACK",
                             identifier=qti_identifier(option.id), showHide="show")
                _put_markup(inline, self.t(option.feedback))

    def _single(self) -> None:
        self._choices(self.q.options, multiple=False)

    def _multiple(self) -> None:
        self._choices(self.q.options, multiple=True)

    def _true_false(self) -> None:
        self._stem()
        self.declare("RESPONSE", "single", "identifier", ["true" if self.q.answer else "false"])
        self.score_if(self.matches("RESPONSE"))
        interaction = _el(self.body, "choiceInteraction", responseIdentifier="RESPONSE", shuffle="false", maxChoices="1")
        for value in ("true", "false"):
            _el(interaction, "simpleChoice", _LABELS[self.lang][value], identifier=value)

    def _entry_paragraph(self, identifier: str, after: str = "") -> None:
        paragraph = _el(self.body, "p")
        entry = _el(paragraph, "textEntryInteraction", responseIdentifier=identifier)
        if after:
            entry.tail = " " + after

    def _numeric(self) -> None:
        self._stem()
        self.declare("RESPONSE", "single", "float", [_fmt(self.q.answer)])
        self.score_if(self.within("RESPONSE", self.q.tolerance))
        self._entry_paragraph("RESPONSE", self.t(self.q.unit) if self.q.unit is not None else "")

    def _text_answers(self, identifier: str, answers: Sequence[str], case_sensitive: bool, amount: float | None) -> None:
        answers = [a for a in dict.fromkeys(answers) if a.strip()]
        self.declare(identifier, "single", "string", answers[:1], [(a, self.q.points) for a in answers],
                     upper=self.q.points, case_sensitive=case_sensitive)
        self.score_if(self.mapped_positive(identifier), amount)

    def _short_text(self) -> None:
        self._stem()
        self._text_answers("RESPONSE", self.q.answers.for_locale(self.lang), self.q.case_sensitive, None)
        self._entry_paragraph("RESPONSE")

    def _matching(self) -> None:
        self._stem()
        pairs = self.q.pairs
        left_ids = [f"l{n + 1}" for n in range(len(pairs))]
        right_ids = [f"r{n + 1}" for n in range(len(pairs) + len(self.q.distractors))]
        keys = [f"{l} {r}" for l, r in zip(left_ids, right_ids)]
        share = self.q.points / len(pairs)
        self.declare("RESPONSE", "multiple", "directedPair", keys, [(k, share) for k in keys], lower=0, upper=self.q.points)
        self.score_mapped("RESPONSE")
        interaction = _el(self.body, "matchInteraction", responseIdentifier="RESPONSE", shuffle="true",
                          maxAssociations=str(len(pairs)))
        lefts = _el(interaction, "simpleMatchSet")
        for identifier, pair in zip(left_ids, pairs):
            _put_markup(_el(lefts, "simpleAssociableChoice", identifier=identifier, matchMax="1"), self.t(pair.left))
        rights = _el(interaction, "simpleMatchSet")
        texts = [p.right for p in pairs] + list(self.q.distractors)
        for identifier, text in zip(right_ids, texts):
            _put_markup(_el(rights, "simpleAssociableChoice", identifier=identifier, matchMax="1"), self.t(text))

    def _ordering(self) -> None:
        self._stem()
        ids = [qti_identifier(i.id) for i in self.q.items]
        self.declare("RESPONSE", "ordered", "identifier", ids)
        self.score_if(self.matches("RESPONSE"))
        self.notes.append(Finding(N_("ordering: QTI scores the whole order; Kontor gives credit per item in place")))
        interaction = _el(self.body, "orderInteraction", responseIdentifier="RESPONSE", shuffle="true")
        for item in self.q.items:
            _put_markup(_el(interaction, "simpleChoice", identifier=qti_identifier(item.id)), self.t(item.text))

    def _gap_text(self, text: str, make_gap: Callable[[str, etree._Element], None]) -> None:
        """Markup with {{gap}} placeholders as one div in which each gap is an inline interaction."""
        container = _el(self.body, "div")
        position = 0
        for match in GAP_PLACEHOLDER.finditer(text):
            _put_markup(container, text[position:match.start()], strip=False)
            make_gap(match.group(1), container)
            position = match.end()
        _put_markup(container, text[position:], strip=False)

    def _cloze(self) -> None:
        gaps = {g.id: g for g in self.q.gaps}
        share = self.q.points / len(gaps)
        for gap in self.q.gaps:  # declared in the quiz's order: the reader keeps that order
            identifier = qti_identifier(gap.id)
            if isinstance(gap, ChoiceGap):
                self.declare(identifier, "single", "identifier", [qti_identifier(o.id) for o in gap.options if o.correct])
                self.score_if(self.matches(identifier), share)
                if any(o.feedback is not None for o in gap.options):
                    self.notes.append(Finding(N_("cloze: feedback on a choice in a gap is not carried by QTI inline choices")))
            elif isinstance(gap, NumericGap):
                self.declare(identifier, "single", "float", [_fmt(gap.answer)])
                self.score_if(self.within(identifier, gap.tolerance), share)
            else:
                self._text_answers(identifier, gap.answers.for_locale(self.lang), gap.case_sensitive, share)

        def make_gap(gap_id: str, container: etree._Element) -> None:
            gap = gaps[gap_id]
            identifier = qti_identifier(gap.id)
            if isinstance(gap, ChoiceGap):
                choice = _el(container, "inlineChoiceInteraction", responseIdentifier=identifier, shuffle="true")
                for option in gap.options:
                    _el(choice, "inlineChoice", resolve_plain(option.text, self.lang), identifier=qti_identifier(option.id))
            else:
                _el(container, "textEntryInteraction", responseIdentifier=identifier)

        self._gap_text(self.t(self.q.text), make_gap)

    def _essay(self) -> None:
        self._stem()
        self.scored_by_human = True
        self.declare("RESPONSE", "single", "string")
        _el(self.body, "extendedTextInteraction", responseIdentifier="RESPONSE")
        if self.q.rubric is not None and self.t(self.q.rubric).strip():
            _put_markup(_el(self.body, "rubricBlock", view="scorer"), self.t(self.q.rubric))
        if self.q.min_words or self.q.max_words:
            self.notes.append(Finding(N_("essay: QTI 2.1 has no word limits; min_words/max_words were left out")))

    def _document_text(self, document: Any) -> str:
        lines: list[str] = []
        if document is None:
            return ""
        if document.title is not None:
            lines.append(f"**{self.t(document.title)}**")
        for entry in document.fields:
            lines.append(f"{self.t(entry.label)}: {self.t(entry.value)}")
        if document.table is not None:
            lines.append(" | ".join(self.t(c) for c in document.table.columns))
            lines.extend(" | ".join(self.t(c) for c in row) for row in document.table.rows)
        if getattr(document, "body", None) is not None:
            lines.append(self.t(document.body))
        return "\n".join(lines)

    def _document_check(self) -> None:
        _block_text(self.body, self.t(self.q.text))
        _block_text(self.body, self._document_text(self.q.reference))
        document = self.q.document
        extra = self._document_text(Document(title=document.title, table=document.table, body=document.body))
        _block_text(self.body, extra)
        faulty = [f for f in document.fields if f.error is not None]
        share = self.q.points / len(faulty)
        self.declare("RESPONSE", "multiple", "identifier", [qti_identifier(f.id) for f in faulty],
                     [(qti_identifier(f.id), share if f.error is not None else -share) for f in document.fields],
                     lower=0, upper=self.q.points)
        self.score_mapped("RESPONSE")
        self.feedback_ids.append("RESPONSE")
        interaction = _el(self.body, "choiceInteraction", responseIdentifier="RESPONSE", shuffle="false", maxChoices="0")
        for entry in document.fields:
            choice = _el(interaction, "simpleChoice", identifier=qti_identifier(entry.id))
            _put_markup(choice, f"{self.t(entry.label)}: {self.t(entry.value)}")
            if entry.error is not None:
                inline = _el(choice, "feedbackInline", outcomeIdentifier="FEEDBACK",
                             identifier=qti_identifier(entry.id), showHide="show")
                _put_markup(inline, self.t(entry.error))
        self.notes.append(Finding(N_("document check: written as a multiple-response question with one choice per field "
                          "(the faulty fields are the correct choices; their error texts are the choices' feedback)")))

    def _data_entry(self) -> None:
        _block_text(self.body, self.t(self.q.text))
        _block_text(self.body, self._document_text(self.q.document))
        share = self.q.points / len(self.q.fields)
        for entry in self.q.fields:
            identifier = qti_identifier(entry.id)
            self._text_answers(identifier, entry.answer, entry.normalize == "exact", share)
            paragraph = _el(self.body, "p")
            _put_markup(paragraph, f"{self.t(entry.label)}:")
            _append_text(paragraph, " ")
            _el(paragraph, "textEntryInteraction", responseIdentifier=identifier)
        self.notes.append(Finding(N_("data entry: written as text entries per field; the source document became text and "
                          "Kontor's normalisation (dates, amounts, codes) is not carried: the expected answers "
                          "are compared as written")))


def resolve_plain(text: LocalText, language: str) -> str:
    return " ".join(resolve(text, language).split())


def _serialise(element: etree._Element) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _write_package(questions: Sequence[Question], *, title: str, language: str) -> ExportedFile:
    notes: list[Finding] = []
    items: list[tuple[str, str, bytes]] = []  # identifier, href, xml
    for question in questions:
        writer = _ItemWriter(question, language)
        root = writer.build()
        root.set(f"{{{XSI_NS}}}schemaLocation",
                 f"{QTI21_NS} http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd")
        identifier = root.get("identifier")
        items.append((identifier, f"items/{identifier}.xml", _serialise(root)))
        notes.extend(replace(note, question=question.id) for note in dict.fromkeys(writer.notes))

    test_id = qti_identifier(slug(title) or "kontor-export")
    test = _el(None, "assessmentTest", identifier=test_id, title=title)
    part = _el(test, "testPart", identifier="part-1", navigationMode="nonlinear", submissionMode="simultaneous")
    section = _el(part, "assessmentSection", identifier="section-1", title=title, visible="true")
    for identifier, href, _xml in items:
        _el(section, "assessmentItemRef", identifier=identifier, href=href)

    manifest = etree.Element(f"{{{CP_NS}}}manifest", nsmap={None: CP_NS}, identifier=f"manifest-{test_id}")
    metadata = etree.SubElement(manifest, f"{{{CP_NS}}}metadata")
    etree.SubElement(metadata, f"{{{CP_NS}}}schema").text = "QTIv2.1 Package"
    etree.SubElement(metadata, f"{{{CP_NS}}}schemaversion").text = "1.0.0"
    etree.SubElement(manifest, f"{{{CP_NS}}}organizations")
    resources = etree.SubElement(manifest, f"{{{CP_NS}}}resources")
    test_resource = etree.SubElement(resources, f"{{{CP_NS}}}resource", identifier="res-test",
                                     type="imsqti_test_xmlv2p1", href="assessmentTest.xml")
    etree.SubElement(test_resource, f"{{{CP_NS}}}file", href="assessmentTest.xml")
    for identifier, _href, _xml in items:
        etree.SubElement(test_resource, f"{{{CP_NS}}}dependency", identifierref=f"res-{identifier}")
    for identifier, href, _xml in items:
        resource = etree.SubElement(resources, f"{{{CP_NS}}}resource", identifier=f"res-{identifier}",
                                    type="imsqti_item_xmlv2p1", href=href)
        etree.SubElement(resource, f"{{{CP_NS}}}file", href=href)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", _serialise(manifest))
        archive.writestr("assessmentTest.xml", _serialise(test))
        for _identifier, href, xml in items:
            archive.writestr(href, xml)
    return ExportedFile(data=buffer.getvalue(), filename=f"{slug(title) or 'questions'}-qti21.zip",
                        media_type="application/zip", notes=notes)


register(QtiFormat())
