"""cloze: a text with gaps; each gap is a short text, a number or a choice (select).

Layout: ``{"gaps": {gap_id: [{"id": option_id, "token": ...}, ...]}}`` for choice gaps only.
Form: one value per gap under ``q-<id>__<gap id>`` (choice gaps send a token).
Response: ``{"gaps": {gap_id: "typed text" | option_id}}`` with answered gaps only; unanswered
``{}``.  Score = points × correct gaps / number of gaps.
"""

from __future__ import annotations

import random
import re
from typing import Any

from markupsafe import Markup

from ..schema import GAP_PLACEHOLDER, ChoiceGap, ClozeQuestion, NumericGap, ShortTextGap
from ..text import normalize_locale, plain, render_markdown, resolve
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
    choice_for_token,
    form_value,
    input_name,
    laid_out_options,
    number_input,
    option_label,
    option_layout,
    register,
    score_parts,
)
from .free_text import numeric_expected, numeric_matches, text_matches

GapModel = ShortTextGap | NumericGap | ChoiceGap


def _given(response: Response | None) -> dict[str, str]:
    gaps = (response or {}).get("gaps")
    if not isinstance(gaps, dict):
        return {}
    return {str(k): v for k, v in gaps.items() if isinstance(v, str)}


def _gap_correct(gap: GapModel, value: str | None) -> bool:
    if isinstance(gap, ChoiceGap):
        return value is not None and any(o.id == value and o.correct for o in gap.options)
    if isinstance(gap, NumericGap):
        return numeric_matches(value, gap.answer, gap.tolerance)
    return text_matches(value, gap.answers, gap.case_sensitive)


def _numbers(question: ClozeQuestion, locale: str) -> dict[str, int]:
    """Gap id -> its 1-based number in the order the gaps appear in this language's text."""
    found = GAP_PLACEHOLDER.findall(resolve(question.text, locale))
    numbers = {gap_id: n for n, gap_id in enumerate(found, start=1)}
    for gap in question.gaps:  # gaps missing from a fallback text still get a number
        numbers.setdefault(gap.id, len(numbers) + 1)
    return numbers


def _numbered_text(question: ClozeQuestion, locale: str) -> Markup:
    """The text with each gap shown as '___ (n)', for summaries and the review."""
    numbers = _numbers(question, locale)
    source = resolve(question.text, locale)
    return render_markdown(GAP_PLACEHOLDER.sub(lambda m: f"___ ({numbers[m.group(1)]})", source))


_SENTENCE_END = re.compile(r"[.!?…][\"'“”„»«)]*\s+")
_CONTEXT_CHARS = 60


def _gap_context(source: str, start: int, end: int) -> str:
    """The sentence around a gap, the gap as '___' (shortened to a few words each side): the name
    of the gap's control, so that a screen reader says which gap it is, not only its number."""
    before, after = source[:start], source[end:]
    ends = list(_SENTENCE_END.finditer(before))
    before = before[ends[-1].end():] if ends else before
    stop = _SENTENCE_END.search(after)
    after = after[: stop.start() + 1] if stop else after
    before = plain(GAP_PLACEHOLDER.sub("___", before), None)
    after = plain(GAP_PLACEHOLDER.sub("___", after), None)
    if len(before) > _CONTEXT_CHARS:
        before = "…" + before[-_CONTEXT_CHARS:].split(" ", 1)[-1]
    if len(after) > _CONTEXT_CHARS:
        after = after[:_CONTEXT_CHARS].rsplit(" ", 1)[0] + "…"
    spaced_before = " " if source[:start].endswith((" ", "\n")) else ""
    spaced_after = " " if source[end:].startswith((" ", "\n")) else ""
    return f"{before}{spaced_before}___{spaced_after}{after}".strip()


