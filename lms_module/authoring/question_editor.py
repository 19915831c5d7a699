"""The question editor's pure logic: editor values <-> one engine question, validation located at
the editor's fields, the answer-cue warning, translation status and the cloze gap preview.

*Editor values* are the nested plain data of the editor form (what WTForms' ``form.data`` holds):
bilingual texts are two keys ``<name>_de`` / ``<name>_en``, rows are lists of dicts, multi-line
answer lists are one text with one answer per line. `content_from_values` turns them into one
question of the quiz file format (JSON), `values_from_content` goes back, and `validate` runs the
engine's own schema over the content and says which editor field each problem belongs to.

Parts of a question the editor does not show (a document's table or reference, review dates, a
text's ``lang`` mark) are kept from the version being edited: `content_from_values(..., base=...)`.
Plain Python: no Flask, no database.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ..engine.answer_cues import cue_statistics
from ..engine.schema import GAP_PLACEHOLDER, GAP_TYPES, ID_PATTERN, QUESTION_TYPES, RULE_ERROR, Question, Quiz
from ..engine.text import LOCALES

_QUESTION = TypeAdapter(Question)
_ID = re.compile(ID_PATTERN)
CHOICE_TYPES = ("single", "multiple")

# The repeatable rows of each type: list name in the editor -> the fields of one row.
ROWS: dict[str, dict[str, tuple[str, ...]]] = {
    "single": {"options": ("id", "text_de", "text_en", "correct", "feedback_de", "feedback_en")},
    "multiple": {"options": ("id", "text_de", "text_en", "correct", "feedback_de", "feedback_en")},
    "true_false": {},
    "numeric": {},
    "short_text": {},
    "matching": {"pairs": ("left_de", "left_en", "right_de", "right_en"), "distractors": ("text_de", "text_en")},
    "ordering": {"items": ("id", "text_de", "text_en")},
    "cloze": {"gaps": ("id", "type", "answers_de", "answers_en", "case_sensitive", "answer", "tolerance",
                       "options_de", "options_en")},
    "document_check": {"check_fields": ("id", "label_de", "label_en", "value_de", "value_en", "error_de", "error_en")},
    "data_entry": {"doc_fields": ("label_de", "label_en", "value_de", "value_en"),
                   "entry_fields": ("id", "label_de", "label_en", "answers", "normalize")},
    "essay": {},
}
# How many rows a new question of the type starts with.
START_ROWS = {"options": 4, "pairs": 3, "distractors": 0, "items": 3, "gaps": 1, "check_fields": 3,
              "doc_fields": 2, "entry_fields": 1}


@dataclass(frozen=True)
class Problem:
    """One finding of the engine, placed at the editor's field names (`fields`, most specific
    first; the view uses the first one the form has). `kind` and `ctx` are pydantic's, or
    RULE_ERROR with the rule's English `message`."""

    fields: tuple[str, ...]
    kind: str
    message: str
    ctx: dict[str, Any] = field(default_factory=dict)


# --- editor values -> content ---------------------------------------------------------------


def _s(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def local_text(values: Mapping[str, Any], name: str) -> dict[str, str] | None:
    """``{de, en}`` from ``<name>_de`` / ``<name>_en``; a missing language is left out, None if both are."""
    text = {lang: _s(values.get(f"{name}_{lang}")) for lang in LOCALES}
    text = {lang: value for lang, value in text.items() if value}
    return text or None


def lines(value: Any) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()] if isinstance(value, str) else []


def _blank(row: Mapping[str, Any]) -> bool:
    return not any(_s(v) for k, v in row.items() if k not in ("id", "type", "normalize") and isinstance(v, str))\
        and not any(v is True for v in row.values())


def kept_rows(values: Mapping[str, Any], name: str) -> list[tuple[int, dict[str, Any]]]:
    """The rows of list `name` with their index in the form; wholly blank rows are left out (a row
    added and not filled in is not an error)."""
    rows = values.get(name) or []
    return [(index, dict(row)) for index, row in enumerate(rows) if isinstance(row, Mapping) and not _blank(row)]


