"""ordering: items shown shuffled, each with a position select (keyboard-operable, no dragging).

Layout: ``{"order": [item ids in display order]}``; always shuffled and never the right order,
whatever `shuffle_options` says, because the authored order is the answer.
Form: one value per displayed item under ``q-<id>__<display index>``: a position ``1``..``n``, ""
for none.  Display indexes are used instead of item ids, which could hint at the order.
Response: ``{"positions": {item_id: position}}`` (1-based; only items given a position; two items
may share a position, which simply cannot both be right); unanswered ``{}``.
"""

from __future__ import annotations

import random
from typing import Any

from ..schema import OrderingQuestion, OrderItem
from ..text import render
from .base import (
    Form,
    InvalidAnswer,
    Layout,
    LayoutError,
    Part,
    QuestionType,
    Response,
    Review,
    Score,
    View,
    form_value,
    input_name,
    register,
    score_parts,
)


def _display_order(question: OrderingQuestion, layout: Layout) -> list[OrderItem]:
    by_id = {item.id: item for item in question.items}
    order = layout.get("order")
    if not isinstance(order, list) or sorted(map(str, order)) != sorted(by_id):
        raise LayoutError("ordering layout does not list every item once")
    return [by_id[item_id] for item_id in order]


def _positions(response: Response | None) -> dict[str, int]:
    given = (response or {}).get("positions")
    if not isinstance(given, dict):
        return {}
    return {str(k): v for k, v in given.items() if isinstance(v, int) and not isinstance(v, bool)}


@register
class Ordering(QuestionType[OrderingQuestion]):
    name = "ordering"

    def layout(self, question: OrderingQuestion, rng: random.Random, shuffle_options: bool) -> Layout:
        authored = [item.id for item in question.items]
        order = list(authored)
        while order == authored:  # at least three items, so this ends after a few tries
            rng.shuffle(order)
        return {"order": order}

    def view(self, question: OrderingQuestion, layout: Layout, locale: str, response: Response | None = None) -> View:
        positions = _positions(response)
        items = [
            {
                "label": render(item.text, locale),
                "name": input_name(question.id, index),
                "input_id": input_name(question.id, index),
                "selected": positions.get(item.id),
            }
            for index, item in enumerate(_display_order(question, layout))
        ]
        return {
            **self.base_view(question, locale, response),
            "rows": items,
            "positions": list(range(1, len(items) + 1)),
        }

    def parse(self, question: OrderingQuestion, layout: Layout, form: Form) -> Response:
        count = len(question.items)
        positions: dict[str, int] = {}
        for index, item in enumerate(_display_order(question, layout)):
            value = form_value(form, input_name(question.id, index))
            if value is None:
                continue
            if not value.isdigit() or not 1 <= int(value) <= count:
                raise InvalidAnswer("unknown_position")
            positions[item.id] = int(value)
        return {"positions": positions} if positions else {}

    def _parts(self, question: OrderingQuestion, response: Response) -> list[Part]:
        positions = _positions(response)
        return [Part(item.id, positions.get(item.id) == index + 1) for index, item in enumerate(question.items)]

    def score(self, question: OrderingQuestion, response: Response) -> Score:
        return score_parts(question.points, self._parts(question, response))

    def is_answered(self, response: Response | None) -> bool:
        return bool(_positions(response))

    def fits(self, question: OrderingQuestion, response: Response) -> bool:
        given, count = response.get("positions"), len(question.items)
        ids = {item.id for item in question.items}
        return isinstance(given, dict) and bool(given) and all(
            item_id in ids and isinstance(p, int) and not isinstance(p, bool) and 1 <= p <= count
            for item_id, p in given.items())

    def review(self, question: OrderingQuestion, layout: Layout, locale: str, response: Response) -> Review:
        positions = _positions(response)
        rows: list[dict[str, Any]] = [
            {
                "kind": "answer",
                "label": render(item.text, locale),
                "given": str(positions[item.id]) if item.id in positions else None,
                "expected": str(index + 1),
                "correct": part.correct,
            }
            for index, (item, part) in enumerate(zip(question.items, self._parts(question, response)))
        ]
        return self.base_review(question, locale, response, rows)
