"""Question bank interchange: each format reads a file into engine questions and writes them back.

Pure code (bytes in, validated `engine.schema` models out, and back), so the command line, the
instructor's import page and the tests use the same readers. A reader never stores anything: the
caller shows the result as a preview and writes it only when the person confirms (all or nothing).

Contract of every format (see `BankFormat`):
- `read(data, language=...)` returns a `ParsedBank`, or raises `FormatError` when the file as a whole
  cannot be read (malformed, too large, unsafe); a question the format holds but Kontor cannot take
  is *skipped* with a `Finding` that says why and where (line number where the format has lines);
- every reader applies `engine.limits` before building anything (size, count, nesting);
- XML is parsed with entities and DTDs refused (`formats.safe_xml`); zips through `formats.safe_zip`;
- `write(questions, title=..., language=...)` returns an `ExportedFile`; a question the format cannot
  carry faithfully is written in the nearest faithful form with a note in `notes`, never dropped silently.

Monolingual formats (GIFT, Aiken, Moodle XML, QTI) import their text into the one `language` given
(a LocalText with that key only; the other language is then "translation missing"), and export the
given language (falling back to the other where a text has only one).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..schema import Question
from ..text import IMAGE_REFERENCE, images_to_text


@dataclass(frozen=True)
class Finding:
    """Something a person should know about an import or export: what, and where."""

    message: str
    line: int | None = None
    question: str | None = None  # the question's name or id in the source file

    def __str__(self) -> str:
        where = ", ".join(part for part in (
            f"line {self.line}" if self.line is not None else "",
            f"question {self.question!r}" if self.question else "",
        ) if part)
        return f"{where}: {self.message}" if where else self.message


@dataclass
class ParsedBank:
    questions: list[Question] = field(default_factory=list)
    # Category path per question id (Moodle categories, GIFT $CATEGORY, QTI sections) → bank tags.
    tags: dict[str, list[str]] = field(default_factory=dict)
    skipped: list[Finding] = field(default_factory=list)  # not imported, and why
    notes: list[Finding] = field(default_factory=list)  # imported, with a change the person should know
    files: dict[str, bytes] = field(default_factory=dict)  # embedded images by name (size-capped)
    title: str | None = None


@dataclass
class ExportedFile:
    data: bytes
    filename: str
    media_type: str
    notes: list[Finding] = field(default_factory=list)


IMAGE_NOTE = ("an image of the course is written as its description in brackets "
              "(exported files do not carry images yet)")


def without_images(questions: Sequence[Question]) -> tuple[list[Question], list[Finding]]:
    """The questions with every course image reference (``![description](image:ID)``) replaced by
    ``[description]``, and a note for each question that had one.  Writers call it first: an image
    lives in the course's database, which an exported file cannot point to."""
    kept: list[Question] = []
    notes: list[Finding] = []
    for question in questions:
        data = question.model_dump()
        if not IMAGE_REFERENCE.search(repr(data)):
            kept.append(question)
            continue
        kept.append(type(question).model_validate(_replace_images(data)))
        notes.append(Finding(IMAGE_NOTE, question=question.id))
    return kept, notes


def _replace_images(value: Any) -> Any:
    if isinstance(value, str):
        return images_to_text(value)
    if isinstance(value, dict):
        return {key: _replace_images(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_replace_images(item) for item in value]
    return value


LANGUAGE_NOTE = ("language marks are dropped: this format cannot say that a phrase or a text is in "
                 "another language, so the phrase is written without its brackets")
_PHRASE_MARK = re.compile(r"\[([^\[\]\n]+)\]\{lang=(?:de|en)\}")


def without_language_marks(questions: Sequence[Question]) -> tuple[list[Question], list[Finding]]:
    """The questions with every language mark removed (``[phrase]{lang=en}`` → ``phrase``, a text's
    or a document's ``lang`` dropped), and a note for each question that had one. Writers of formats
    that cannot carry the marks (GIFT, Aiken) call it, so their files never show the brackets."""
    kept: list[Question] = []
    notes: list[Finding] = []
    for question in questions:
        data = question.model_dump()
        stripped = _strip_marks(data)
        if stripped == data:
            kept.append(question)
            continue
        kept.append(type(question).model_validate(stripped))
        notes.append(Finding(LANGUAGE_NOTE, question=question.id))
    return kept, notes


def _strip_marks(value: Any) -> Any:
    if isinstance(value, str):
        return _PHRASE_MARK.sub(r"\1", value)
    if isinstance(value, dict):
        return {key: _strip_marks(item) for key, item in value.items() if key != "lang"}
    if isinstance(value, (list, tuple)):
        return [_strip_marks(item) for item in value]
    return value


class FormatError(ValueError):
    """The file as a whole cannot be imported; `findings` say why (nothing was imported)."""

    def __init__(self, findings: Sequence[Finding] | str) -> None:
        if isinstance(findings, str):
            findings = [Finding(findings)]
        self.findings = list(findings)
        super().__init__("; ".join(str(f) for f in self.findings))


class BankFormat(Protocol):
    name: str  # "gift", "aiken", "moodlexml", "qti", "yaml"
    label: str  # shown to people, e.g. "Moodle XML"
    extensions: tuple[str, ...]  # lower-case, with dot: (".gift", ".txt")
    can_write: bool

    def read(self, data: bytes, *, language: str = "en") -> ParsedBank: ...

    def write(self, questions: Sequence[Question], *, title: str, language: str = "en") -> ExportedFile: ...


FORMATS: dict[str, BankFormat] = {}


def register(bank_format: BankFormat) -> BankFormat:
    FORMATS[bank_format.name] = bank_format
    return bank_format


def format_named(name: str) -> BankFormat:
    _load_builtin_formats()
    try:
        return FORMATS[name]
    except KeyError:
        raise FormatError(f"unknown format {name!r}; use one of {', '.join(sorted(FORMATS))}") from None


def format_for_filename(filename: str) -> BankFormat | None:
    """The format a file name suggests (None when ambiguous or unknown: then ask for --format)."""
    _load_builtin_formats()
    lower = filename.lower()
    matches = [f for f in FORMATS.values() if any(lower.endswith(ext) for ext in f.extensions)]
    return matches[0] if len(matches) == 1 else None


def _load_builtin_formats() -> None:
    # Each format module registers itself on import; importing here keeps the registry complete
    # without import cycles at module load.
    import importlib

    for module in ("gift", "aiken", "moodle_xml", "qti"):
        try:
            importlib.import_module(f"{__name__}.{module}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{module}":
                raise
