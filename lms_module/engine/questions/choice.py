"""single, multiple and true_false.

Responses: single ``{"choice": option_id}``; multiple ``{"choices": [option_id, ...]}`` in authored
order; true_false ``{"value": true|false}``.  Unanswered: ``{}``.
Form: single/true_false one value under ``q-<id>``; multiple any number of values under ``q-<id>``.
Option values are the per-attempt tokens of the layout, true_false uses ``true``/``false``.
"""

from __future__ import annotations

import random
from typing import Any

from ..schema import MultipleQuestion, SingleQuestion, TrueFalseQuestion
from ..text import render
from .base import (
    Form,
    InvalidAnswer,
    Layout,
    Part,
    QuestionType,
    Response,
    Review,
    Score,
    View,
    choice_for_token,
    form_value,
    form_values,
    input_name,
    laid_out_options,
    only_from,
    option_layout,
    register,
    scaled,
)

ChoiceQuestion = SingleQuestion | MultipleQuestion


class _Choice(QuestionType[Any]):
    def layout(self, question: ChoiceQuestion, rng: random.Random, shuffle_options: bool) -> Layout:
        return {"options": option_layout(question.options, rng, shuffle_options)}

    def _chosen(self, response: Response | None) -> set[str]:
        raise NotImplementedError

    def view(self, question: ChoiceQuestion, layout: Layout, locale: str, response: Response | None = None) -> View:
        chosen = self._chosen(response)
        options = [
            {
                "value": token,
                "input_id": input_name(question.id, index),
                "label": render(option.text, locale),
                "checked": option.id in chosen,
            }
            for index, (option, token) in enumerate(laid_out_options(question.options, layout.get("options")))
        ]
        return {**self.base_view(question, locale, response), "options": options}

    def review(self, question: ChoiceQuestion, layout: Layout, locale: str, response: Response) -> Review:
        chosen = self._chosen(response)
        rows = [
            {
                "kind": "option",
                "label": render(option.text, locale),
                "selected": option.id in chosen,
                "key": option.correct,
                "correct": (option.id in chosen) == option.correct,
                "feedback": render(option.feedback, locale) if option.feedback and option.id in chosen else None,
            }
            for option, _ in laid_out_options(question.options, layout.get("options"))
        ]
        return self.base_review(question, locale, response, rows)


@register
class SingleChoice(_Choice):
    name = "single"

    def _chosen(self, response: Response | None) -> set[str]:
        choice = (response or {}).get("choice")
        return {choice} if isinstance(choice, str) else set()

    def parse(self, question: SingleQuestion, layout: Layout, form: Form) -> Response:
        token = form_value(form, input_name(question.id))
        if token is None:
            return {}
        pairs = laid_out_options(question.options, layout.get("options"))
        return {"choice": choice_for_token(pairs, token).id}

    def fits(self, question: SingleQuestion, response: Response) -> bool:
        return only_from([response.get("choice")], {o.id for o in question.options})

    def score(self, question: SingleQuestion, response: Response) -> Score:
        right = next(o.id for o in question.options if o.correct)
        correct = response.get("choice") == right
        return Score(scaled(question.points, float(correct)), float(question.points), False, (Part("choice", correct),))


@register
class MultipleChoice(_Choice):
    name = "multiple"

    def _chosen(self, response: Response | None) -> set[str]:
        return {c for c in (response or {}).get("choices", []) if isinstance(c, str)}

    def parse(self, question: MultipleQuestion, layout: Layout, form: Form) -> Response:
        pairs = laid_out_options(question.options, layout.get("options"))
        chosen = {choice_for_token(pairs, token).id for token in form_values(form, input_name(question.id))}
        if not chosen:
            return {}
        return {"choices": [o.id for o in question.options if o.id in chosen]}

    def fits(self, question: MultipleQuestion, response: Response) -> bool:
        chosen = response.get("choices")
        return bool(chosen) and only_from(chosen, {o.id for o in question.options})

    def score(self, question: MultipleQuestion, response: Response) -> Score:
        chosen = self._chosen(response)
        n_correct = sum(o.correct for o in question.options)
        hits = sum(o.correct for o in question.options if o.id in chosen)
        wrong = sum(not o.correct for o in question.options if o.id in chosen)
        parts = tuple(Part(o.id, (o.id in chosen) == o.correct) for o in question.options)
        # Choosing every option gains nothing: each wrong choice cancels a right one.
        return Score(scaled(question.points, (hits - wrong) / n_correct), float(question.points), False, parts)


@register
class TrueFalse(QuestionType[TrueFalseQuestion]):
    name = "true_false"

    def view(self, question: TrueFalseQuestion, layout: Layout, locale: str, response: Response | None = None) -> View:
        given = (response or {}).get("value")
        options = [
            {"value": value, "input_id": input_name(question.id, value), "checked": given is flag, "label_key": value}
            for value, flag in (("true", True), ("false", False))
        ]
        return {**self.base_view(question, locale, response), "options": options}

    def parse(self, question: TrueFalseQuestion, layout: Layout, form: Form) -> Response:
        value = form_value(form, input_name(question.id))
        if value is None:
            return {}
        if value not in ("true", "false"):
            raise InvalidAnswer("unknown_choice")
        return {"value": value == "true"}

    def fits(self, question: TrueFalseQuestion, response: Response) -> bool:
        return isinstance(response.get("value"), bool)

    def score(self, question: TrueFalseQuestion, response: Response) -> Score:
        correct = response.get("value") is question.answer
        return Score(scaled(question.points, float(correct)), float(question.points), False, (Part("value", correct),))

    def review(self, question: TrueFalseQuestion, layout: Layout, locale: str, response: Response) -> Review:
        given = response.get("value")
        row = {
            "kind": "boolean",
            "given": given if isinstance(given, bool) else None,
            "expected": question.answer,
            "correct": given is question.answer,
        }
        return self.base_review(question, locale, response, [row])
