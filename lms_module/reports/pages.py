"""Prepared data for the report templates (templates render, they do not decide or query)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..attempts import policy
from ..attempts import services as attempts
from ..attempts.models import IN_PROGRESS, Accommodation, Answer, Attempt, MarkChange
from ..engine import resolve
from ..engine.display import listing_text, quiz_numbers
from ..extensions import db
from ..courses.models import Membership, User
from . import charts, formulas, queue_queries, summary_queries
from .scope import Scope, display_name, student_attempts
from ..web.template_helpers import topic_label


# --- attempt review ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeView:
    previous: float | None
    new: float
    comment: str
    by: str
    at: datetime


@dataclass
class QuestionReview:
    number: int  # position in the attempt, as the student saw it
    quiz_number: int | None  # the stable label: number in the quiz (file order)
    question_id: str
    answer_id: int | None
    review: dict[str, Any] | None  # None: the question cannot be shown (attempts.services.question_review)
    marks: float | None  # as they count; None while awaiting grading
    auto_marks: float | None
    max_marks: float
    manual: bool  # an instructor set the marks
    pending: bool
    comment: str | None
    answered_at: datetime | None
    seconds_after_start: float | None
    changes: list[ChangeView] = field(default_factory=list)


@dataclass
class AttemptReviewView:
    attempt: Attempt
    student_name: str
    title: str
    questions: list[QuestionReview]
    editable: bool  # marks can be set (the attempt is finished)
    seconds: float | None


def _names(user_ids) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return {u.id: display_name(u) for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def attempt_review(attempt: Attempt, locale: str) -> AttemptReviewView:
    content = attempts.content_for(attempt)
    answers = attempts.answers_by_question(attempt)
    by_answer: dict[int, list[MarkChange]] = {}
    answer_ids = [a.id for a in answers.values()]
    changes = db.session.scalars(
        select(MarkChange).where(MarkChange.answer_id.in_(answer_ids)).order_by(MarkChange.changed_at, MarkChange.id)
    ).all() if answer_ids else []
    for change in changes:
        by_answer.setdefault(change.answer_id, []).append(change)
    names = _names([c.changed_by for c in changes] + [attempt.user_id])
    questions = []
    in_quiz = quiz_numbers(content)
    for number, qid in enumerate(attempts.planned_ids(attempt), start=1):
        answer = answers.get(qid)
        question, review = attempts.question_review(attempt, content, qid, answer, locale)
        answered_at = answer.answered_at if answer else None
        questions.append(QuestionReview(
            number=number,
            quiz_number=in_quiz.get(qid),
            question_id=qid,
            answer_id=answer.id if answer else None,
            review=review,
            marks=attempts.effective_marks(answer) if answer else None,
            auto_marks=None if answer is None or answer.needs_manual else answer.marks,
            max_marks=answer.max_marks if answer else float(question.points if question else 0),
            manual=bool(answer and answer.manual_marks is not None),
            pending=bool(answer and answer.needs_manual and answer.manual_marks is None),
            comment=answer.manual_comment if answer else None,
            answered_at=answered_at,
            seconds_after_start=(answered_at - attempt.started_at).total_seconds() if answered_at else None,
            changes=[ChangeView(c.previous_marks, c.new_marks, c.comment, names.get(c.changed_by, "–"), c.changed_at)
                     for c in by_answer.get(answer.id, [])] if answer else [],
        ))
    seconds = (attempt.submitted_at - attempt.started_at).total_seconds() if attempt.submitted_at else None
    return AttemptReviewView(attempt, names.get(attempt.user_id, ""), resolve(content.title, locale), questions,
                             attempt.status in attempts.FINISHED, seconds)


# --- grading queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradingAnswer:
    """What the grading form needs of the answer: plain values, so the template cannot load anything."""
    id: int
    max_marks: float


@dataclass
class GradingItem:
    entry: queue_queries.QueueEntry
    answer: GradingAnswer
    review: dict[str, Any] | None  # None: the question cannot be shown (attempts.question_review)
    position: int  # 1-based in the queue
    next_answer_id: int | None


@dataclass
class GradingQueueView:
    entries: list[queue_queries.QueueEntry]
    total: int
    current: GradingItem | None
    # The listed answers' questions on one line (listing_text), by answer id: an instructor tells
    # the questions apart by their text, not by the ids the author or an import gave them.
    question_texts: dict[int, str] = field(default_factory=dict)


QUEUE_LIST_LIMIT = 200


def grading_queue(scope: Scope, wanted_answer_id: int | None, locale: str) -> GradingQueueView:
    entries = queue_queries.grading_queue(scope)
    if not entries:
        return GradingQueueView([], 0, None)
    index = next((i for i, e in enumerate(entries) if e.answer_id == wanted_answer_id), 0)
    entry = entries[index]
    answer = db.session.get(Answer, entry.answer_id)
    attempt = db.session.get(Attempt, answer.attempt_id)
    # As the attempt page reviews it: a stored answer its question cannot read as not answered, a
    # question the quiz version lacks (or a layout that no longer fits) as a notice; it can be graded.
    _, review = attempts.question_review(attempt, attempts.content_for(attempt), answer.question_id, answer, locale)
    following = entries[index + 1].answer_id if index + 1 < len(entries) else (
        entries[0].answer_id if index > 0 else None)
    item = GradingItem(entry, GradingAnswer(answer.id, answer.max_marks), review, index + 1, following)
    listed = entries[:QUEUE_LIST_LIMIT]
    return GradingQueueView(listed, len(entries), item, _question_texts(listed, locale))


def _question_texts(entries: list[queue_queries.QueueEntry], locale: str) -> dict[int, str]:
    """Each listed answer's question text, from its attempt's quiz version (the request's content
    cache, which the current answer's review uses too); a question the version lacks keeps its id,
    as the review shows it as a notice."""
    texts: dict[int, str] = {}
    for entry in entries:
        try:
            question = attempts.content_of_version(entry.quiz_version_id).question(entry.question_id)
        except KeyError:
            continue
        texts[entry.answer_id] = listing_text(question, locale)
    return texts


# --- one student ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicMastery:
    topic: str
    label: str
    student: float | None
    group: float | None


@dataclass
class StudentView:
    user_id: int
    name: str
    email: str | None
    member_status: str | None
    attempts: list[Attempt]
    grade: float | None  # the activity grade as a fraction (engine.activity_grade)
    accommodation: Accommodation | None
    running: Attempt | None
    mastery: list[TopicMastery]
    close_at: datetime | None = None  # the student's closing date, as the start reads it
    own_close: bool = False  # their own date (accommodation), not the activity's


def student_view(scope: Scope, link, user_id: int, settings) -> StudentView:
    user = db.session.get(User, user_id)
    membership = db.session.scalars(
        select(Membership).where(Membership.course_id == scope.course_id, Membership.user_id == user_id)
    ).first() if scope.course_id is not None else None
    own = student_attempts(scope, user_id)
    grade = attempts.grade_of(own, settings.grading) if settings is not None else None
    result = summary_queries.mastery([scope.link_id], [user_id])
    mine = result.per_student.get(user_id, {})
    topics = sorted(set(result.by_topic) | set(mine))
    mastery = [TopicMastery(t, str(topic_label(t)), mine.get(t), result.by_topic.get(t)) for t in topics]
    accommodation = attempts.accommodation_for(scope.link_id, user_id)
    own_close = accommodation.close_at if accommodation else None
    activity_close = settings.close_at if settings is not None else None
    return StudentView(
        user_id=user_id,
        name=display_name(user),
        email=user.email if user else None,
        member_status=membership.status if membership and membership.role == "student" else None,
        attempts=own,
        grade=grade.fraction if grade else None,
        accommodation=accommodation,
        running=next((a for a in own if a.status == IN_PROGRESS), None),
        mastery=mastery,
        close_at=policy.close_at_for(own_close, activity_close),
        own_close=own_close is not None and own_close != activity_close,
    )


# --- class summary -------------------------------------------------------------------------------


@dataclass
class SummaryView:
    summary: summary_queries.ClassSummary
    histogram: charts.BarChart
    bins: list[tuple[str, int]]
    mastery: list[TopicMastery]
    mastery_chart: charts.BarChart | None


def bin_labels() -> list[str]:
    edges = formulas.bin_lower_edges()
    return [f"{round(e * 100)}–{round(e * 100) + round(100 / len(edges))} %" for e in edges]


def summary_view(scope: Scope, grading: str, pass_mark: float, percent) -> SummaryView:
    summary = summary_queries.class_summary(scope, grading, pass_mark)
    labels = bin_labels()
    bins = list(zip(labels, summary.histogram))
    histogram = charts.bar_chart([(label, count, str(count)) for label, count in bins], whole_ticks=True)
    result = summary_queries.mastery([scope.link_id], [])
    mastery = [TopicMastery(t, str(topic_label(t)), None, v) for t, v in sorted(result.by_topic.items())]
    mastery_chart = charts.bar_chart(
        [(m.label, m.group, percent(m.group)) for m in mastery], axis_max=1.0,
        tick_label=lambda v: f"{round(v * 100)} %",
    ) if mastery else None
    return SummaryView(summary, histogram, bins, mastery, mastery_chart)
