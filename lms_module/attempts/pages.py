"""Prepared data for the attempt templates (templates render, they do not decide)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup

from ..engine import LayoutError, handler_for, resolve
from ..engine.display import quiz_numbers
from ..engine.questions.base import Score, number_label, outcome
from . import services
from .models import Attempt


def questions_per_page(attempt: Attempt) -> int:
    settings = services.settings_of(attempt)
    return len(attempt.plan) if settings.layout == "all_on_one_page" else 1


def page_count(attempt: Attempt) -> int:
    per_page = questions_per_page(attempt)
    return max(1, -(-len(attempt.plan) // per_page))


def page_question_ids(attempt: Attempt, number: int) -> list[str]:
    """The questions on page `number`, from the plan alone (nothing rendered, no question looked up)."""
    per_page = questions_per_page(attempt)
    return services.planned_ids(attempt)[(number - 1) * per_page: number * per_page]


@dataclass
class NavItem:
    number: int
    page: int
    question_id: str
    answered: bool
    flagged: bool
    current: bool


@dataclass
class PageView:
    number: int
    pages: int
    questions: list[dict[str, Any]]
    nav: list[NavItem]
    deadline: datetime | None
    practice: bool
    title: str
    question_ids: list[str] = field(default_factory=list)


def _responses(attempt: Attempt, content, answers) -> dict[str, dict]:
    """Each stored answer's response as the page reads it (services.stored_response), read once
    per page: a corrupt one is one log line, and the question and its button agree."""
    stored = ((qid, answers.get(qid)) for qid in services.planned_ids(attempt))
    return {qid: services.stored_response(attempt, content.question(qid), answer.response)
            for qid, answer in stored if answer is not None and answer.response}


def _nav(attempt: Attempt, content, answers, responses: dict[str, dict], current_ids: list[str]) -> list[NavItem]:
    per_page = questions_per_page(attempt)
    items = []
    for index, qid in enumerate(services.planned_ids(attempt)):
        answer = answers.get(qid)
        question = content.question(qid)
        answered = bool(responses.get(qid) and handler_for(question).is_answered(responses[qid]))
        items.append(NavItem(index + 1, index // per_page + 1, qid, answered,
                             bool(answer and answer.flagged), qid in current_ids))
    return items


# One navigation button, exactly as a Jinja loop over the items wrote it (the page stays byte for
# byte the same). A page shows a button per question: 20 times the template's tests, filters and
# escapes cost a quarter of a millisecond per page; formatting prepared pieces costs a tenth of that.
_NAV_ITEM = (
    '\n    <li class="q-nav__item{current_class}">'
    '\n      <button type="submit" form="attempt-form" name="go" value="page-{page}" class="q-nav__button"'
    '\n        {current_attr}'
    '\n        aria-label="{label}: {state}{flag_label}">'
    '\n        {number}{flag_mark}{answered_mark}'
    '\n      </button>'
    '\n    </li>\n  '
)


def nav_buttons(nav: Sequence[NavItem], question_label: str, answered_label: str, unanswered_label: str,
                flagged_label: str) -> Markup:
    """The list items of the question navigation (attempts/_nav.html). The labels come translated
    from the template; `question_label` holds ``__N__`` where the question's number goes."""
    question_label, answered_label, unanswered_label, flagged_label = (
        str(Markup.escape(label)) for label in (question_label, answered_label, unanswered_label, flagged_label))
    flag_label = ", " + flagged_label
    return Markup("".join(_NAV_ITEM.format(
        current_class=" q-nav__item--current" if item.current else "",
        page=int(item.page),
        current_attr='aria-current="step"' if item.current else "",
        label=question_label.replace("__N__", str(int(item.number))),
        state=answered_label if item.answered else unanswered_label,
        flag_label=flag_label if item.flagged else "",
        number=int(item.number),
        flag_mark='<span aria-hidden="true"> \u2691</span>' if item.flagged else "",
        answered_mark='<span aria-hidden="true"> \u2713</span>' if item.answered else "",
    ) for item in nav))