def _ids(rows: Sequence[Mapping[str, Any]], prefix: str) -> list[str]:
    """Keep each row's id when it is valid and unused, else give it the next free `prefix`N."""
    used: set[str] = set()
    wanted = [_s(row.get("id")) for row in rows]
    taken = {i for i in wanted if _ID.fullmatch(i)}
    out: list[str] = []
    counter = 0
    for candidate in wanted:
        if not (_ID.fullmatch(candidate) and candidate not in used):
            counter += 1
            while f"{prefix}{counter}" in taken or f"{prefix}{counter}" in used:
                counter += 1
            candidate = f"{prefix}{counter}"
        used.add(candidate)
        out.append(candidate)
    return out


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is None or value == "":
        target.pop(key, None)
    else:
        target[key] = value


def _number(value: Any) -> str | None:
    text = _s(value).replace(",", ".") if isinstance(value, str) else value
    return None if text in ("", None) else str(text)


def _choice_options(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Choice gap options from two texts, one option per line, the right one marked with * (the
    languages' lines pair up in order; the mark may be on either)."""
    de, en = lines(values.get("options_de")), lines(values.get("options_en"))
    options = []
    for index in range(max(len(de), len(en))):
        pair = {"de": de[index] if index < len(de) else "", "en": en[index] if index < len(en) else ""}
        correct = any(text.startswith("*") for text in pair.values())
        text = {lang: t.lstrip("*").strip() for lang, t in pair.items() if t.lstrip("*").strip()}
        option: dict[str, Any] = {"id": f"o{index + 1}", "correct": correct}
        if text:
            option["text"] = text
        options.append(option)
    return options


def content_from_values(qtype: str, values: Mapping[str, Any], base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One question of the file format from the editor's values (see the module docstring)."""
    if qtype not in QUESTION_TYPES:
        raise ValueError(f"unknown question type {qtype!r}")
    content: dict[str, Any] = dict(base or {})
    content["type"] = qtype
    content["id"] = _s(values.get("key"))
    _put(content, "points", _number(values.get("points")))
    difficulty = _s(values.get("difficulty")) if isinstance(values.get("difficulty"), str) else values.get("difficulty")
    _put(content, "difficulty", difficulty or None)
    for name in ("text", "explanation"):
        _put(content, name, _keep_lang(local_text(values, name), (base or {}).get(name)))
    builder = _BUILDERS.get(qtype)
    if builder:
        builder(content, values)
    return content


def _keep_lang(text: dict[str, str] | None, before: Any) -> dict[str, str] | None:
    if text is not None and isinstance(before, Mapping) and before.get("lang") in LOCALES:
        return {**text, "lang": before["lang"]}
    return text


def _choice(content: dict[str, Any], values: Mapping[str, Any]) -> None:
    rows = [row for _, row in kept_rows(values, "options")]
    options = []
    for row, option_id in zip(rows, _ids(rows, "o")):
        option: dict[str, Any] = {"id": option_id, "correct": bool(row.get("correct"))}
        _put(option, "text", local_text(row, "text"))
        _put(option, "feedback", local_text(row, "feedback"))
        options.append(option)
    content["options"] = options


def _true_false(content: dict[str, Any], values: Mapping[str, Any]) -> None:
    answer = values.get("answer")
    _put(content, "answer", {"true": True, "false": False}.get(answer) if isinstance(answer, str) else answer)


def _numeric(content: dict[str, Any], values: Mapping[str, Any]) -> None:
    _put(content, "answer", _number(values.get("answer")))
    _put(content, "tolerance", _number(values.get("tolerance")))
    _put(content, "unit", local_text(values, "unit"))


def _accepted(values: Mapping[str, Any]) -> dict[str, list[str]]:
    return {lang: lines(values.get(f"answers_{lang}")) for lang in LOCALES}


def _short_text(content: dict[str, Any], values: Mapping[str, Any]) -> None:
    content["answers"] = _accepted(values)
    content["case_sensitive"] = bool(values.get("case_sensitive"))


def _matching(content: dict[str, Any], values: Mapping[str, Any]) -> None:
    pairs = []
    for _, row in kept_rows(values, "pairs"):
        pair: dict[str, Any] = {}
        _put(pair, "left", local_text(row, "left"))
        _put(pair, "right", local_text(row, "right"))
        pairs.append(pair)
    content["pairs"] = pairs
    content["distractors"] = [local_text(row, "text") for _, row in kept_rows(values, "distractors")]


def _ordering(content: dict[str, Any], values: Mapping[str, Any]) -> None:
    rows = [row for _, row in kept_rows(values, "items")]
    items = []
    for row, item_id in zip(rows, _ids(rows, "i")):
        item: dict[str, Any] = {"id": item_id}
        _put(item, "text", local_text(row, "text"))
        items.append(item)
    content["items"] = items


def _cloze(content: dict[str, Any], values: Mapping[str, Any]) -> None:
    gaps = []
    for _, row in kept_rows(values, "gaps"):
        gap_type = row.get("type") if row.get("type") in GAP_TYPES else "short_text"
        gap: dict[str, Any] = {"id": _s(row.get("id")), "type": gap_type}
        if gap_type == "short_text":
            gap["answers"] = _accepted(row)
            gap["case_sensitive"] = bool(row.get("case_sensitive"))
        elif gap_type == "numeric":
            _put(gap, "answer", _number(row.get("answer")))
            _put(gap, "tolerance", _number(row.get("tolerance")))
        else:
            gap["options"] = _choice_options(row)
        gaps.append(gap)
    content["gaps"] = gaps


def _document(content: dict[str, Any], values: Mapping[str, Any], fields: list[dict[str, Any]]) -> dict[str, Any]:
    document = dict(content.get("document") or {})
    _put(document, "title", local_text(values, "doc_title"))
    _put(document, "body", local_text(values, "doc_body"))
    document["fields"] = fields
    return document


def _document_check(content: dict[str, Any], values: Mapping[str, Any]) -> None:
    rows = [row for _, row in kept_rows(values, "check_fields")]
    fields = []
    for row, field_id in zip(rows, _ids(rows, "f")):
        check: dict[str, Any] = {"id": field_id}
        _put(check, "label", local_text(row, "label"))
        _put(check, "value", local_text(row, "value"))
        _put(check, "error", local_text(row, "error"))
        fields.append(check)
    content["document"] = _document(content, values, fields)


def _data_entry(content: dict[str, Any], values: Mapping[str, Any]) -> None:
    source = []
    for _, row in kept_rows(values, "doc_fields"):
        shown: dict[str, Any] = {}
        _put(shown, "label", local_text(row, "label"))
        _put(shown, "value", local_text(row, "value"))
        source.append(shown)
    content["document"] = _document(content, values, source)
    rows = [row for _, row in kept_rows(values, "entry_fields")]
    entries = []
    for row, field_id in zip(rows, _ids(rows, "f")):
        entry: dict[str, Any] = {"id": field_id, "answer": lines(row.get("answers")),
                                 "normalize": row.get("normalize") or "text"}
        _put(entry, "label", local_text(row, "label"))
        entries.append(entry)
    content["fields"] = entries


def _essay(content: dict[str, Any], values: Mapping[str, Any]) -> None:
    for name in ("min_words", "max_words"):
        value = values.get(name)
        _put(content, name, _s(value) if isinstance(value, str) else value)
    _put(content, "rubric", local_text(values, "rubric"))


_BUILDERS = {
    "single": _choice, "multiple": _choice, "true_false": _true_false, "numeric": _numeric,
    "short_text": _short_text, "matching": _matching, "ordering": _ordering, "cloze": _cloze,
    "document_check": _document_check, "data_entry": _data_entry, "essay": _essay,
}


# --- content -> editor values ---------------------------------------------------------------


def _split(text: Any, name: str) -> dict[str, str]:
    if isinstance(text, str):
        return {f"{name}_de": text, f"{name}_en": text}
    text = text if isinstance(text, Mapping) else {}
    return {f"{name}_{lang}": text.get(lang) or "" for lang in LOCALES}


def _number_text(value: Any) -> str:
    return "" if value is None else str(value)


def _answers_split(answers: Any, name: str = "answers") -> dict[str, str]:
    if isinstance(answers, list):
        answers = {"de": answers, "en": answers}
    answers = answers if isinstance(answers, Mapping) else {}
    return {f"{name}_{lang}": "\n".join(answers.get(lang) or []) for lang in LOCALES}


def values_from_content(content: Mapping[str, Any], topic: str | None = None, tags: Iterable[str] = ()) -> dict[str, Any]:
    """The editor's values for a stored question (the inverse of `content_from_values`)."""
    qtype = content.get("type")
    values: dict[str, Any] = {
        "key": content.get("id", ""), "points": _number_text(content.get("points", 1)),
        "difficulty": _number_text(content.get("difficulty")), "topic": topic or "", "tags": ", ".join(tags),
        **_split(content.get("text"), "text"), **_split(content.get("explanation"), "explanation"),
    }
    if qtype in CHOICE_TYPES:
        values["options"] = [{"id": o.get("id", ""), **_split(o.get("text"), "text"), "correct": bool(o.get("correct")),
                              **_split(o.get("feedback"), "feedback")} for o in content.get("options", [])]
    elif qtype == "true_false":
        values["answer"] = "true" if content.get("answer") else "false"
    elif qtype == "numeric":
        values.update(answer=_number_text(content.get("answer")), tolerance=_number_text(content.get("tolerance")),
                      **_split(content.get("unit"), "unit"))
    elif qtype == "short_text":
        values.update(_answers_split(content.get("answers")), case_sensitive=bool(content.get("case_sensitive")))
    elif qtype == "matching":
        values["pairs"] = [{**_split(p.get("left"), "left"), **_split(p.get("right"), "right")}
                           for p in content.get("pairs", [])]
        values["distractors"] = [_split(d, "text") for d in content.get("distractors", [])]
    elif qtype == "ordering":
        values["items"] = [{"id": i.get("id", ""), **_split(i.get("text"), "text")} for i in content.get("items", [])]
    elif qtype == "cloze":
        values["gaps"] = [_gap_values(g) for g in content.get("gaps", [])]
    elif qtype in ("document_check", "data_entry"):
        document = content.get("document") or {}
        values.update(_split(document.get("title"), "doc_title"), **_split(document.get("body"), "doc_body"))
        if qtype == "document_check":
            values["check_fields"] = [{"id": f.get("id", ""), **_split(f.get("label"), "label"),
                                       **_split(f.get("value"), "value"), **_split(f.get("error"), "error")}
                                      for f in document.get("fields", [])]
        else:
            values["doc_fields"] = [{**_split(f.get("label"), "label"), **_split(f.get("value"), "value")}
                                    for f in document.get("fields", [])]
            values["entry_fields"] = [{"id": f.get("id", ""), **_split(f.get("label"), "label"),
                                       "answers": "\n".join(f.get("answer") or []), "normalize": f.get("normalize", "text")}
                                      for f in content.get("fields", [])]
    elif qtype == "essay":
        values.update(min_words=_number_text(content.get("min_words")), max_words=_number_text(content.get("max_words")),
                      **_split(content.get("rubric"), "rubric"))
    return values


def _gap_values(gap: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {"id": gap.get("id", ""), "type": gap.get("type", "short_text"),
                              "answers_de": "", "answers_en": "", "case_sensitive": bool(gap.get("case_sensitive")),
                              "answer": _number_text(gap.get("answer")), "tolerance": _number_text(gap.get("tolerance")),
                              "options_de": "", "options_en": ""}
    if gap.get("type") == "short_text":
        values.update(_answers_split(gap.get("answers")))
    elif gap.get("type") == "choice":
        for lang in LOCALES:
            shown = []
            for option in gap.get("options", []):
                text = option.get("text")
                text = text if isinstance(text, str) else (text or {}).get(lang) or ""
                shown.append(("*" if option.get("correct") else "") + text)
            values[f"options_{lang}"] = "\n".join(shown)
    return values


def new_values(qtype: str) -> dict[str, Any]:
    """The editor's values for a new question of `qtype`: empty rows to fill in."""
    values: dict[str, Any] = {"points": "1"}
    for name, columns in ROWS[qtype].items():
        values[name] = [{column: "" for column in columns} for _ in range(START_ROWS[name])]
        for index, row in enumerate(values[name]):
            if "correct" in row:
                row["correct"] = False
            if name == "gaps":
                row.update(id=f"gap{index + 1}", type="short_text", case_sensitive=False)
            if name == "entry_fields":
                row["normalize"] = "text"
    if qtype == "true_false":
        values["answer"] = ""
    return values


# --- validation -----------------------------------------------------------------------------


def validate(content: Mapping[str, Any]) -> tuple[Any, list[Problem]]:
    """The engine's question model, or None and the problems at the editor's fields."""
    try:
        return _QUESTION.validate_python(dict(content)), []
    except ValidationError as exc:
        qtype = str(content.get("type"))
        problems: list[Problem] = []
        seen: set[tuple[tuple[str, ...], str]] = set()
        for detail in exc.errors():
            loc = _without_union_tags(detail["loc"])
            ctx = dict(detail.get("ctx") or {})
            if detail["type"] == RULE_ERROR:
                loc = (*loc, *ctx.get("at", ()))
            problem = Problem(field_names(qtype, loc, content), detail["type"], str(ctx.get("message") or detail["msg"]),
                              {k: v for k, v in ctx.items() if k != "at"})
            if (problem.fields, problem.message) not in seen:
                seen.add((problem.fields, problem.message))
                problems.append(problem)
        return None, problems


_UNION_TAGS = frozenset(QUESTION_TYPES) | frozenset(GAP_TYPES)


def _without_union_tags(loc: Sequence[str | int]) -> tuple[str | int, ...]:
    out: list[str | int] = []
    for index, part in enumerate(loc):
        if isinstance(part, str) and part in _UNION_TAGS and (index == 0 or isinstance(out[-1] if out else None, int)):
            continue
        out.append(part)
    return tuple(out)


_ROW_NAME = re.compile(r"^([a-z_]+)-(\d+)(-.*)?$")


def check(qtype: str, values: Mapping[str, Any], base: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], Any, list[Problem]]:
    """Build the content from the editor's values and validate it: (content, question or None,
    problems at the form's own row numbers — blank rows were left out of the content)."""
    content = content_from_values(qtype, values, base)
    question, problems = validate(content)
    kept = {name: [index for index, _ in kept_rows(values, name)] for name in ROWS.get(qtype, {})}

    def to_form(name: str) -> str:
        match = _ROW_NAME.match(name)
        if not match or match.group(1) not in kept:
            return name
        rows = kept[match.group(1)]
        number = int(match.group(2))
        return f"{match.group(1)}-{rows[number] if number < len(rows) else number}{match.group(3) or ''}"

    return content, question, [Problem(tuple(to_form(n) for n in p.fields), p.kind, p.message, p.ctx) for p in problems]


def field_names(qtype: str, loc: Sequence[str | int], content: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """Editor field names for an engine location, most specific first, ending with "" (the form).

    ('options', 2, 'text', 'en') -> options-2-text_en, options; ('tolerance',) -> tolerance;
    ('document', 'fields', 1, 'error', 'de') -> check_fields-1-error_de, check_fields. Row numbers
    are those of the kept rows; `row_map` in the view translates them back to form rows."""
    parts = list(loc)
    if parts[:1] == ["id"]:
        return ("key", "")
    if parts[:1] == ["document"]:
        parts = parts[1:]
        if parts[:1] == ["fields"]:
            parts[0] = "check_fields" if qtype == "document_check" else "doc_fields"
        elif parts[:1] in (["title"], ["body"]):
            parts[0] = "doc_" + str(parts[0])
        else:
            return ("doc_title_de", "")
    elif parts[:1] == ["fields"]:
        parts[0] = "entry_fields"
    names: list[str] = []
    if parts and parts[0] in ("options", "pairs", "distractors", "items", "gaps", "check_fields", "doc_fields", "entry_fields"):
        list_name = str(parts[0])
        if len(parts) > 1 and isinstance(parts[1], int):
            row = f"{list_name}-{parts[1]}"
            rest = [p for p in parts[2:] if not isinstance(p, int)]
            if list_name == "distractors":
                rest = ["text", *rest]
            if list_name == "entry_fields" and rest[:1] == ["answer"]:
                rest = ["answers"]
            if list_name == "gaps" and rest[:1] in (["answers"], ["options"]):
                rest = [rest[0], rest[1] if len(rest) > 1 and rest[1] in LOCALES else "de"]
            names += _local_names(row, rest)
            names.append(f"{row}-id" if list_name == "gaps" else "")
        names.append(list_name)
    else:
        rest = [p for p in parts if not isinstance(p, int)]
        if rest[:1] == ["answers"] and qtype == "short_text":
            rest = ["answers", rest[1] if len(rest) > 1 and rest[1] in LOCALES else "de"]
        names += _local_names(None, rest)
    names.append("")
    return tuple(dict.fromkeys(n for n in names if n or n == ""))


_LOCAL = {"text", "explanation", "unit", "rubric", "left", "right", "label", "value", "error", "feedback",
          "doc_title", "doc_body", "answers", "options"}


def _local_names(row: str | None, rest: list[str | int]) -> list[str]:
    if not rest:
        return []
    name = str(rest[0])
    if name in _LOCAL:
        lang = rest[1] if len(rest) > 1 and rest[1] in LOCALES else "de"
        name = f"{name}_{lang}"
    return [f"{row}-{name}" if row else name]


# --- warnings and status --------------------------------------------------------------------


def longest_key_languages(question: Any) -> list[str]:
    """The languages in which a correct option of a single/multiple choice question is the longest
    option (engine.answer_cues' definition: a tie counts) — a cue a test-wise learner can use."""
    if getattr(question, "type", None) not in CHOICE_TYPES:
        return []
    quiz = Quiz(slug="editor", title="editor", topic="accuracy", questions=[question])
    overall = cue_statistics([quiz]).overall
    return [lang for lang in LOCALES if overall.longest[lang]]


def missing_translation(values: Mapping[str, Any], name: str) -> str | None:
    """The language missing from a bilingual pair when exactly one side is filled in."""
    de, en = _s(values.get(f"{name}_de")), _s(values.get(f"{name}_en"))
    if de and not en:
        return "en"
    if en and not de:
        return "de"
    return None


def language_status(content: Mapping[str, Any]) -> str:
    """"de", "en" or "both": which languages the question text has."""
    text = content.get("text")
    if isinstance(text, str) or not isinstance(text, Mapping):
        return "both"
    has = [lang for lang in LOCALES if _s(text.get(lang))]
    return has[0] if len(has) == 1 else "both"


@dataclass(frozen=True)
class ClozeSegment:
    """A piece of a cloze text: plain `text`, or a `gap` (its id) that is `known` below or not."""

    text: str = ""
    gap: str | None = None
    known: bool = True


def cloze_segments(text: str, gap_ids: Iterable[str]) -> list[ClozeSegment]:
    """The text split at its {{gap-id}} placeholders, for the editor's gap preview."""
    known = set(gap_ids)
    segments: list[ClozeSegment] = []
    position = 0
    for match in GAP_PLACEHOLDER.finditer(text or ""):
        if match.start() > position:
            segments.append(ClozeSegment(text=text[position:match.start()]))
        segments.append(ClozeSegment(gap=match.group(1), known=match.group(1) in known))
        position = match.end()
    if position < len(text or ""):
        segments.append(ClozeSegment(text=text[position:]))
    return segments


def unused_gaps(text: str, gap_ids: Iterable[str]) -> list[str]:
    named = set(GAP_PLACEHOLDER.findall(text or ""))
    return [gap_id for gap_id in gap_ids if gap_id and gap_id not in named]
