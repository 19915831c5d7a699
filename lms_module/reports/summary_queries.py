"""The class summary (grade histogram, median, pass rate, time) and topic mastery, as SQL aggregates."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, false, func, literal_column, or_, select

from ..attempts.models import SUBMITTED, Attempt
from ..db_types import seconds_between
from ..extensions import db
from ..library.models import Quiz, QuizVersion
from . import formulas
from .gradebook_queries import gradebook_select
from .scope import EPS, FINISHED, Scope, own_attempts
from .sql import plain_plans

@dataclass(frozen=True)
class ClassSummary:
    students: int  # listed students
    graded: int  # students with a grade
    histogram: list[int]  # formulas.BINS counts of grades
    mean: float | None
    median: float | None
    pass_rate: float | None  # of students with a grade
    mean_seconds: float | None  # per finished attempt


def class_summary(scope: Scope, grading: str, pass_mark: float) -> ClassSummary:
    plain_plans()
    book = gradebook_select(scope, grading, pass_mark).cte("book")
    edges = formulas.bin_lower_edges()
    bin_of = case(*[(book.c.grade >= edge - EPS, index) for index, edge in reversed(list(enumerate(edges)))],
                  else_=0)
    # One pass: per grade bin (NULL for students without a grade) the count, sum and passes.
    histogram = [0] * len(edges)
    students = graded = passes = 0
    total = 0.0
    for index, count, grade_sum, passed_count in db.session.execute(
        select(case((book.c.grade.is_(None), None), else_=bin_of).label("bin"), func.count(), func.sum(book.c.grade),
               func.sum(book.c.passed)).group_by(literal_column("bin"))
    ):
        students += count
        if index is not None:
            histogram[int(index)] = int(count)
            graded += count
            total += float(grade_sum or 0)
            passes += int(passed_count or 0)
    ordered = select(
        book.c.grade,
        func.row_number().over(order_by=book.c.grade).label("k"),
        func.count().over().label("n"),
    ).where(book.c.grade.is_not(None)).subquery("ordered")
    # The median: the middle value, or the mean of the two middle values (integer division).
    median = db.session.scalar(
        select(func.avg(ordered.c.grade)).where(
            or_(ordered.c.k == (ordered.c.n + 1) // 2, ordered.c.k == (ordered.c.n + 2) // 2)
        )
    )
    mean_seconds = db.session.scalar(
        select(func.avg(seconds_between(Attempt.started_at, Attempt.submitted_at))).where(
            own_attempts(scope), Attempt.status.in_(FINISHED), Attempt.submitted_at.is_not(None)
        )
    )
    return ClassSummary(int(students), int(graded), histogram, total / graded if graded else None, _float(median),
                        passes / graded if graded else None, _float(mean_seconds))


def _float(value) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class Mastery:
    """Mean score per topic: for the class (the mean over students of each student's mean) and
    for each student (the mean of their graded attempts)."""

    by_topic: dict[str, float]
    students_by_topic: dict[str, int]
    per_student: dict[int, dict[str, float]]


def mastery(link_ids: Sequence[int], user_ids: Sequence[int] | None = None) -> Mastery:
    """Over the graded attempts of the given resource links (a course with several activities
    passes all of its link ids; one link is one quiz and so one topic)."""
    plain_plans()
    per_student = (
        select(Attempt.user_id, Quiz.topic, func.avg(Attempt.fraction).label("mastery"))
        .join(QuizVersion, QuizVersion.id == Attempt.quiz_version_id)
        .join(Quiz, Quiz.id == QuizVersion.quiz_id)
        .where(Attempt.resource_link_id.in_(list(link_ids)), Attempt.is_preview.is_(false()),
               Attempt.status == SUBMITTED, Attempt.fraction.is_not(None))
        .group_by(Attempt.user_id, Quiz.topic)
        .subquery("per_student")
    )
    by_topic, counts = {}, {}
    for topic, value, count in db.session.execute(
        select(per_student.c.topic, func.avg(per_student.c.mastery), func.count()).group_by(per_student.c.topic)
    ):
        by_topic[topic], counts[topic] = float(value), int(count)
    students: dict[int, dict[str, float]] = {}
    if user_ids is None or user_ids:
        query = select(per_student)
        if user_ids is not None:
            query = query.where(per_student.c.user_id.in_(list(user_ids)))
        for user_id, topic, value in db.session.execute(query):
            students.setdefault(user_id, {})[topic] = float(value)
    return Mastery(by_topic, counts, students)
