"""CSV exports: UTF-8 with a byte order mark (so Excel shows umlauts), comma-separated, quoted by
the csv module, numbers with a decimal point, times in UTC (ISO 8601). See docs/reports.md."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from ..engine import plain
from ..engine.display import listing_text
from ..engine.schema import Quiz as QuizContent
from ..extensions import db
from ..library.models import QuizVersion
from ..library.services import content_of
from ..web import numbers
from . import analysis, formulas, gradebook_queries

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "@", "\t", "\r")
_RISKY_START = frozenset("=+@\t\r-")


def safe_text(value: str) -> str:
    """Text that a spreadsheet will not run as a formula (CSV injection): a student could answer
    '=HYPERLINK(...)'. Negative numbers stay as they are."""
    if value.startswith(_FORMULA_START) or (value.startswith("-") and not _is_number(value)):
        return "'" + value
    return value


def _is_number(value: str) -> bool:
    try:
        float(value.replace(",", "."))
    except ValueError:
        return False
    return True


def _cell(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        return safe_text(value) if value[:1] in _RISKY_START else value
    if kind is int:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, str):
        return safe_text(value)
    return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]], chunk: int = 500, *,
              formatted: bool = False) -> Iterator[str]:
    """The CSV text in pieces (for a streamed response): the BOM and header first. `formatted`:
    the rows' cells went through `_cell` already."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_cell(h) for h in header])
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for index, row in enumerate(rows, start=1):
        writer.writerow(row if formatted else [_cell(v) for v in row])
        if index % chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _percent(fraction: float | None) -> float | None:
    """Grades as the pages show them (web.numbers: one decimal, half up)."""
    return numbers.percent_value(fraction)


# --- gradebook -----------------------------------------------------------------------------------


def gradebook_csv(rows: Iterable[gradebook_queries.GradebookRow]) -> Iterator[str]:
    return csv_lines(*gradebook_table(rows))


def gradebook_table(rows: Iterable[gradebook_queries.GradebookRow]) -> tuple[list[str], Iterator[list[Any]]]:
    header = [_("Name"), _("Email"), _("LMS user id"), _("Course membership"), _("Attempts"), _("Grade (%)"),
              _("Best score (%)"), _("Last score (%)"), _("Passed"), _("Time spent (seconds)"),
              _("Last activity (UTC)"), _("Awaiting grading"), _("LMS sync"), _("LMS sync time (UTC)"),
              _("LMS sync error"), _("Status")]
    return header, (
        [r.name, r.email, r.subject, r.member_status or "", r.attempts, _percent(r.grade), _percent(r.best),
         _percent(r.last), r.passed, None if r.seconds is None else round(r.seconds), r.last_activity,
         r.awaiting, r.sync_status or "", r.sync_at if r.sync_status else None, r.sync_error,
         gradebook_queries.student_state(r)]
        for r in rows
    )


# --- responses -----------------------------------------------------------------------------------


def responses_csv(rows: Iterable, current: QuizContent | None, locale: str) -> Iterator[str]:
    """Every answer: hundreds of thousands of rows, so what repeats is formatted once: the
    attempt's columns, a question's number and text per quiz version, the text of a choice
    question's response, and the marks."""
    questions = _QuestionCache(current, locale)
    header = [_("Name"), _("LMS user id"), _("Attempt"), _("Status"), _("Started (UTC)"), _("Submitted (UTC)"),
              _("Position in the attempt"), _("Question number"), _("Question id"), _("Question"), _("Response"), _("Marks"), _("Maximum marks"),
              _("Graded by hand"), _("Comment"), _("Answered at (UTC)")]
    numbers: dict[float | None, str] = {}

    def number(value):
        text = numbers.get(value)
        if text is None:
            text = numbers[value] = _cell(value)
        return text

    def lines():
        attempt_key, prefix = None, []
        for (user_id, name, subject, attempt_number, attempt_status, started_at, submitted_at, version_id,
             question_id, response, auto_marks, manual_marks, max_marks, needs_manual, comment, answered_at,
             plan) in rows:
            if (user_id, attempt_number) != attempt_key:
                attempt_key = (user_id, attempt_number)
                prefix = [_cell(name), _cell(subject), attempt_number, attempt_status, _cell(started_at),
                          _cell(submitted_at)]
                shown_at = _plan_positions(plan)
            position, text, texts_of = questions.get(version_id, question_id)
            marks = manual_marks if manual_marks is not None else (None if needs_manual else auto_marks)
            yield [*prefix, shown_at.get(question_id, ""), position, question_id, text, _cell(texts_of(response)), number(marks),
                   number(max_marks), "0" if manual_marks is None else "1", _cell(comment), _cell(answered_at)]

    return csv_lines(header, lines(), formatted=True)


