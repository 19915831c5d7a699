"""Language marks (WCAG 3.1.2) in exchange formats.

Kontor has three marks (quizzes/README.md, "Language of parts"): the phrase mark
``[phrase]{lang=en}``, a whole text's ``lang`` and a document's ``lang``.  HTML carries only the
first one well (``<span lang="en">``), so writers that produce HTML turn the other two into phrase
marks around each text first (`as_phrase_marks`), and readers turn an element's ``lang`` back into a
phrase mark (`wrap_phrase`).  What each format keeps is listed in docs/question-formats.md,
"Language marks".
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..schema import Question
from ..text import LOCALES, Locale
from . import N_, Finding

_HAS_MARK = re.compile(r"\]\{lang=")
_PHRASE = re.compile(r"\[([^\[\]\n]+)\]\{lang=(de|en)\}")  # as engine.text._LANG_MARK
_LETTER = re.compile(r"[^\W\d_]")
# What a phrase mark can hold (engine.text._LANG_MARK): one line, no brackets.
_NOT_IN_PHRASE = re.compile(r"[\[\]\n\x00]")

WHOLE_TEXT_NOTE = N_("the language of a whole text or document (lang: %(codes)s) is written as a mark "
                     "around each text; %(count)s text(s) with brackets, or emphasis across a marked "
                     "phrase, lost it")


def mark_code(raw: str | None) -> Locale | None:
    """'en', 'en-GB', 'EN_us' → 'en'; a language Kontor cannot mark (fr, '') → None."""
    code = (raw or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in LOCALES else None  # type: ignore[return-value]


def wrap_phrase(content: str, code: Locale) -> str | None:
    """``content`` as a phrase mark (outer spaces kept outside), or None when it cannot be one."""
    core = content.strip()
    if not core or _NOT_IN_PHRASE.search(core):
        return None
    lead = content[: len(content) - len(content.lstrip())]
    trail = content[len(content.rstrip()):]
    return f"{lead}[{core}]{{lang={code}}}{trail}"


def wrap_text(text: str, code: Locale) -> tuple[str, bool]:
    """A whole text in language `code` as phrase marks: each line, and around the phrases the text
    already marks (an English invoice's German glosses), each stretch with letters in it.  False
    when some stretch could not be marked (brackets, or emphasis that crosses an existing mark)."""
    if not _HAS_MARK.search(text):
        lines = text.split("\n")
        wrapped = [wrap_phrase(line, code) if _LETTER.search(line) else line for line in lines]
        return "\n".join(w if w is not None else line for w, line in zip(wrapped, lines)), None not in wrapped
    if "*" in text or "`" in text:
        return text, False
    ok = True
    pieces: list[str] = []
    for index, piece in enumerate(_PHRASE.split(text)):
        if index % 3 == 1:
            pieces.append(f"[{piece}]")
        elif index % 3 == 2:
            pieces.append(f"{{lang={piece}}}")
        else:
            marked, fine = wrap_text(piece, code) if _LETTER.search(piece) else (piece, True)
            pieces.append(marked)
            ok &= fine
    return "".join(pieces), ok


def as_phrase_marks(questions: Sequence[Question]) -> tuple[list[Question], list[Finding]]:
    """The questions with every whole-text ``lang`` and document ``lang`` turned into a phrase mark
    around each text it covers, for formats whose texts hold HTML but have no place for a text's or
    a document's language.  A text that cannot be one phrase (line breaks, brackets, its own marks)
    loses the language, with a note per question."""
    kept: list[Question] = []
    notes: list[Finding] = []
    for question in questions:
        data = question.model_dump()
        lost: list[int] = []
        codes: set[str] = set()
        changed = _convert(data, lost, codes)
        if not changed:
            kept.append(question)
            continue
        kept.append(type(question).model_validate(data))
        if lost:
            notes.append(Finding(WHOLE_TEXT_NOTE, question=question.id,
                                 params={"codes": ", ".join(sorted(codes)), "count": len(lost)}))
    return kept, notes


def _is_text(value: Any) -> bool:
    return isinstance(value, dict) and set(value) <= {"de", "en", "lang"} and "lang" in value


def _mark_text(value: Any, code: str, lost: list[int]) -> Any:
    """A dumped LocalText (a string, or a mapping) with each language wrapped in a phrase mark."""
    if isinstance(value, str):
        value = {"de": value, "en": value}
    value = {key: text for key, text in value.items() if key != "lang"}
    failed = False
    for key, text in value.items():
        if text:
            value[key], ok = wrap_text(text, code)
            failed |= not ok
    if failed:
        lost.append(1)
    return value


def _convert(value: Any, lost: list[int], codes: set[str]) -> bool:
    """Rewrite the dumped question in place; True when something carried a language."""
    changed = False
    items = list(enumerate(value)) if isinstance(value, list) else list(value.items()) if isinstance(value, dict) else []
    for key, item in items:
        if _is_text(item):
            codes.add(item["lang"])
            value[key] = _mark_text(item, item["lang"], lost)
            changed = True
        elif isinstance(item, dict) and item.get("lang") and _is_document(item):
            code = item.pop("lang")
            codes.add(code)
            _mark_document(item, code, lost)
            changed = True
        else:
            changed |= _convert(item, lost, codes)
    return changed


def _is_document(value: dict[str, Any]) -> bool:
    return "fields" in value and ("table" in value or "body" in value or "title" in value)


def _mark_document(document: dict[str, Any], code: str, lost: list[int]) -> None:
    """Every text of the document's box (not a field's `error`, which speaks to the student)."""
    def mark(text: Any) -> Any:
        return text if text is None else _mark_text(text, code, lost)

    document["title"] = mark(document.get("title"))
    document["body"] = mark(document.get("body"))
    for entry in document.get("fields") or []:
        entry["label"], entry["value"] = mark(entry["label"]), mark(entry["value"])
    table = document.get("table")
    if table:
        table["columns"] = [mark(cell) for cell in table["columns"]]
        table["rows"] = [[mark(cell) for cell in row] for row in table["rows"]]
