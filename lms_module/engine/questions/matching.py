"""matching: one select per left item, offering every right item and the distractors.

Right-hand choices are referred to as ``r<i>`` (the right item of pair i) and ``d<j>``
(distractor j).  In the form they appear only as per-attempt opaque tokens in shuffled order, so
neither the order nor the values say which right item belongs to which left item.

Layout: ``{"choices": [{"token": ..., "ref": "r1"}, ...]}`` in display order (always shuffled:
the authored order *is* the answer).
Form: one value per left item under ``q-<id>__<left index>``; "" = no choice.
Response: ``{"pairs": [ref or null, ...]}`` indexed by left item; unanswered ``{}``.
"""

from __future__ import annotations

import random
from typing import Any

from ..schema import MatchingQuestion
from ..text import LocalText, render
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
    new_tokens,
    option_label,
    register,
    score_parts,
)


def _right_items(question: MatchingQuestion) -> dict[str, LocalText]:
    items = {f"r{i}": pair.right for i, pair in enumerate(question.pairs)}
    items.update({f"d{j}": text for j, text in enumerate(question.distractors)})
    return items


def _choices(question: MatchingQuestion, layout: Layout) -> list[tuple[str, str]]:
    """[(token, ref)] in display order; LayoutError if the layout does not fit."""
    refs = _right_items(question)
    try:
        choices = [(str(c["token"]), str(c["ref"])) for c in layout["choices"]]
    except (KeyError, TypeError) as exc:
        raise LayoutError(f"matching layout is malformed: {exc}") from None
    if sorted(ref for _, ref in choices) != sorted(refs):
        raise LayoutError("matching layout does not list every right-hand choice once")
    return choices


def _pairs(response: Response | None, count: int) -> list[str | None]:
    given = (response or {}).get("pairs")
    if not isinstance(given, list):
        return [None] * count
    return [(g if isinstance(g, str) else None) for g in given[:count]] + [None] * max(0, count - len(given))


def _right_label(texts: dict[str, LocalText], ref: str | None, locale: str) -> str | None:
    return option_label(texts[ref], locale) if ref is not None and ref in texts else None


@register
class Matching(QuestionType[MatchingQuestion]):
    name = "matching"

    def layout(self, question: MatchingQuestion, rng: random.Random, shuffle_options: bool) -> Layout:
        refs = list(_right_items(question))
        rng.shuffle(refs)
        return {"choices": [{"token": t, "ref": r} for r, t in zip(refs, new_tokens(rng, len(refs)))]}

    def view(self, question: MatchingQuestion, layout: Layout, locale: str, response: Response | None = None) -> View:
        choices = _choices(question, layout)
        token_of = {ref: token for token, ref in choices}
        texts = _right_items(question)
        given = _pairs(response, len(question.pairs))
        rows = [
            {
                "label": render(pair.left, locale),
                "name": input_name(question.id, index),
                "input_id": input_name(question.id, index),
                "selected": token_of.get(given[index] or "", ""),
            }
            for index, pair in enumerate(question.pairs)
        ]
        options = [{"value": token, "label": option_label(texts[ref], locale)} for token, ref in choices]
        return {**self.base_view(question, locale, response), "rows": rows, "choices": options}

    def parse(self, question: MatchingQuestion, layout: Layout, form: Form) -> Response:
        ref_of = dict(_choices(question, layout))
        pairs: list[str | None] = []
        for index in range(len(question.pairs)):
            token = form_value(form, input_name(question.id, index))
            if token is not None and token not in ref_of:
                raise InvalidAnswer("unknown_choice")
            pairs.append(ref_of[token] if token is not None else None)
        return {"pairs": pairs} if any(pairs) else {}

    def _parts(self, question: MatchingQuestion, response: Response) -> list[Part]:
        given = _pairs(response, len(question.pairs))
        return [Part(str(i), given[i] == f"r{i}") for i in range(len(question.pairs))]

    def score(self, question: MatchingQuestion, response: Response) -> Score:
        return score_parts(question.points, self._parts(question, response))

    def is_answered(self, response: Response | None) -> bool:
        given = (response or {}).get("pairs")
        return isinstance(given, list) and any(isinstance(g, str) for g in given)

    def fits(self, question: MatchingQuestion, response: Response) -> bool:
        given, refs = response.get("pairs"), _right_items(question)
        return (isinstance(given, list) and len(given) == len(question.pairs) and any(given)
                and all(g is None or (isinstance(g, str) and g in refs) for g in given))

    def review(self, question: MatchingQuestion, layout: Layout, locale: str, response: Response) -> Review:
        texts = _right_items(question)
        given = _pairs(response, len(question.pairs))
        rows: list[dict[str, Any]] = [
            {
                "kind": "answer",
                "label": render(pair.left, locale),
                "given": _right_label(texts, given[i], locale),
                "expected": option_label(pair.right, locale),
                "correct": part.correct,
            }
            for i, (pair, part) in enumerate(zip(question.pairs, self._parts(question, response)))
        ]
        return self.base_review(question, locale, response, rows)