def _plan_positions(plan) -> dict[str, int]:
    """Where each question stood in the attempt (its number for the student), from the stored plan."""
    if isinstance(plan, str):
        plan = json.loads(plan)
    return {entry["question_id"]: number for number, entry in enumerate(plan or [], start=1)
            if isinstance(entry, dict) and "question_id" in entry}


REPEATING = ("single", "multiple", "true_false", "matching", "ordering", "document_check")


class _QuestionCache:
    def __init__(self, current: QuizContent | None, locale: str) -> None:
        self.current = current
        self.locale = locale
        self.contents: dict[int, QuizContent | None] = {}
        self.entries: dict[tuple[int, str], tuple] = {}

    def _content(self, version_id: int) -> QuizContent | None:
        if version_id not in self.contents:
            version = db.session.get(QuizVersion, version_id)
            self.contents[version_id] = content_of(version) if version is not None else self.current
        return self.contents[version_id]

    def get(self, version_id: int, question_id: str) -> tuple:
        """(number in the quiz, question text, function from stored response to text)."""
        key = (version_id, question_id)
        entry = self.entries.get(key)
        if entry is None:
            quiz = self._content(version_id)
            question, position = None, None
            for index, candidate in enumerate(quiz.questions if quiz else [], start=1):
                if candidate.id == question_id:
                    question, position = candidate, index
            entry = (position or "", _cell(listing_text(question, self.locale)) if question else "",
                     self._texts_of(question))
            self.entries[key] = entry
        return entry

    def _texts_of(self, question):
        """A function from the stored response (JSON text) to its readable text."""
        locale = self.locale

        def convert(raw):
            try:
                response = json.loads(raw) if raw else {}
            except ValueError:
                return raw
            return response_text(question, response if isinstance(response, dict) else {}, locale)

        if getattr(question, "type", None) not in REPEATING:
            return convert
        seen: dict[str, str] = {}

        def cached(raw):
            # A choice question has few distinct responses: each one is worked out once.
            text = seen.get(raw)
            if text is None:
                text = seen[raw] = convert(raw)
            return text

        return cached


def response_text(question, response: dict, locale: str) -> str:
    """A student's response as readable text (option texts rather than ids)."""
    if not response:
        return ""
    kind = getattr(question, "type", None)
    if kind in ("single", "multiple"):
        texts = {o.id: plain(o.text, locale) for o in question.options}
        chosen = [response["choice"]] if "choice" in response else list(response.get("choices", []))
        return "; ".join(texts.get(c, str(c)) for c in chosen)
    if kind == "true_false":
        return _("True") if response.get("value") else _("False")
    if kind == "matching":
        rights = {f"r{i}": p.right for i, p in enumerate(question.pairs)}
        rights.update({f"d{j}": d for j, d in enumerate(question.distractors)})
        given = response.get("pairs") or []
        return "; ".join(f"{plain(p.left, locale)} → {plain(rights[g], locale) if g in rights else '–'}"
                         for p, g in zip(question.pairs, given))
    if kind == "ordering":
        names = {i.id: plain(i.text, locale) for i in question.items}
        positions = response.get("positions") or {}
        return "; ".join(f"{pos}. {names.get(item, item)}"
                         for item, pos in sorted(positions.items(), key=lambda kv: str(kv[1])))
    if kind == "cloze":
        options = {o.id: plain(o.text, locale) for gap in question.gaps for o in getattr(gap, "options", [])}
        return "; ".join(f"{gap}: {options.get(value, value)}" for gap, value in (response.get("gaps") or {}).items())
    if kind == "document_check":
        labels = {f.id: plain(f.label, locale) for f in question.document.fields}
        return "; ".join(labels.get(f, f) for f in response.get("marked") or [])
    if kind == "data_entry":
        labels = {f.id: plain(f.label, locale) for f in question.fields}
        return "; ".join(f"{labels.get(k, k)}: {v}" for k, v in (response.get("fields") or {}).items())
    for key in ("text", "value"):
        if key in response:
            return str(response[key])
    return "; ".join(f"{k}: {v}" for k, v in response.items())


