"""essay: free text graded by the instructor.

Form: one value under ``q-<id>``, at most 20,000 characters; line breaks kept.
Response: ``{"text": "..."}``; blank ``{}``.  Scores 0 with ``needs_manual`` until graded; a blank
essay needs no grading and simply scores 0.
"""

from __future__ import annotations

from ..schema import EssayQuestion
from ..text import render
from .base import (
    LONG_MAX_LENGTH,
    Form,
    Layout,
    QuestionType,
    Response,
    Review,
    Score,
    View,
    form_value,
    input_name,
    register,
    student_text,
)


def word_count(text: str) -> int:
    return len(text.split())


def _text(response: Response | None) -> str | None:
    text = (response or {}).get("text")
    return text if isinstance(text, str) and text.strip() else None


@register
class Essay(QuestionType[EssayQuestion]):
    name = "essay"

    def view(self, question: EssayQuestion, layout: Layout, locale: str, response: Response | None = None) -> View:
        return {
            **self.base_view(question, locale, response),
            "input_id": input_name(question.id, "text"),
            "value": _text(response) or "",
            "maxlength": LONG_MAX_LENGTH,
            "min_words": question.min_words,
            "max_words": question.max_words,
        }

    def parse(self, question: EssayQuestion, layout: Layout, form: Form) -> Response:
        text = form_value(form, input_name(question.id), max_length=LONG_MAX_LENGTH, strip=False)
        return {} if text is None else {"text": text}

    def score(self, question: EssayQuestion, response: Response) -> Score:
        return Score(0.0, float(question.points), needs_manual=_text(response) is not None)

    def is_answered(self, response: Response | None) -> bool:
        return _text(response) is not None

    def fits(self, question: EssayQuestion, response: Response) -> bool:
        return isinstance(response.get("text"), str)

    def review(self, question: EssayQuestion, layout: Layout, locale: str, response: Response) -> Review:
        text = _text(response)
        row = {"kind": "essay", "text": student_text(text), "word_count": word_count(text or "")}
        review = self.base_review(question, locale, response, [row])
        review["rubric"] = render(question.rubric, locale) if question.rubric else None
        return review
