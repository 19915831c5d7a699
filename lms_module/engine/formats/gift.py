"""GIFT, Moodle's text format for question banks: reader and writer (docs/question-formats.md, "GIFT").

A question is a block of lines, separated from the next by a blank line:

    // comment lines are ignored ([tag:x] in them becomes a tag, [kontor-points:2] the points)
    $CATEGORY: $course$/top/Billing/DRG
    ::name::[markdown]Question text {=right#feedback ~wrong#feedback ~%50%half ####general feedback}

The answer block `{...}` decides the type as Moodle does: empty → essay, `#…` → numeric,
with `~` → choice, `=a -> b` → matching, T/TRUE/F/FALSE → true/false, `=a =b` → short answer;
no block → a description (skipped). Text after the block makes a "missing word" question: Kontor
reads it as a cloze with one gap, so the gap stays inside the sentence as in Moodle.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from ..schema import Question
from ..text import resolve
from . import N_, ExportedFile, Finding, FormatError, ParsedBank, register, without_images, without_language_marks
from .html_markup import html_to_markup
from .line_formats import (
    Malformed,
    QuestionIds,
    Unfit,
    check_count,
    check_text,
    decode,
    local,
    raise_if,
    validate,
)

# Escaped characters become private-use code points while a block is parsed, so that they never
# count as syntax, and are turned back into the plain character in texts.
_ESCAPABLE = "\\~=#{}:"
_SENTINEL = {char: chr(0xF0000 + index) for index, char in enumerate(_ESCAPABLE)}
_NEWLINE = chr(0xF0000 + len(_ESCAPABLE))  # \n: a line break inside a text, never a block boundary
_RESTORE = str.maketrans({**{v: k for k, v in _SENTINEL.items()}, _NEWLINE: "\n"})
_FORMAT_MARKER = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.I)
_WEIGHT = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")
_META = re.compile(r"\[(tag|kontor-points):([^\]]*)\]")
_GENERIC_CATEGORY_PARTS = {"top", ""}
_FULL = Decimal(100)


def _protect(text: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            if following in _SENTINEL:
                out.append(_SENTINEL[following])
                index += 2
                continue
            if following == "n":
                out.append(_NEWLINE)
                index += 2
                continue
        out.append(char)
        index += 1
    return "".join(out)


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


class _Block:
    def __init__(self, line: int) -> None:
        self.line = line
        self.lines: list[str] = []
        self.meta: list[tuple[str, str]] = []


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    pending_meta: list[tuple[str, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            found = _META.findall(stripped)
            (current.meta if current is not None else pending_meta).extend(found)
            continue
        if not stripped:
            current = None
            continue
        if current is None:
            current = _Block(number)
            current.meta, pending_meta = pending_meta, []
            blocks.append(current)
        current.lines.append(line)
    return blocks


class _Answer:
    def __init__(self, marker: str, text: str, weight: Decimal | None, feedback: str | None) -> None:
        self.marker, self.text, self.weight, self.feedback = marker, text, weight, feedback

    @property
    def fraction(self) -> Decimal:
        if self.weight is not None:
            return self.weight
        return _FULL if self.marker == "=" else Decimal(0)


def _split_answers(body: str, line: int) -> list[_Answer]:
    """`=a#fb ~%50%b` → answers; text before the first marker is an error."""
    parts = re.split(r"(?=[=~])", body)
    if parts and parts[0].strip():
        raise Malformed(N_("unexpected text %(text)r before the first = or ~ in the answers"), line,
                        text=_restore(parts[0].strip())[:40])
    answers = []
    for part in parts[1:]:
        marker, rest = part[0], part[1:]
        weight = None
        match = _WEIGHT.match(rest)
        if match:
            weight = Decimal(match.group(1))
            rest = rest[match.end():]
        text, _, feedback = rest.partition("#")
        answers.append(_Answer(marker, text.strip(), weight, feedback.strip() if _ else None))
    return answers


def _number(text: str, line: int) -> Decimal:
    try:
        value = Decimal(_restore(text).strip())
    except InvalidOperation:
        raise Malformed(N_("%(text)r is not a number"), line, text=_restore(text).strip()) from None
    if not value.is_finite():
        raise Malformed(N_("%(text)r is not a finite number"), line, text=_restore(text).strip())
    return value


def _numeric_value(text: str, line: int) -> tuple[Decimal, Decimal]:
    """`12:0.5` → (12, 0.5); `10..20` → (15, 5); `12` → (12, 0)."""
    if ".." in text:
        low, _, high = text.partition("..")
        low_value, high_value = _number(low, line), _number(high, line)
        return (low_value + high_value) / 2, (high_value - low_value) / 2
    if _SENTINEL[":"] in text:  # written as \: by mistake: still a tolerance separator
        text = text.replace(_SENTINEL[":"], ":")
    value, _, tolerance = text.partition(":")
    return _number(value, line), (_number(tolerance, line) if _ else Decimal(0))


class GiftFormat:
    name = "gift"
    label = "GIFT"
    extensions = (".gift", ".txt")
    can_write = True

    # --- reading ---------------------------------------------------------------------------------

    def read(self, data: bytes, *, language: str = "en") -> ParsedBank:
        text = decode(data)
        reserved = re.search("[\U000F0000-\U000F00FF]", text)
        if reserved:
            raise FormatError([Finding(N_("private-use character not allowed"),
                                       line=text.count("\n", 0, reserved.start()) + 1)])
        bank = ParsedBank()
        ids = QuestionIds()
        errors: list[Malformed] = []
        category: list[str] = []
        blocks = _blocks(_protect(text))
        check_count(sum(1 for b in blocks if not "".join(b.lines).lstrip().startswith("$CATEGORY:")))
        position = 0
        for block in blocks:
            lines = block.lines
            if lines[0].lstrip().startswith("$CATEGORY:"):
                category = _category(_restore(lines[0].lstrip()[len("$CATEGORY:"):]))
                lines = lines[1:]
                if not lines:
                    continue
            position += 1
            try:
                self._read_block(block, "\n".join(lines), position, language, category, ids, bank)
            except Malformed as error:
                errors.append(error)
        raise_if(errors)
        return bank

    def _read_block(self, block: _Block, source: str, position: int, language: str,
                    category: list[str], ids: QuestionIds, bank: ParsedBank) -> None:
        line = block.line
        name = None
        rest = source.strip()
        if rest.startswith("::"):
            name_part, found, after = rest[2:].partition("::")
            if not found:
                raise Malformed(N_("the question name starting with :: is not closed with ::"), line)
            name = _restore(name_part).strip()
            rest = after
        label = name or None
        opens, closes = rest.count("{"), rest.count("}")
        if opens == 0 and closes == 0:
            bank.skipped.append(Finding(N_("a description (text without answers) is not a question in Kontor; skipped"),
                                        line=line, question=label))
            return
        if opens != 1 or closes != 1 or rest.index("{") > rest.index("}"):
            raise Malformed(N_("a question needs exactly one answer block { … } (write \\{ and \\} for braces in text)"),
                            line, label)
        before, _, remainder = rest.partition("{")
        answer, _, after = remainder.partition("}")
        fmt = "moodle"
        match = _FORMAT_MARKER.match(before)
        if match:
            fmt = match.group(1).lower()
            before = before[match.end():]
        answer, found, general = answer.partition("####")
        context = _Context(language, fmt, line, label)
        data: dict = {}
        if found and general.strip():
            data["explanation"] = context.text(general)
        meta_points = [value for key, value in block.meta if key == "kontor-points"]
        if meta_points:
            try:
                points = float(meta_points[-1])
                data["points"] = points
            except ValueError:
                raise Malformed(N_("%(marker)s is not a number"), line, label,
                                marker=f"[kontor-points:{meta_points[-1]}]") from None
        body = answer.strip()
        missing_word = bool(after.strip())
        kind = _kind(body)
        if kind is None:
            raise Malformed(N_("cannot tell the question type from the answers %(answers)s"), line, label,
                            answers=f"{{{_restore(body)[:40]}}}")
        question_id = ids.next(name, position)
        data["id"] = question_id
        if missing_word and kind in ("choice", "short_text", "numeric"):
            built = _cloze(kind, body, before, after, context, data)
        else:
            stem = before + (" _____ " + after.strip() if missing_word else "")
            data["text"] = context.text(stem)
            built = {
                "essay": _essay, "numeric": _numeric, "choice": _choice, "matching": _matching,
                "true_false": _true_false, "short_text": _short_text,
            }[kind](body, context, data)
        if built is None:
            return
        try:
            question = validate(built)
        except Unfit as error:
            bank.skipped.append(Finding("", line=line, question=label or question_id, problems=error.problems))
            return
        bank.questions.append(question)
        bank.notes.extend(replace(note, line=line, question=label or question_id) for note in context.notes)
        tags = [*category, *(_restore(v).strip() for k, v in block.meta if k == "tag" and v.strip())]
        if tags:
            bank.tags[question_id] = list(dict.fromkeys(tags))

    # --- writing ---------------------------------------------------------------------------------

    def write(self, questions: Sequence[Question], *, title: str, language: str = "en") -> ExportedFile:
        questions, image_notes = without_images(questions)
        questions, language_notes = without_language_marks(questions)
        writer = _Writer(language)
        writer.notes.extend([*image_notes, *language_notes])
        chunks = [f"// {_one_line(title)}", "// Exported from Kontor (GIFT, Moodle's question text format)", ""]
        for question in questions:
            chunks.extend(writer.question(question))
        filename = (re.sub(r"[^A-Za-z0-9_-]+", "-", title).strip("-") or "questions") + ".gift.txt"
        return ExportedFile(data="\n".join(chunks).encode("utf-8"), filename=filename,
                            media_type="text/plain; charset=utf-8", notes=writer.notes)


def _category(path: str) -> list[str]:
    # "//" is a slash inside a category name in Moodle's paths.
    parts = path.strip().replace("//", "\x00").split("/")
    parts = [p.replace("\x00", "/").strip() for p in parts]
    return [p for p in parts if p.lower() not in _GENERIC_CATEGORY_PARTS and not (p.startswith("$") and p.endswith("$"))]


def _kind(body: str) -> str | None:
    if not body:
        return "essay"
    if body.startswith("#"):
        return "numeric"
    if "~" in body:
        return "choice"
    if "=" in body and "->" in body:
        return "matching"
    if body.partition("#")[0].strip().upper() in ("T", "TRUE", "F", "FALSE"):
        return "true_false"
    if body.startswith("="):
        return "short_text"
    return None


class _Context:
    """Turns GIFT text into a one-language Kontor text and collects what changed on the way."""

    def __init__(self, language: str, fmt: str, line: int, label: str | None) -> None:
        self.language, self.fmt, self.line, self.label = language, fmt, line, label
        self.notes: list[Finding] = []

    def plain(self, raw: str, what: str = "text", strip: bool = True) -> str:
        fmt = self.fmt
        match = _FORMAT_MARKER.match(raw)
        if match:
            fmt = match.group(1).lower()
            raw = raw[match.end():]
        text = _restore(raw).strip() if strip else _restore(raw)
        if fmt == "html":
            # GIFT's own [html] texts separate paragraphs; Kontor's blank line keeps them apart.
            converted = html_to_markup(text, paragraph_break="\n\n")
            text = converted.text
            if converted.lost:
                self.note(N_("HTML that has no Markdown form (images, links, tables, ...) was reduced to its text"))
        return check_text(text, self.line, what)

    def text(self, raw: str, what: str = "text") -> dict[str, str]:
        return local(self.plain(raw, what), self.language)

    def note(self, template: str, **params) -> None:
        note = Finding(template, params=params)
        if note not in self.notes:
            self.notes.append(note)

    def fail(self, template: str, **params) -> Malformed:
        return Malformed(template, self.line, self.label, **params)


def _append_explanation(data: dict, context: _Context, extra: list[str], why: str) -> None:
    extra = [e for e in extra if e]
    if not extra:
        return
    existing = data.get("explanation", {}).get(context.language, "")
    data["explanation"] = local("\n\n".join([*([existing] if existing else []), *extra]), context.language)
    context.note(why)


def _essay(body: str, context: _Context, data: dict) -> dict:
    return {**data, "type": "essay"}


def _numeric_answers(body: str, context: _Context) -> list[_Answer]:
    inner = body[1:]
    if "=" in inner or "~" in inner:
        return _split_answers(inner, context.line)
    value, _, feedback = inner.partition("#")
    return [_Answer("=", value, None, feedback.strip() if _ else None)]


def _best_numeric(body: str, context: _Context, data: dict) -> tuple[Decimal, Decimal]:
    answers = [a for a in _numeric_answers(body, context) if a.fraction > 0]
    if not answers:
        raise context.fail(N_("a numeric question needs an answer with credit, e.g. {#12:0.5}"))
    best = max(answers, key=lambda a: a.fraction)
    value, tolerance = _numeric_value(best.text, context.line)
    others = [a for a in answers if a is not best]
    if others:
        context.note(N_("Kontor accepts one number with a tolerance: kept %(kept)s, dropped %(n)s other "
                        "answer(s) and their partial credit"), kept=_restore(best.text).strip(), n=len(others))
    if best.fraction != _FULL:
        context.note(N_("the kept answer's %(percent)s%% becomes full credit"), percent=f"{best.fraction:g}")
    _append_explanation(data, context, [context.plain(best.feedback or "", "feedback")],
                        N_("feedback on the answer is kept in the explanation (Kontor has none per number)"))
    return value, tolerance


def _numeric(body: str, context: _Context, data: dict) -> dict:
    value, tolerance = _best_numeric(body, context, data)
    return {**data, "type": "numeric", "answer": value, "tolerance": tolerance}


def _choice_options(answers: list[_Answer], context: _Context) -> tuple[list[dict], str]:
    """Options and the Kontor type (single or multiple) that keeps Moodle's scoring best."""
    positives = [a for a in answers if a.fraction > 0]
    full = [a for a in answers if a.fraction >= _FULL]
    if len(full) == 1 or len(positives) <= 1:
        kind = "single"
        correct = full[:1] or positives[:1]
        partial = [a for a in positives if a not in correct]
        if partial:
            context.note(N_("partial credit of %(n)s option(s) dropped: Kontor's single choice is all or nothing"),
                         n=len(partial))
        if correct and correct[0].fraction != _FULL:
            context.note(N_("the only option with credit (%(percent)s%%) becomes the correct one"),
                         percent=f"{correct[0].fraction:g}")
        if any(a.fraction < 0 for a in answers):
            context.note(N_("negative weights dropped: a wrong answer scores 0 in Kontor's single choice"))
    else:
        kind = "multiple"
        correct = positives
        share = _FULL / len(positives)
        exact = all(abs(a.fraction - share) < Decimal("0.01") for a in positives) and all(
            abs(a.fraction + share) < Decimal("0.01") for a in answers if a.fraction <= 0)
        if not exact:
            context.note(N_("weights changed to Kontor's multiple-choice scoring: each correct option counts "
                            "%(share)s%%, each wrong option chosen takes %(share)s%% off (never below 0)"),
                         share=f"{share:.5g}")
    options = []
    for index, answer in enumerate(answers):
        option = {"id": _option_id(index), "text": context.text(answer.text, "option"),
                  "correct": answer in correct}
        if answer.feedback:
            option["feedback"] = context.text(answer.feedback, "feedback")
        options.append(option)
    return options, kind


