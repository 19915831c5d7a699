"""What the two line-based text formats (GIFT, Aiken) share: decoding with limits, question ids,
one-language texts and validation through the engine's own rules.

Pure code: no Flask, no database.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import TypeAdapter, ValidationError

from .. import limits
from ..schema import Question
from ..text import resolve
from . import N_, Finding, FormatError, Invalid, Reason, check_import_size, invalid_question

_QUESTION = TypeAdapter(Question)
# C0 control characters other than tab, line feed and carriage return (as the quiz loader refuses).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Malformed(Reason):
    """A syntax error at a line; readers collect them and raise one FormatError with all."""

    def __init__(self, template: str, line: int | None = None, question: str | None = None, **params) -> None:
        super().__init__(template, **params)
        self.line, self.question = line, question


class Unfit(ValueError):
    """The question breaks the engine's rules; `problems` say which."""

    def __init__(self, problems: tuple[Invalid, ...]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


def decode(data: bytes) -> str:
    """The file as text, with the size and character limits applied before anything is parsed."""
    check_import_size(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FormatError([Finding(N_("the file is not UTF-8 text"), line=line)]) from None
    match = _CONTROL.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        raise FormatError([Finding(N_("control character %(code)s is not allowed"), line=line,
                                   params={"code": f"U+{ord(match.group()):04X}"})])
    return text.replace("\r\n", "\n").replace("\r", "\n")


_TOO_LONG = {
    "text": N_("the text is longer than %(n)s characters"),
    "option": N_("the option is longer than %(n)s characters"),
    "feedback": N_("the feedback is longer than %(n)s characters"),
    "answer": N_("the answer is longer than %(n)s characters"),
    "choice": N_("the choice is longer than %(n)s characters"),
    "item": N_("the item is longer than %(n)s characters"),
}


def check_text(text: str, line: int | None, what: str = "text") -> str:
    if len(text) > limits.MAX_TEXT_CHARS:
        raise Malformed(_TOO_LONG.get(what, _TOO_LONG["text"]), line, n=f"{limits.MAX_TEXT_CHARS:,}")
    return text


def local(text: str, language: str) -> dict[str, str]:
    """A one-language LocalText (the other language is then "translation missing")."""
    return {language: text}


class QuestionIds:
    """Question ids from names (a slug, unique in the import: -2, -3), else q-1, q-2 by position."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def next(self, name: str | None, position: int) -> str:
        base = slugify(name or "")[:58].strip("-") or f"q-{position}"
        candidate, suffix = base, 2
        while candidate in self.used:
            candidate = f"{base}-{suffix}"
            suffix += 1
        self.used.add(candidate)
        return candidate


_TRANSLITERATE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})


def slugify(value: str) -> str:
    value = value.translate(_TRANSLITERATE).lower()
    return re.sub(r"[^a-z0-9]+", "-", value).strip("-")


def validate(data: dict) -> Question:
    """The engine's own validation; raises Unfit with the rules the question breaks."""
    try:
        return _QUESTION.validate_python(data)
    except ValidationError as error:
        raise Unfit(invalid_question(error)) from None


def check_count(count: int) -> None:
    if count > limits.MAX_IMPORT_QUESTIONS:
        raise FormatError(N_("the file holds %(count)s questions; at most %(max)s can be imported at once"),
                          count=count, max=limits.MAX_IMPORT_QUESTIONS)


def raise_if(errors: Iterable[Malformed]) -> None:
    findings = [e.finding(line=e.line, question=e.question) for e in errors]
    if findings:
        raise FormatError(findings)


def text_of(value, language: str) -> str:
    """A LocalText (or None) in `language`, falling back to the other language."""
    return resolve(value, language)