def build_page(attempt: Attempt, number: int, locale: str, checked: str | None = None,
               answers: dict[str, services.AnswerState] | None = None) -> PageView:
    """`answers`: services.answer_states(attempt), when the caller has them already."""
    content = services.planned_content(attempt)  # AttemptError if the plan (or below, a layout) does not fit
    settings = services.settings_of(attempt)
    per_page = questions_per_page(attempt)
    ids = page_question_ids(attempt, number)
    if answers is None:
        answers = services.answer_states(attempt)
    responses = _responses(attempt, content, answers)
    questions = []
    for qid in ids:
        question = content.question(qid)
        handler = handler_for(question)
        layout = services.layout_of(attempt, qid)
        answer = answers.get(qid)
        response = responses.get(qid)
        try:
            view = handler.view(question, layout, locale, response)
        except LayoutError:
            raise services.layout_refused(attempt, qid) from None
        entry = {
            "id": qid,
            "number": ids.index(qid) + 1 + (number - 1) * per_page,
            "type": question.type,
            "view": view,
            "flagged": bool(answer and answer.flagged),
            "review": None,
        }
        # Practice mode: a question the student just checked shows its feedback (key included).
        if checked == qid and settings.feedback == "immediate" and answer and answer.checks:
            entry["review"] = handler.review(question, layout, locale, response or {})
        questions.append(entry)
    return PageView(
        number=number,
        pages=page_count(attempt),
        questions=questions,
        nav=_nav(attempt, content, answers, responses, ids),
        deadline=attempt.deadline_at,
        practice=settings.feedback == "immediate",
        title=resolve(content.title, locale),
        question_ids=ids,
    )


@dataclass
class SummaryView:
    title: str
    nav: list[NavItem]
    unanswered: list[NavItem]
    flagged: list[NavItem]
    deadline: datetime | None


def build_summary(attempt: Attempt, locale: str) -> SummaryView:
    content = services.planned_content(attempt)  # AttemptError if the plan does not fit
    answers = services.answer_states(attempt)
    nav = _nav(attempt, content, answers, _responses(attempt, content, answers), [])
    return SummaryView(
        title=resolve(content.title, locale),
        nav=nav,
        unanswered=[n for n in nav if not n.answered],
        flagged=[n for n in nav if n.flagged],
        deadline=attempt.deadline_at,
    )


@dataclass
class ResultView:
    title: str
    status: str
    marks: float | None
    max_marks: float
    fraction: float | None
    passed: bool | None
    pass_mark: float
    review_allowed: bool
    feedback: str
    reviews: list[dict[str, Any]]
    graded: bool


def build_result(attempt: Attempt, locale: str, now: datetime) -> ResultView:
    content = services.content_for(attempt)
    settings = services.settings_of(attempt)
    allowed = services.review_allowed_now(attempt, now)
    reviews = []
    if allowed:
        answers = services.answers_by_question(attempt)
        in_quiz = quiz_numbers(content)
        for qid in services.planned_ids(attempt):
            answer = answers.get(qid)
            _, review = services.question_review(attempt, content, qid, answer, locale)
            if review is None:
                reviews.append({"unshowable": True, "quiz_number": in_quiz.get(qid)})
                continue
            reviews.append({**with_instructor_mark(review, answer, locale), "quiz_number": in_quiz.get(qid)})
    return ResultView(
        title=resolve(content.title, locale),
        status=attempt.status,
        marks=attempt.marks,
        max_marks=attempt.max_marks,
        fraction=attempt.fraction,
        passed=attempt.passed,
        pass_mark=settings.pass_mark,
        review_allowed=allowed,
        feedback=settings.feedback,
        reviews=reviews,
        graded=settings.graded,
    )


def with_instructor_mark(review: dict[str, Any], answer, locale: str) -> dict[str, Any]:
    """The review as the student sees it after the instructor's hand: an essay's (or an overridden
    question's) manual mark replaces the engine's score, and the instructor's comment is shown."""
    if answer is None or answer.manual_marks is None:
        return review
    marks = answer.manual_marks
    return {
        **review,
        "marks": marks,
        "marks_label": number_label(marks, locale),
        "needs_manual": False,
        "outcome": outcome(Score(marks, review["max_marks"]), review["answered"]),
        "instructor_comment": answer.manual_comment,
    }
