"""The form a student who knows the answer key would send (for tests at every level)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lms_module.engine.schema import (
    ChoiceGap,
    ClozeQuestion,
    DataEntryQuestion,
    DocumentCheckQuestion,
    MatchingQuestion,
    MultipleQuestion,
    NumericGap,
    NumericQuestion,
    OrderingQuestion,
    ShortTextQuestion,
    SingleQuestion,
    TrueFalseQuestion,
)


def _token(entries: list[dict[str, str]], option_id: str) -> str:
    return next(e["token"] for e in entries if e["id"] == option_id)


def key_form(question: Any, layout: dict[str, Any]) -> dict[str, list[str]] | None:
    """The form a student who knows the key would send; None for essays (graded by hand)."""
    name = f"q-{question.id}"
    if isinstance(question, (SingleQuestion, MultipleQuestion)):
        return {name: [_token(layout["options"], o.id) for o in question.options if o.correct]}
    if isinstance(question, TrueFalseQuestion):
        return {name: ["true" if question.answer else "false"]}
    if isinstance(question, NumericQuestion):
        return {name: [str(question.answer).replace(".", ",")]}
    if isinstance(question, ShortTextQuestion):
        return {name: [question.answers.all()[-1].upper() if not question.case_sensitive else question.answers.all()[-1]]}
    if isinstance(question, MatchingQuestion):
        tokens = {c["ref"]: c["token"] for c in layout["choices"]}
        return {f"{name}__{i}": [tokens[f"r{i}"]] for i in range(len(question.pairs))}
    if isinstance(question, OrderingQuestion):
        position = {item.id: str(i + 1) for i, item in enumerate(question.items)}
        return {f"{name}__{j}": [position[item_id]] for j, item_id in enumerate(layout["order"])}
    if isinstance(question, ClozeQuestion):
        form = {}
        for gap in question.gaps:
            if isinstance(gap, ChoiceGap):
                right = next(o.id for o in gap.options if o.correct)
                form[f"{name}__{gap.id}"] = [_token(layout["gaps"][gap.id], right)]
            elif isinstance(gap, NumericGap):
                form[f"{name}__{gap.id}"] = [str(gap.answer)]
            else:
                form[f"{name}__{gap.id}"] = [f"  {gap.answers.all()[0]} "]
        return form
    if isinstance(question, DocumentCheckQuestion):
        return {name: [str(i) for i, f in enumerate(question.document.fields) if f.error]}
    if isinstance(question, DataEntryQuestion):
        return {f"{name}__{f.id}": [f.answer[0]] for f in question.fields}
    return None


def planned_key_forms(attempt) -> Iterator[tuple[Any, dict[str, list[str]] | None]]:
    """(question, its key form) for each question of the attempt's plan, in order; the form is None
    for an essay (no key). In an app context."""
    from lms_module.attempts import services

    content = services.content_for(attempt)
    for entry in attempt.plan:
        question = content.question(entry["question_id"])
        yield question, key_form(question, entry["layout"])


def attempt_key_form(attempt, essay_answer: str) -> tuple[dict[str, list[str]], list[str]]:
    """The key form for every question of the attempt (essays get `essay_answer`) and the question
    ids it answers, in plan order. In an app context."""
    form: dict[str, list[str]] = {}
    ids = []
    for question, fields in planned_key_forms(attempt):
        form.update(fields or {f"q-{question.id}": [essay_answer]})
        ids.append(question.id)
    return form, ids


def running_attempt_key_form(app, essay_answer: str) -> dict[str, list[str]]:
    """The key form for every question of the one attempt in the database; essays get `essay_answer`."""
    from sqlalchemy import select

    from lms_module.attempts.models import Attempt
    from lms_module.extensions import db

    with app.app_context():
        return attempt_key_form(db.session.scalars(select(Attempt)).one(), essay_answer)[0]