@register
class Cloze(QuestionType[ClozeQuestion]):
    name = "cloze"

    def layout(self, question: ClozeQuestion, rng: random.Random, shuffle_options: bool) -> Layout:
        return {
            "gaps": {
                gap.id: option_layout(gap.options, rng, shuffle_options)
                for gap in question.gaps
                if isinstance(gap, ChoiceGap)
            }
        }

    def _control(self, question: ClozeQuestion, gap: GapModel, layout: Layout, locale: str, value: str | None, number: int) -> dict[str, Any]:
        control: dict[str, Any] = {
            "kind": "gap",
            "number": number,
            "name": input_name(question.id, gap.id),
            "input_id": input_name(question.id, gap.id),
        }
        if isinstance(gap, ChoiceGap):
            pairs = laid_out_options(gap.options, (layout.get("gaps") or {}).get(gap.id))
            control["control"] = "select"
            control["options"] = [
                {"value": token, "label": option_label(option.text, locale), "selected": option.id == value}
                for option, token in pairs
            ]
        else:
            control["control"] = "text"
            control["value"] = value or ""
            control["maxlength"] = SHORT_MAX_LENGTH
            control["inputmode"] = "decimal" if isinstance(gap, NumericGap) else "text"
        return control

    def view(self, question: ClozeQuestion, layout: Layout, locale: str, response: Response | None = None) -> View:
        given = _given(response)
        gaps = {gap.id: gap for gap in question.gaps}
        numbers = _numbers(question, locale)
        source = resolve(question.text, locale)
        segments: list[dict[str, Any]] = []
        position = 0
        for match in GAP_PLACEHOLDER.finditer(source):
            segments.append({"kind": "text", "html": render_markdown(source[position : match.start()], strip=False)})
            gap = gaps[match.group(1)]
            control = self._control(question, gap, layout, locale, given.get(gap.id), numbers[gap.id])
            control["context"] = _gap_context(source, match.start(), match.end())
            segments.append(control)
            position = match.end()
        segments.append({"kind": "text", "html": render_markdown(source[position:], strip=False)})
        view = self.base_view(question, locale, response)
        view["stem"] = _numbered_text(question, locale)
        return {**view, "segments": segments}

    def parse(self, question: ClozeQuestion, layout: Layout, form: Form) -> Response:
        answers: dict[str, str] = {}
        for gap in question.gaps:
            value = form_value(form, input_name(question.id, gap.id))
            if value is None:
                continue
            if isinstance(gap, ChoiceGap):
                pairs = laid_out_options(gap.options, (layout.get("gaps") or {}).get(gap.id))
                value = choice_for_token(pairs, value).id
            elif isinstance(gap, NumericGap):
                number_input(value)
            answers[gap.id] = value
        return {"gaps": answers} if answers else {}

    def _parts(self, question: ClozeQuestion, response: Response) -> list[Part]:
        given = _given(response)
        return [Part(gap.id, _gap_correct(gap, given.get(gap.id))) for gap in question.gaps]

    def score(self, question: ClozeQuestion, response: Response) -> Score:
        return score_parts(question.points, self._parts(question, response))

    def is_answered(self, response: Response | None) -> bool:
        return bool(_given(response))

    def fits(self, question: ClozeQuestion, response: Response) -> bool:
        gaps = response.get("gaps")
        if not isinstance(gaps, dict) or not gaps:
            return False
        by_id = {gap.id: gap for gap in question.gaps}
        return all(
            gap_id in by_id and isinstance(value, str)
            and (not isinstance(by_id[gap_id], ChoiceGap) or any(o.id == value for o in by_id[gap_id].options))
            for gap_id, value in gaps.items()
        )

    def review(self, question: ClozeQuestion, layout: Layout, locale: str, response: Response) -> Review:
        given = _given(response)
        numbers = _numbers(question, locale)
        lang = normalize_locale(locale)
        rows = []
        for gap, part in sorted(zip(question.gaps, self._parts(question, response)), key=lambda gp: numbers[gp[0].id]):
            value = given.get(gap.id)
            if isinstance(gap, ChoiceGap):
                texts = {o.id: option_label(o.text, locale) for o in gap.options}
                shown = texts.get(value) if value else None
                expected = next(texts[o.id] for o in gap.options if o.correct)
            elif isinstance(gap, NumericGap):
                shown, expected = value, numeric_expected(gap.answer, gap.tolerance, locale)
            else:
                shown, expected = value, " / ".join(gap.answers.for_locale(lang))
            rows.append(
                {
                    "kind": "answer",
                    "label": None,
                    "number": numbers[gap.id],
                    "given": shown,
                    "expected": expected,
                    "correct": part.correct,
                }
            )
        review = self.base_review(question, locale, response, rows)
        review["stem"] = _numbered_text(question, locale)
        return review
