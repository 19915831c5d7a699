"""document_check (mark the faulty fields) and data_entry (fill in a form from a document).

document_check
  Form: checkboxes under ``q-<id>``, value = the field's index in the document (field ids are
  authored and could read like "wrong-qty").
  Response: ``{"marked": [field ids in document order]}``; nothing marked ``{}``.
  Score = points × max(0, (faulty marked − correct marked) / number of faulty fields).
data_entry
  Form: one value per form field under ``q-<id>__<field id>``, at most 500 characters.
  Response: ``{"fields": {field_id: "typed text"}}`` with filled fields only; unanswered ``{}``.
  Score = points × correct fields / number of fields, after the field's normalisation rule.
"""

from __future__ import annotations

from typing import Any

from ..display import expected_entry
from ..normalize import normalize
from ..schema import CheckedDocument, DataEntryQuestion, Document, DocumentCheckQuestion, Table
from ..text import language_attr, render
from .base import (
    SHORT_MAX_LENGTH,
    Form,
    InvalidAnswer,
    Layout,
    Part,
    QuestionType,
    Response,
    Review,
    Score,
    View,
    form_value,
    form_values,
    input_name,
    number_input,
    only_from,
    register,
    scaled,
    score_parts,
)


def table_view(table: Table | None, locale: str) -> dict[str, Any] | None:
    if table is None:
        return None
    return {
        "columns": [render(c, locale) for c in table.columns],
        "rows": [[render(cell, locale) for cell in row] for row in table.rows],
    }


def document_view(document: Document | CheckedDocument | None, locale: str) -> dict[str, Any] | None:
    """A document for display: title, label/value fields, optional table and body.

    Built field by field from label and value only, so a checked document's `error` texts can
    never slip into a student's page.
    """
    if document is None:
        return None
    return {
        "lang": language_attr(document.lang, locale),
        "title": render(document.title, locale) if document.title else None,
        "fields": [{"label": render(f.label, locale), "content": render(f.value, locale)} for f in document.fields],
        "table": table_view(document.table, locale),
        "body": render(document.body, locale) if document.body else None,
    }


def _marked(response: Response | None) -> set[str]:
    marked = (response or {}).get("marked")
    return {m for m in marked if isinstance(m, str)} if isinstance(marked, list) else set()


@register
class DocumentCheck(QuestionType[DocumentCheckQuestion]):
    name = "document_check"

    def view(self, question: DocumentCheckQuestion, layout: Layout, locale: str, response: Response | None = None) -> View:
        marked = _marked(response)
        document = document_view(question.document, locale) or {}
        for index, (shown, field) in enumerate(zip(document["fields"], question.document.fields)):
            shown.update(
                {"value": str(index), "input_id": input_name(question.id, index), "checked": field.id in marked}
            )
        return {
            **self.base_view(question, locale, response),
            "reference": document_view(question.reference, locale),
            "document": document,
        }

    def parse(self, question: DocumentCheckQuestion, layout: Layout, form: Form) -> Response:
        fields = question.document.fields
        indexes: set[int] = set()
        for value in form_values(form, input_name(question.id)):
            if not value.isdigit() or int(value) >= len(fields):
                raise InvalidAnswer("unknown_choice")
            indexes.add(int(value))
        return {"marked": [f.id for i, f in enumerate(fields) if i in indexes]} if indexes else {}

    def score(self, question: DocumentCheckQuestion, response: Response) -> Score:
        marked = _marked(response)
        fields = question.document.fields
        n_faulty = sum(f.error is not None for f in fields)
        hits = sum(f.error is not None and f.id in marked for f in fields)
        false_alarms = sum(f.error is None and f.id in marked for f in fields)
        parts = tuple(Part(f.id, (f.id in marked) == (f.error is not None)) for f in fields)
        # Marking every field gains nothing: each false alarm cancels a found error.
        return Score(scaled(question.points, (hits - false_alarms) / n_faulty), float(question.points), False, parts)

    def is_answered(self, response: Response | None) -> bool:
        return bool(_marked(response))

    def fits(self, question: DocumentCheckQuestion, response: Response) -> bool:
        marked = response.get("marked")
        return bool(marked) and only_from(marked, {f.id for f in question.document.fields})

    def review(self, question: DocumentCheckQuestion, layout: Layout, locale: str, response: Response) -> Review:
        marked = _marked(response)
        rows = [
            {
                "kind": "field",
                "label": render(f.label, locale),
                "content": render(f.value, locale),
                "marked": f.id in marked,
                "faulty": f.error is not None,
                "correct": (f.id in marked) == (f.error is not None),
                "error": render(f.error, locale) if f.error else None,
            }
            for f in question.document.fields
        ]
        review = self.base_review(question, locale, response, rows)
        review["document_title"] = render(question.document.title, locale) if question.document.title else None
        return review


def _entries(response: Response | None) -> dict[str, str]:
    fields = (response or {}).get("fields")
    if not isinstance(fields, dict):
        return {}
    return {str(k): v for k, v in fields.items() if isinstance(v, str)}


@register
class DataEntry(QuestionType[DataEntryQuestion]):
    name = "data_entry"

    def view(self, question: DataEntryQuestion, layout: Layout, locale: str, response: Response | None = None) -> View:
        entries = _entries(response)
        fields = [
            {
                "label": render(f.label, locale),
                "name": input_name(question.id, f.id),
                "input_id": input_name(question.id, f.id),
                "value": entries.get(f.id, ""),
                "maxlength": SHORT_MAX_LENGTH,
                "kind": f.normalize,
                "inputmode": "decimal" if f.normalize in ("amount", "number") else "text",
            }
            for f in question.fields
        ]
        return {
            **self.base_view(question, locale, response),
            "document": document_view(question.document, locale),
            "fields": fields,
        }

    def parse(self, question: DataEntryQuestion, layout: Layout, form: Form) -> Response:
        entries = {}
        for f in question.fields:
            value = form_value(form, input_name(question.id, f.id))
            if f.normalize in ("amount", "number"):
                number_input(value)
            if value is not None:
                entries[f.id] = value
        return {"fields": entries} if entries else {}

    def _parts(self, question: DataEntryQuestion, response: Response) -> list[Part]:
        entries = _entries(response)
        return [
            Part(f.id, f.id in entries and bool(normalize(entries[f.id], f.normalize) & f.expected_forms()))
            for f in question.fields
        ]

    def score(self, question: DataEntryQuestion, response: Response) -> Score:
        return score_parts(question.points, self._parts(question, response))

    def is_answered(self, response: Response | None) -> bool:
        return bool(_entries(response))

    def fits(self, question: DataEntryQuestion, response: Response) -> bool:
        entries, ids = response.get("fields"), {f.id for f in question.fields}
        return isinstance(entries, dict) and bool(entries) and all(
            field_id in ids and isinstance(value, str) for field_id, value in entries.items())

    def review(self, question: DataEntryQuestion, layout: Layout, locale: str, response: Response) -> Review:
        entries = _entries(response)
        rows = [
            {
                "kind": "answer",
                "label": render(f.label, locale),
                "given": entries.get(f.id),
                "expected": expected_entry(f.answer[0], f.normalize, locale),
                "correct": part.correct,
            }
            for f, part in zip(question.fields, self._parts(question, response))
        ]
        return self.base_review(question, locale, response, rows)