# --- item analysis -------------------------------------------------------------------------------


def items_csv(result: analysis.ItemAnalysis, explain: Callable[[str | None], str]) -> Iterator[str]:
    return csv_lines(*items_table(result, explain))


def items_table(result: analysis.ItemAnalysis, explain: Callable[[str | None], str]) -> tuple[list[str], Iterator[list[Any]]]:
    """One long table: a row for the whole quiz, a row per question, a row per option."""
    header = [_("Row"), _("Question number"), _("Question id"), _("Question"), _("Type"), _("Option"),
              _("Correct option"), _("Attempts"), _("Facility (%)"), _("Standard deviation (marks)"),
              _("Standard deviation (percent of maximum)"), _("Discrimination index"), _("Discriminative efficiency"),
              _("Chosen (%)"), _("Chosen in top third (%)"), _("Chosen in bottom third (%)"),
              _("Coefficient of internal consistency (%)"), _("Error ratio (%)"), _("Standard error (marks)"),
              _("Mean score (marks)"), _("Flags"), _("Notes")]

    def value(stat: formulas.Stat, scale: float = 1.0):
        return None if stat.value is None else round(stat.value * scale, 4)

    def notes(*stats: formulas.Stat) -> str:
        return " ".join(dict.fromkeys(str(explain(s.reason)) for s in stats if s.reason))

    def lines():
        quiz = result.quiz
        yield ["quiz", None, None, None, None, None, None, quiz.attempts, None, value(quiz.sd), None, None, None,
               None, None, None, value(quiz.cic), value(quiz.error_ratio), value(quiz.standard_error),
               value(quiz.mean), None, notes(quiz.cic, quiz.sd)]
        for q in result.questions:
            s = q.stats
            yield ["question", q.position, q.question_id, q.text, q.type, None, None, s.attempts,
                   value(s.facility, 100), value(s.sd), value(s.sd_fraction, 100), value(s.discrimination),
                   value(s.efficiency), None, None, None, None, None, None, value(s.mean), " ".join(s.flags),
                   notes(s.facility, s.sd, s.discrimination, s.efficiency)]
            for o in q.options:
                label = (_("True") if o.key == "true" else _("False")) if q.type == "true_false" else o.label
                yield ["option", q.position, q.question_id, None, q.type, label, o.correct, o.of[0], None, None,
                       None, None, None, _share(o, 0), _share(o, 2), _share(o, 1), None, None, None, None, None,
                       None]

    return header, lines()


def xlsx_file(header: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str) -> bytes:
    """The same table as an Excel workbook. Strings are written as text, never as formulas."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False})
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    for column, title in enumerate(header):
        worksheet.write_string(0, column, str(title), bold)
    for row_number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            _write(worksheet, row_number, column, value)
    worksheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


def _write(worksheet, row: int, column: int, value: Any) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        worksheet.write_boolean(row, column, value)
    elif isinstance(value, (int, float)):
        worksheet.write_number(row, column, value)
    elif isinstance(value, datetime):
        worksheet.write_string(row, column, value.isoformat(timespec="seconds"))
    else:
        worksheet.write_string(row, column, str(value))


def _share(option: analysis.OptionRow, group: int) -> float | None:
    share = option.share(group)
    return None if share is None else round(share * 100, 2)