def _option_id(index: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[index] if index < 26 else f"o{index + 1}"


def _choice(body: str, context: _Context, data: dict) -> dict:
    options, kind = _choice_options(_split_answers(body, context.line), context)
    return {**data, "type": kind, "options": options}


def _matching(body: str, context: _Context, data: dict) -> dict:
    pairs, distractors = [], []
    for answer in _split_answers(body, context.line):
        if answer.marker != "=":
            raise context.fail(N_("matching pairs start with =, e.g. {=Canada -> Ottawa}"))
        if "->" not in answer.text:
            raise context.fail(N_("a matching pair needs ->: %(text)r"), text=_restore(answer.text)[:40])
        left, _, right = answer.text.partition("->")
        if answer.feedback:
            context.note(N_("feedback in a matching question dropped (Moodle ignores it too)"))
        if not left.strip():
            distractors.append(context.text(right, "choice"))
        else:
            pairs.append({"left": context.text(left, "item"), "right": context.text(right, "choice")})
    return {**data, "type": "matching", "pairs": pairs, "distractors": distractors}


def _true_false(body: str, context: _Context, data: dict) -> dict:
    value, _, feedback = body.partition("#")
    wrong, _, right = feedback.partition("#")
    _append_explanation(data, context, [context.plain(right, "feedback"), context.plain(wrong, "feedback")],
                        N_("the true/false answer feedback is kept in the explanation"))
    return {**data, "type": "true_false", "answer": value.strip().upper() in ("T", "TRUE")}


def _accepted(body: str, context: _Context, data: dict) -> list[str]:
    accepted, feedback = [], []
    for answer in _split_answers(body, context.line):
        if answer.fraction >= _FULL:
            accepted.append(context.plain(answer.text, "answer"))
            feedback.append(context.plain(answer.feedback or "", "feedback"))
        else:
            context.note(N_("answer %(text)r with %(percent)s%% dropped: Kontor accepts full-credit answers only"),
                         text=_restore(answer.text).strip(), percent=f"{answer.fraction:g}")
    _append_explanation(data, context, feedback, N_("feedback on accepted answers is kept in the explanation"))
    return accepted


def _short_text(body: str, context: _Context, data: dict) -> dict:
    return {**data, "type": "short_text", "answers": {context.language: _accepted(body, context, data)}}


def _cloze(kind: str, body: str, before: str, after: str, context: _Context, data: dict) -> dict:
    gap: dict = {"id": "gap"}
    if kind == "choice":
        options, option_kind = _choice_options(_split_answers(body, context.line), context)
        if option_kind == "multiple":  # several correct options cannot be one select in a sentence
            return {**data, "text": context.text(before + " _____ " + after.strip()), "type": "multiple",
                    "options": options}
        gap.update(type="choice", options=options)
    elif kind == "short_text":
        gap.update(type="short_text", answers={context.language: _accepted(body, context, data)})
    else:
        value, tolerance = _best_numeric(body, context, data)
        gap.update(type="numeric", answer=value, tolerance=tolerance)
    # The gap keeps its surroundings exactly: "costs {#19} EUR." → "costs {{gap}} EUR."
    text = (context.plain(before, strip=False) + "{{gap}}" + context.plain(after, strip=False)).strip()
    return {**data, "type": "cloze", "text": local(check_text(text, context.line), context.language),
            "gaps": [gap]}


# --- writing -----------------------------------------------------------------------------------------------


def _escape(text: str) -> str:
    out = []
    for char in text:
        if char in _ESCAPABLE:
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        else:
            out.append(char)
    return "".join(out)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _weight(value: Decimal) -> str:
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


class _Writer:
    def __init__(self, language: str) -> None:
        self.language = language
        self.notes: list[Finding] = []

    def t(self, value) -> str:
        return resolve(value, self.language)

    def note(self, question, template: str, **params) -> None:
        self.notes.append(Finding(template, question=question.id, params=params))

    def head(self, name: str, points: float, text: str) -> str:
        meta = f"// [kontor-points:{points:g}]\n" if points != 1 else ""
        marker = "[markdown]" if re.search(r"[*`]", text) else ""
        return f"{meta}::{_escape(name)}::{marker}{_escape(text)}"

    def general(self, question) -> str:
        explanation = self.t(question.explanation)
        return f"####{_escape(explanation)}" if explanation else ""

    def question(self, q) -> list[str]:
        if q.points != 1:
            self.note(q, N_("%(points)s points kept in a comment that Kontor reads back; Moodle gives the question "
                            "its default mark instead"), points=f"{q.points:g}")
        lost = [name for name in ("source", "difficulty", "valid_as_of", "review_by") if getattr(q, name) is not None]
        if lost:
            self.note(q, N_("GIFT has no place for %(fields)s; not written"), fields=", ".join(lost))
        method = getattr(self, f"_{q.type}")
        return method(q)

    def _block(self, q, name: str, points: float, text: str, answers: str, after: str | None = None) -> list[str]:
        # A missing-word question (after is not None) keeps the exact spacing around its gap.
        space, tail = (" ", "") if after is None else ("", _escape(after))
        return [f"{self.head(name, points, text)}{space}{{{answers}{self.general(q)}}}{tail}", ""]

    def _options(self, options, kind: str) -> str:
        correct = [o for o in options if o.correct]
        parts = []
        share = _FULL / len(correct) if correct else _FULL
        for option in options:
            if kind == "single":
                prefix = "=" if option.correct else "~"
            else:
                prefix = f"~%{_weight(share if option.correct else -share)}%"
            feedback = self.t(option.feedback)
            parts.append(f"{prefix}{_escape(self.t(option.text))}" + (f"#{_escape(feedback)}" if feedback else ""))
        return "\n\t" + "\n\t".join(parts) + "\n"

    def _single(self, q) -> list[str]:
        return self._block(q, q.id, q.points, self.t(q.text), self._options(q.options, "single"))

    def _multiple(self, q) -> list[str]:
        return self._block(q, q.id, q.points, self.t(q.text), self._options(q.options, "multiple"))

    def _true_false(self, q) -> list[str]:
        return self._block(q, q.id, q.points, self.t(q.text), "TRUE" if q.answer else "FALSE")

    def _numeric_answer(self, answer: Decimal, tolerance: Decimal) -> str:
        return f"#{answer:f}:{tolerance:f}"

    def _numeric(self, q) -> list[str]:
        if q.unit is not None:
            self.note(q, N_("GIFT numeric answers have no unit; the unit %(unit)r is not written"), unit=self.t(q.unit))
        return self._block(q, q.id, q.points, self.t(q.text), self._numeric_answer(q.answer, q.tolerance))

    def _accepted(self, q, answers, case_sensitive: bool) -> str:
        if case_sensitive:
            self.note(q, N_("GIFT short answers are case-insensitive in Moodle; case sensitivity is not written"))
        return " ".join(f"={_escape(a)}" for a in answers.for_locale(self.language))

    def _short_text(self, q) -> list[str]:
        return self._block(q, q.id, q.points, self.t(q.text), self._accepted(q, q.answers, q.case_sensitive))

    def _matching(self, q) -> list[str]:
        parts = [f"={_escape(self.t(p.left))} -> {_escape(self.t(p.right))}" for p in q.pairs]
        parts += [f"= -> {_escape(self.t(d))}" for d in q.distractors]
        return self._block(q, q.id, q.points, self.t(q.text), "\n\t" + "\n\t".join(parts) + "\n")

    def _ordering(self, q) -> list[str]:
        self.note(q, N_("GIFT has no ordering question: written as a matching of each item to its position "
                        "(scored the same: each item in the right place counts)"))
        parts = [f"={_escape(self.t(item.text))} -> {index}" for index, item in enumerate(q.items, start=1)]
        return self._block(q, q.id, q.points, self.t(q.text), "\n\t" + "\n\t".join(parts) + "\n")

    def _gap_answers(self, q, gap) -> str:
        if gap.type == "choice":
            return self._options(gap.options, "single").strip()
        if gap.type == "numeric":
            return self._numeric_answer(gap.answer, gap.tolerance)
        return self._accepted(q, gap.answers, gap.case_sensitive)

    def _cloze(self, q) -> list[str]:
        text = self.t(q.text)
        if len(q.gaps) > 1:
            self.note(q, N_("GIFT has one gap per question: the cloze is written as %(n)s missing-word "
                            "questions, one per gap, sharing the points"), n=len(q.gaps))
        lines: list[str] = []
        for gap in q.gaps:
            before, _, after = text.partition("{{" + gap.id + "}}")
            before, after = (_blank_other_gaps(part) for part in (before, after))
            name = q.id if len(q.gaps) == 1 else f"{q.id}-{gap.id}"
            lines += self._block(q, name, q.points / len(q.gaps), before, self._gap_answers(q, gap), after)
        return lines

    def _essay(self, q) -> list[str]:
        dropped = [n for n, v in (("rubric", q.rubric), ("min_words", q.min_words), ("max_words", q.max_words)) if v]
        if dropped:
            self.note(q, N_("GIFT essays have no %(fields)s; not written"), fields=", ".join(dropped))
        return self._block(q, q.id, q.points, self.t(q.text), "")

    def _document_text(self, document, with_fields: bool = True) -> list[str]:
        lines = []
        if document is None:
            return lines
        if document.title is not None:
            lines.append(f"**{self.t(document.title)}**")
        if with_fields:
            lines += [f"{self.t(f.label)}: {self.t(f.value)}" for f in document.fields]
        if document.table is not None:
            lines.append(" | ".join(self.t(c) for c in document.table.columns))
            lines += [" | ".join(self.t(cell) for cell in row) for row in document.table.rows]
        if document.body is not None:
            lines.append(self.t(document.body))
        return lines

    def _document_check(self, q) -> list[str]:
        self.note(q, N_("GIFT has no document check: written as a multiple choice of the document's fields, the "
                        "faulty ones correct (scored the same: a false alarm costs as much as a missed error)"))
        parts = [self.t(q.text)]
        if q.reference is not None:
            parts.append("\n".join(self._document_text(q.reference)))
        parts.append("\n".join(self._document_text(q.document, with_fields=False)) or "")
        text = "\n\n".join(p for p in parts if p)
        faulty = [f for f in q.document.fields if f.error]
        share = _FULL / len(faulty)
        options = []
        for field in q.document.fields:
            weight = share if field.error else -share
            feedback = f"#{_escape(self.t(field.error))}" if field.error else ""
            options.append(f"~%{_weight(weight)}%{_escape(self.t(field.label) + ': ' + self.t(field.value))}{feedback}")
        return self._block(q, q.id, q.points, text, "\n\t" + "\n\t".join(options) + "\n")

    def _data_entry(self, q) -> list[str]:
        self.note(q, N_("GIFT has no data entry form: written as %(n)s short-answer question(s), one per field, "
                        "sharing the points; the normalisation rules (dates, amounts, codes) are not carried"),
                  n=len(q.fields))
        source = "\n".join(self._document_text(q.document))
        lines: list[str] = []
        for field in q.fields:
            text = "\n\n".join(p for p in (self.t(q.text), source, f"**{self.t(field.label)}**") if p)
            answers = " ".join(f"={_escape(a)}" for a in field.answer)
            lines += self._block(q, f"{q.id}-{field.id}", q.points / len(q.fields), text, answers)
        return lines


def _blank_other_gaps(text: str) -> str:
    from ..schema import GAP_PLACEHOLDER

    return GAP_PLACEHOLDER.sub("_____", text)


register(GiftFormat())
