"""numeric and short_text: one typed answer.

Response: ``{"value": "<what was typed, trimmed>"}``; unanswered ``{}``.  The raw text is kept (not
the parsed number) so that a review shows exactly what the student wrote and a rule change can
re-score it.  Form: one value under ``q-<id>``, at most 500 characters.
"""

from __future__ import annotations

from decimal import Decimal

from ..display import number_text, shown_decimals, tolerance_matters
from ..normalize import parse_decimal, text_key
from ..schema import AcceptedAnswers, NumericQuestion, ShortTextQuestion
from ..text import normalize_locale, plain
from .base import (
    SHORT_MAX_LENGTH,
    Form,
    Layout,
    Part,
    QuestionType,
    Response,
    Review,
    Score,
    View,
    form_value,
    input_name,
    number_input,
    register,
    scaled,
)


def numeric_matches(raw: str | None, answer: Decimal, tolerance: Decimal) -> bool:
    """|given − answer| ≤ tolerance, borders included; any reading of an ambiguous input counts."""
    if not isinstance(raw, str):
        return False
    return any(abs(value - answer) <= tolerance for value in parse_decimal(raw))


def text_matches(raw: str | None, answers: AcceptedAnswers, case_sensitive: bool) -> bool:
    if not isinstance(raw, str) or not raw.strip():
        return False
    given = text_key(raw, case_sensitive)
    return any(given == text_key(a, case_sensitive) for a in answers.all())


def numeric_expected(answer: Decimal, tolerance: Decimal, locale: str, unit: str = "") -> str:
    """The expected number in the page's locale; its tolerance only where it means something."""
    decimals = shown_decimals(answer, unit)
    text = number_text(answer, locale, decimals)
    if unit:
        text += f" {unit}"
    if tolerance_matters(tolerance, decimals):
        text += f" (± {number_text(tolerance, locale)})"
    return text


class _TypedAnswer(QuestionType[NumericQuestion | ShortTextQuestion]):
    inputmode = "text"

    def view(
        self, question: NumericQuestion | ShortTextQuestion, layout: Layout, locale: str, response: Response | None = None
    ) -> View:
        value = (response or {}).get("value")
        unit = plain(question.unit, locale) if isinstance(question, NumericQuestion) and question.unit else None
        return {
            **self.base_view(question, locale, response),
            "input_id": input_name(question.id, "value"),
            "value": value if isinstance(value, str) else "",
            "maxlength": SHORT_MAX_LENGTH,
            "inputmode": self.inputmode,
            "unit": unit,
        }

    def parse(self, question: NumericQuestion | ShortTextQuestion, layout: Layout, form: Form) -> Response:
        value = form_value(form, input_name(question.id))
        if isinstance(question, NumericQuestion):
            value = number_input(value)
        return {} if value is None else {"value": value}

    def fits(self, question: NumericQuestion | ShortTextQuestion, response: Response) -> bool:
        return isinstance(response.get("value"), str)

    def _correct(self, question: NumericQuestion | ShortTextQuestion, raw: str | None) -> bool:
        raise NotImplementedError

    def _expected(self, question: NumericQuestion | ShortTextQuestion, locale: str) -> str:
        raise NotImplementedError

    def score(self, question: NumericQuestion | ShortTextQuestion, response: Response) -> Score:
        correct = self._correct(question, response.get("value"))
        return Score(scaled(question.points, float(correct)), float(question.points), False, (Part("value", correct),))

    def review(
        self, question: NumericQuestion | ShortTextQuestion, layout: Layout, locale: str, response: Response
    ) -> Review:
        given = response.get("value")
        row = {
            "kind": "answer",
            "label": None,
            "given": given if isinstance(given, str) else None,
            "expected": self._expected(question, locale),
            "correct": self._correct(question, given),
        }
        return self.base_review(question, locale, response, [row])


@register
class Numeric(_TypedAnswer):
    name = "numeric"
    inputmode = "decimal"

    def _correct(self, question: NumericQuestion, raw: str | None) -> bool:  # type: ignore[override]
        return numeric_matches(raw, question.answer, question.tolerance)

    def _expected(self, question: NumericQuestion, locale: str) -> str:  # type: ignore[override]
        unit = plain(question.unit, locale) if question.unit else ""
        return numeric_expected(question.answer, question.tolerance, locale, unit)


@register
class ShortText(_TypedAnswer):
    name = "short_text"

    def _correct(self, question: ShortTextQuestion, raw: str | None) -> bool:  # type: ignore[override]
        return text_matches(raw, question.answers, question.case_sensitive)

    def _expected(self, question: ShortTextQuestion, locale: str) -> str:  # type: ignore[override]
        return " / ".join(question.answers.for_locale(normalize_locale(locale)))
