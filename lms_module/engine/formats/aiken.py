"""Aiken, Moodle's simplest text format: single-choice questions only (docs/question-formats.md, "Aiken").

    What is the correct answer to this question?
    A. Is it this one?
    B) Maybe this answer?
    ANSWER: A

The question text comes first (Kontor also accepts it over several lines), then options that start
with a capital letter and "." or ")", then the ANSWER line. Questions may be separated by blank lines.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from ..schema import Question
from ..text import resolve
from . import N_, ExportedFile, Finding, ParsedBank, register, without_images, without_language_marks
from .line_formats import Malformed, QuestionIds, Unfit, check_count, check_text, decode, local, raise_if, validate

_OPTION = re.compile(r"^([A-Z])[.)]\s+(.*\S)\s*$")
_ANSWER = re.compile(r"^ANSWER:\s*(\S*)\s*$", re.I)
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class AikenFormat:
    name = "aiken"
    label = "Aiken"
    extensions = (".aiken", ".txt")
    can_write = True

    def read(self, data: bytes, *, language: str = "en") -> ParsedBank:
        text = decode(data)
        bank = ParsedBank()
        ids = QuestionIds()
        errors: list[Malformed] = []
        stem: list[str] = []
        options: list[tuple[str, str]] = []
        start = 0
        questions: list[tuple[int, list[str], list[tuple[str, str]], str]] = []
        for number, raw in enumerate(text.split("\n"), start=1):
            line = raw.strip()
            if not line:
                continue
            answer = _ANSWER.match(line)
            option = _OPTION.match(line)
            if answer:
                if not stem:
                    errors.append(Malformed(N_("ANSWER without a question before it"), number))
                elif not options:
                    errors.append(Malformed(N_("the question has no options (A. …, B. …)"), start))
                else:
                    questions.append((start, stem, options, answer.group(1)))
                stem, options = [], []
            elif option and stem:
                options.append(option.groups())
            elif options:
                errors.append(Malformed(N_("a question ends with an ANSWER: line before the next begins"), number))
                stem, options = [], []
            else:
                if not stem:
                    start = number
                stem.append(line)
        if stem:
            errors.append(Malformed(N_("the question has no ANSWER: line"), start))
        raise_if(errors)
        check_count(len(questions))
        for position, (line, stem_lines, option_pairs, key) in enumerate(questions, start=1):
            letters = [letter for letter, _ in option_pairs]
            if key.upper() not in letters or len(key) != 1:
                errors.append(Malformed(N_("ANSWER: %(key)r is not one of the options %(letters)s"), line, key=key,
                                        letters=", ".join(letters)))
                continue
            if len(set(letters)) != len(letters):
                errors.append(Malformed(N_("two options have the same letter"), line))
                continue
            try:
                data = {
                    "id": ids.next(None, position),
                    "type": "single",
                    "text": local(check_text("\n".join(stem_lines), line), language),
                    "options": [{"id": letter.lower(), "text": local(check_text(text, line, "option"), language),
                                 "correct": letter == key.upper()} for letter, text in option_pairs],
                }
            except Malformed as error:
                errors.append(error)
                continue
            try:
                bank.questions.append(validate(data))
            except Unfit as error:
                bank.skipped.append(Finding("", line=line, question=data["id"], problems=error.problems))
        raise_if(errors)
        return bank

    def write(self, questions: Sequence[Question], *, title: str, language: str = "en") -> ExportedFile:
        questions, notes = without_images(questions)
        questions, language_notes = without_language_marks(questions)
        notes.extend(language_notes)
        chunks: list[str] = []
        for q in questions:
            if q.type != "single":
                notes.append(Finding(N_("Aiken holds single-choice questions only; this %(type)s question is not "
                                        "written"), question=q.id, params={"type": q.type}))
                continue
            if len(q.options) > len(_LETTERS):
                notes.append(Finding(N_("Aiken has 26 option letters; this question has more and is not written"),
                                     question=q.id))
                continue
            text = resolve(q.text, language)
            options = [resolve(o.text, language) for o in q.options]
            if any("\n" in t for t in [text, *options]):
                notes.append(Finding(N_("line breaks become spaces (Aiken texts are one line)"), question=q.id))
            if q.explanation is not None or any(o.feedback for o in q.options) or q.points != 1:
                notes.append(Finding(N_("Aiken has no feedback, explanation or points; not written"), question=q.id))
            chunks.append(_one_line(text))
            key = ""
            for letter, option, option_text in zip(_LETTERS, q.options, options):
                chunks.append(f"{letter}. {_one_line(option_text)}")
                if option.correct:
                    key = letter
            chunks += [f"ANSWER: {key}", ""]
        filename = (re.sub(r"[^A-Za-z0-9_-]+", "-", title).strip("-") or "questions") + ".aiken.txt"
        return ExportedFile(data="\n".join(chunks).encode("utf-8"), filename=filename,
                            media_type="text/plain; charset=utf-8", notes=notes)


def _one_line(text: str) -> str:
    return " ".join(text.split())


register(AikenFormat())
