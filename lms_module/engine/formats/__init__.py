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

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import ValidationError

from .. import limits
from ..loader import explain, format_field
from ..schema import QUESTION_TYPES, Question
from ..text import IMAGE_REFERENCE, images_to_text


def N_(text: str) -> str:
    """Marks an English message template for the catalogs (``pybabel extract -k N_``) and returns it
    unchanged: the engine knows no Flask-Babel, so the web layer translates a finding when it shows
    it (``gettext(template, **params)``), in the person's language."""
    return text


@dataclass(frozen=True)
class Invalid:
    """One rule of the engine's question model that an imported question breaks, as plain data: where
    (a dotted path in the question), pydantic's `kind` and context, and the engine's English `message`.
    The authoring layer words it the way the question editor does."""

    location: str
    kind: str
    message: str
    ctx: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


@dataclass(frozen=True)
class Finding:
    """Something a person should know about an import or export: what, and where.

    `template` is the English message with ``%(name)s`` placeholders (an `N_`-marked msgid) and
    `params` its values, so the web layer can show it translated; `message` is the English text.
    `member` names the file inside an archive the finding is about (a QTI package's item), and
    `problems` are the engine's rules a question broke when it was skipped for them."""

    template: str
    line: int | None = None
    question: str | None = None  # the question's name or id in the source file
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    member: str | None = None
    problems: tuple[Invalid, ...] = ()

    @property
    def text(self) -> str:
        """The English message without the archive member."""
        if self.problems:
            return "; ".join(str(problem) for problem in self.problems)
        # As Flask-Babel's gettext: a template is %-formatted only when it has values.
        return self.template % self.params if self.params else self.template

    @property
    def message(self) -> str:
        return f"{self.member}: {self.text}" if self.member else self.text

    def __str__(self) -> str:
        where = ", ".join(part for part in (
            f"line {self.line}" if self.line is not None else "",
            f"question {self.question!r}" if self.question else "",
        ) if part)
        return f"{where}: {self.message}" if where else self.message


def invalid_question(error: ValidationError, *, limit: int | None = None) -> tuple[Invalid, ...]:
    """The rules a question broke, from the engine model's ValidationError (each once, in order)."""
    found: dict[tuple[str, str], Invalid] = {}
    for detail in error.errors():
        loc, message = explain(detail)
        if loc and loc[0] in QUESTION_TYPES:  # the union's tag, not a field
            loc = loc[1:]
        ctx = {key: value for key, value in (detail.get("ctx") or {}).items() if key != "at"}
        problem = Invalid(format_field(loc), detail["type"], message, ctx)
        found.setdefault((problem.location, problem.message), problem)
    return tuple(found.values())[:limit]


class Reason(Exception):
    """Why a question or a line cannot be read, raised where a reader finds it: an `N_` template and
    its values, made into a Finding where the line and the question are known."""

    def __init__(self, template: str, **params: Any) -> None:
        super().__init__(template % params if params else template)
        self.template, self.params = template, params

    def finding(self, **where: Any) -> Finding:
        return Finding(self.template, params=self.params, **where)


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


IMAGE_NOTE = N_("an image of the course is written as its description in brackets "
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


LANGUAGE_NOTE = N_("language marks are dropped: this format cannot say that a phrase or a text is in "
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
    """The file as a whole cannot be imported; `findings` say why (nothing was imported). A string is
    one finding's template, with `params` its values."""

    def __init__(self, findings: Sequence[Finding] | str, **params: Any) -> None:
        if isinstance(findings, str):
            findings = [Finding(findings, params=params)]
        self.findings = list(findings)
        super().__init__("; ".join(str(f) for f in self.findings))


def check_import_size(data: bytes) -> None:
    """Refuse a file larger than an import may be (limits.MAX_IMPORT_BYTES) before anything reads it."""
    if len(data) > limits.MAX_IMPORT_BYTES:
        raise FormatError(N_("the file is larger than %(mb)s MB"), mb=limits.MAX_IMPORT_BYTES // (1024 * 1024))


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
        raise FormatError(N_("unknown format %(name)r; use one of %(formats)s"), name=name,
                          formats=", ".join(sorted(FORMATS))) from None


def format_for_filename(filename: str) -> BankFormat | None:
    """The format a file name suggests (None when ambiguous or unknown: then ask for --format)."""
    _load_builtin_formats()
    lower = filename.lower()
    matches = [f for f in FORMATS.values() if any(lower.endswith(ext) for ext in f.extensions)]
    return matches[0] if len(matches) == 1 else None


# What each import format's content starts with or holds, for format_for_content. Loose on purpose:
# it only names a format to suggest when the chosen one found nothing, never reads with it.
_XML_PROLOG = re.compile(r"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*", re.S)
_XML_ROOT = re.compile(r"<(?:[\w.-]+:)?([A-Za-z_][\w.-]*)")
_XML_ROOTS = {"quiz": "moodlexml", "questestinterop": "qti", "assessmentItem": "qti", "assessmentTest": "qti"}
_YAML_QUESTIONS = re.compile(r"^questions:[ \t]*(?:#.*)?$", re.M)
_AIKEN_ANSWER = re.compile(r"^[ \t]*ANSWER:[ \t]*[A-Z][ \t]*$", re.M | re.I)
_AIKEN_OPTION = re.compile(r"^[ \t]*[A-Z][.)][ \t]+\S", re.M)
_GIFT_SHAPE = re.compile(r"^[ \t]*::[^:\n]*::|^\$CATEGORY:|\{\s*(?:[=~#}]|(?:T|F|TRUE|FALSE)\s*\})", re.M)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def format_for_content(data: bytes) -> str | None:
    """The import format a file's content looks like ("moodlexml", "qti", "yaml", "aiken", "gift"),
    or None. Used to tell a person who chose another format which one to choose; a zip counts as
    QTI only when it holds an imsmanifest.xml (its list of names is read, nothing unpacked)."""
    if not data or len(data) > limits.MAX_IMPORT_BYTES:
        return None
    if data[:4] in _ZIP_MAGIC:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return "qti" if "imsmanifest.xml" in archive.namelist() else None
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    head = text[:65536]
    prolog = _XML_PROLOG.match(head)
    root = _XML_ROOT.match(head, prolog.end() if prolog else 0)
    if root:
        return _XML_ROOTS.get(root.group(1))
    if _YAML_QUESTIONS.search(text):
        return "yaml"
    if _AIKEN_ANSWER.search(text) and _AIKEN_OPTION.search(text):
        return "aiken"
    if _GIFT_SHAPE.search(text):
        return "gift"
    return None


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
