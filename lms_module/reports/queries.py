"""The reports' reads, as SQL aggregation scoped to one course and resource link.

Nothing here loads answers into Python objects: the gradebook, the class summary and the item
analysis are GROUP BY and window-function queries whose results are one row per student or per
question. Only finished, non-preview attempts count (an instructor's preview never shows up).
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Text, and_, case, cast, false, func, literal, literal_column, or_, select, true, union,
)
from sqlalchemy.sql import ColumnElement

from ..attempts.models import AWAITING_GRADING, IN_PROGRESS, SUBMITTED, Accommodation, Answer, Attempt
from ..extensions import db
from ..grade_sync.models import GradeOutbox
from ..library.models import Quiz, QuizVersion
from ..lti.models import LaunchSession, Membership, User
from ..lti.roles import STUDENT
from . import formulas
from .sql import plain_plans, seconds_between

FINISHED = (SUBMITTED, AWAITING_GRADING)
_EPS = 1e-9  # fractions are stored to four decimals; comparisons allow for float representation


@dataclass(frozen=True)
class Scope:
    """What every report query is limited to: the launch's course and resource link."""

    course_id: int | None
    link_id: int


def _own_attempts(scope: Scope):
    return and_(Attempt.resource_link_id == scope.link_id, Attempt.is_preview.is_(false()))


def people(scope: Scope):
    """Everyone the reports list: the course's students from the roster, plus anyone who launched
    or attempted this activity (a roster can lag behind the launches)."""
    parts = [
        select(Attempt.user_id.label("user_id")).where(_own_attempts(scope)),
        select(LaunchSession.user_id.label("user_id")).where(
            LaunchSession.resource_link_id == scope.link_id, LaunchSession.role == STUDENT
        ),
    ]
    if scope.course_id is not None:
        parts.append(
            select(Membership.user_id.label("user_id")).where(
                Membership.course_id == scope.course_id, Membership.role == STUDENT
            )
        )
    return union(*parts).subquery("people")


def is_listed(scope: Scope, user_id: int) -> bool:
    """Whether `user_id` is one of the students these reports may show (ids from URLs)."""
    people_q = people(scope)
    return db.session.scalar(select(func.count()).select_from(people_q).where(people_q.c.user_id == user_id)) > 0


def display_name(user: User | None) -> str:
    if user is None:
        return ""
    full = " ".join(part for part in (user.given_name, user.family_name) if part)
    return user.name or full or user.subject


def _name_sql():
    full = func.trim(func.coalesce(User.given_name, "") + literal(" ") + func.coalesce(User.family_name, ""))
    return func.coalesce(func.nullif(User.name, ""), func.nullif(full, ""), User.subject)


# --- gradebook -----------------------------------------------------------------------------------

SORTS = ("name", "attempts", "grade", "best", "last", "time", "activity")
FILTERS = ("all", "not_started", "in_progress", "awaiting_grading", "passed", "failed")


@dataclass(frozen=True)
class GradebookRow:
    user_id: int
    name: str
    email: str | None
    subject: str
    member_status: str | None  # active | inactive | None (not in the roster: launched only)
    attempts: int
    open_attempts: int
    awaiting: int
    grade: float | None
    best: float | None
    last: float | None
    passed: bool | None
    seconds: float | None
    last_activity: datetime | None
    sync_status: str | None  # the latest GradeOutbox row's status, None without any
    sync_at: datetime | None
    sync_error: str | None
    has_accommodation: bool


@dataclass(frozen=True)
class GradebookPage:
    rows: list[GradebookRow]
    total: int  # rows that pass the filter
    page: int
    pages: int
    per_page: int
    counts: dict[str, int]  # per filter


def _grade_column(graded, grading: str) -> ColumnElement:
    """The activity grade as a fraction, as engine.activity_grade computes it (in SQL for speed on
    thousands of students; tests/integration/reports/test_one_grade.py checks it against the
    function on the same data): over the counted attempts only, unrounded."""
    if grading == "highest":
        return graded.c.grade_highest
    if grading == "last":
        return graded.c.grade_last
    if grading == "first":
        return graded.c.grade_first
    if grading == "average":
        return graded.c.grade_mean
    raise ValueError(f"unknown grading method {grading!r}")


def _counts_for_grade():
    """SQL for engine.activity_grade's rule: taken while the activity was graded (the flag in the
    attempt's settings); the caller limits to fully graded (submitted) attempts."""
    return func.coalesce(Attempt.settings["graded"].as_boolean(), false())


def gradebook_query(scope: Scope, grading: str, pass_mark: float):
    """One row per listed student, as a subquery (filtering, sorting and paging happen on it)."""
    return gradebook_select(scope, grading, pass_mark).subquery("book")


def gradebook_select(scope: Scope, grading: str, pass_mark: float):
    own = _own_attempts(scope)
    activity = select(
        Attempt.user_id,
        func.count().label("attempts"),
        func.sum(case((Attempt.status == IN_PROGRESS, 1), else_=0)).label("open_attempts"),
        func.sum(case((Attempt.status == AWAITING_GRADING, 1), else_=0)).label("awaiting"),
        func.sum(
            case((Attempt.submitted_at.is_not(None), seconds_between(Attempt.started_at, Attempt.submitted_at)))
        ).label("seconds"),
        func.max(func.coalesce(Attempt.submitted_at, Attempt.started_at)).label("last_activity"),
    ).where(own).group_by(Attempt.user_id).subquery("activity")

    # Best and Last describe attempts (every fully graded one, practice too); the grade counts only
    # the attempts engine.activity_grade counts, numbered among themselves for first and last.
    counts = _counts_for_grade()
    exact = case((Attempt.max_marks > 0, Attempt.marks / Attempt.max_marks), else_=0.0)
    ranked = select(
        Attempt.user_id,
        Attempt.fraction,
        counts.label("counts"),
        exact.label("exact"),
        func.row_number().over(partition_by=Attempt.user_id, order_by=Attempt.number.desc()).label("from_last"),
        func.row_number().over(partition_by=(Attempt.user_id, counts), order_by=Attempt.number).label("counted_first"),
        func.row_number().over(partition_by=(Attempt.user_id, counts), order_by=Attempt.number.desc())
        .label("counted_last"),
    ).where(own, Attempt.status == SUBMITTED, Attempt.fraction.is_not(None)).subquery("ranked")
    counted = ranked.c.counts == true()
    graded = select(
        ranked.c.user_id,
        func.max(ranked.c.fraction).label("best"),
        func.max(case((ranked.c.from_last == 1, ranked.c.fraction))).label("last"),
        func.max(case((counted, ranked.c.exact))).label("grade_highest"),
        func.max(case((and_(counted, ranked.c.counted_last == 1), ranked.c.exact))).label("grade_last"),
        func.max(case((and_(counted, ranked.c.counted_first == 1), ranked.c.exact))).label("grade_first"),
        func.avg(case((counted, ranked.c.exact))).label("grade_mean"),
    ).group_by(ranked.c.user_id).subquery("graded")

    latest = select(GradeOutbox.user_id, func.max(GradeOutbox.id).label("outbox_id")).where(
        GradeOutbox.resource_link_id == scope.link_id
    ).group_by(GradeOutbox.user_id).subquery("latest")

    launches = select(LaunchSession.user_id, func.max(LaunchSession.created_at).label("last_launch")).where(
        LaunchSession.resource_link_id == scope.link_id
    ).group_by(LaunchSession.user_id).subquery("launches")

    people_q = people(scope)
    grade = _grade_column(graded, grading)
    threshold = round(pass_mark, 4) - _EPS
    membership_join = and_(Membership.user_id == people_q.c.user_id,
                           Membership.course_id == (scope.course_id if scope.course_id is not None else -1))
    accommodation_join = and_(Accommodation.user_id == people_q.c.user_id,
                              Accommodation.resource_link_id == scope.link_id)
    return (
        select(
            people_q.c.user_id,
            _name_sql().label("name"),
            User.email,
            User.subject,
            Membership.status.label("member_status"),
            func.coalesce(activity.c.attempts, 0).label("attempts"),
            func.coalesce(activity.c.open_attempts, 0).label("open_attempts"),
            func.coalesce(activity.c.awaiting, 0).label("awaiting"),
            grade.label("grade"),
            graded.c.best,
            graded.c.last,
            case((grade.is_(None), None), (grade >= threshold, 1), else_=0).label("passed"),
            activity.c.seconds,
            func.coalesce(_later(activity.c.last_activity, launches.c.last_launch), Membership.last_launch_at).label(
                "last_activity"
            ),
            GradeOutbox.status.label("sync_status"),
            func.coalesce(GradeOutbox.sent_at, GradeOutbox.created_at).label("sync_at"),
            GradeOutbox.last_error.label("sync_error"),
            case((Accommodation.id.is_(None), 0), else_=1).label("has_accommodation"),
        )
        .select_from(people_q)
        .join(User, User.id == people_q.c.user_id)
        .outerjoin(Membership, membership_join)
        .outerjoin(activity, activity.c.user_id == people_q.c.user_id)
        .outerjoin(graded, graded.c.user_id == people_q.c.user_id)
        .outerjoin(launches, launches.c.user_id == people_q.c.user_id)
        .outerjoin(latest, latest.c.user_id == people_q.c.user_id)
        .outerjoin(GradeOutbox, GradeOutbox.id == latest.c.outbox_id)
        .outerjoin(Accommodation, accommodation_join)
    )


def _later(a, b):
    """The later of two timestamps, either of which may be NULL (GREATEST is not in SQLite)."""
    return case((a.is_(None), b), (b.is_(None), a), (a > b, a), else_=b)


def _filter_condition(book, name: str):
    return {
        "all": true(),
        "not_started": book.c.attempts == 0,
        "in_progress": book.c.open_attempts > 0,
        "awaiting_grading": book.c.awaiting > 0,
        "passed": book.c.passed == 1,
        "failed": book.c.passed == 0,
    }[name]


def _sort_key(book, name: str):
    return {
        "name": func.lower(book.c.name),
        "attempts": book.c.attempts,
        "grade": book.c.grade,
        "best": book.c.best,
        "last": book.c.last,
        "time": book.c.seconds,
        "activity": book.c.last_activity,
    }[name]


def gradebook(scope: Scope, grading: str, pass_mark: float, *, sort: str = "name", descending: bool = False,
              filter_by: str = "all", page: int = 1, per_page: int = 50) -> GradebookPage:
    plain_plans()
    book = gradebook_query(scope, grading, pass_mark)
    counts_row = db.session.execute(
        select(*[func.coalesce(func.sum(case((_filter_condition(book, f), 1), else_=0)), 0).label(f) for f in FILTERS])
    ).one()
    counts = {f: int(getattr(counts_row, f)) for f in FILTERS}
    total = counts[filter_by]
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    key = _sort_key(book, sort)
    rows = db.session.execute(
        select(book)
        .where(_filter_condition(book, filter_by))
        .order_by((key.desc() if descending else key.asc()).nulls_last(), func.lower(book.c.name), book.c.user_id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return GradebookPage([_row(r) for r in rows], total, page, pages, per_page, counts)


def gradebook_rows(scope: Scope, grading: str, pass_mark: float) -> Iterator[GradebookRow]:
    """Every row, by name (for the CSV export)."""
    plain_plans()
    book = gradebook_query(scope, grading, pass_mark)
    result = db.session.execute(select(book).order_by(func.lower(book.c.name), book.c.user_id))
    for row in result:
        yield _row(row)


def _row(r) -> GradebookRow:
    return GradebookRow(
        user_id=r.user_id, name=r.name, email=r.email, subject=r.subject, member_status=r.member_status,
        attempts=int(r.attempts), open_attempts=int(r.open_attempts), awaiting=int(r.awaiting),
        grade=r.grade, best=r.best, last=r.last, passed=None if r.passed is None else bool(r.passed),
        seconds=r.seconds, last_activity=r.last_activity, sync_status=r.sync_status, sync_at=r.sync_at,
        sync_error=r.sync_error, has_accommodation=bool(r.has_accommodation),
    )


# --- one student's attempts ----------------------------------------------------------------------


def student_attempts(scope: Scope, user_id: int) -> list[Attempt]:
    return list(db.session.scalars(
        select(Attempt).where(_own_attempts(scope), Attempt.user_id == user_id).order_by(Attempt.number)
    ))


def attempt_in_scope(scope: Scope, public_id: str) -> Attempt | None:
    return db.session.scalars(select(Attempt).where(_own_attempts(scope), Attempt.public_id == public_id)).first()


def answer_in_scope(scope: Scope, answer_id: int) -> Answer | None:
    return db.session.scalars(
        select(Answer).join(Attempt, Attempt.id == Answer.attempt_id).where(_own_attempts(scope), Answer.id == answer_id)
    ).first()


# --- manual grading queue ------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueEntry:
    answer_id: int
    attempt_public_id: str
    attempt_number: int
    user_id: int
    name: str
    question_id: str
    submitted_at: datetime | None


def grading_queue(scope: Scope, limit: int | None = None) -> list[QueueEntry]:
    """Essay answers waiting for the instructor, oldest submission first."""
    query = (
        select(Answer.id, Attempt.public_id, Attempt.number, Attempt.user_id, _name_sql().label("name"),
               Answer.question_id, Attempt.submitted_at)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(User, User.id == Attempt.user_id)
        .where(_own_attempts(scope), Attempt.status == AWAITING_GRADING, Answer.needs_manual.is_(True),
               Answer.manual_marks.is_(None))
        .order_by(Attempt.submitted_at, Answer.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [QueueEntry(*row) for row in db.session.execute(query)]


def queue_length(scope: Scope) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Answer).join(Attempt, Attempt.id == Answer.attempt_id).where(
            _own_attempts(scope), Attempt.status == AWAITING_GRADING, Answer.needs_manual.is_(True),
            Answer.manual_marks.is_(None),
        )
    )


# --- class summary -------------------------------------------------------------------------------


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
    bin_of = case(*[(book.c.grade >= edge - _EPS, index) for index, edge in reversed(list(enumerate(edges)))],
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
            _own_attempts(scope), Attempt.status.in_(FINISHED), Attempt.submitted_at.is_not(None)
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


# --- item analysis -------------------------------------------------------------------------------

CHOSEN = ("all", "first", "highest", "last")


def chosen_attempts(scope: Scope, which: str):
    """The graded attempts the analysis covers: all, or one per student (first, highest, last)."""
    base = (_own_attempts(scope), Attempt.status == SUBMITTED)
    columns = (Attempt.id, Attempt.user_id, Attempt.quiz_version_id, Attempt.marks.label("total"), Attempt.fraction)
    if which == "all":
        return select(*columns).where(*base).cte("chosen")
    order = {
        "first": [Attempt.number.asc()],
        "last": [Attempt.number.desc()],
        "highest": [Attempt.fraction.desc(), Attempt.number.asc()],
    }[which]
    ranked = select(*columns, func.row_number().over(partition_by=Attempt.user_id, order_by=order).label("pick")).where(
        *base
    ).subquery("ranked_attempts")
    return select(ranked.c.id, ranked.c.user_id, ranked.c.quiz_version_id, ranked.c.total, ranked.c.fraction).where(
        ranked.c.pick == 1
    ).cte("chosen")


@dataclass(frozen=True)
class ItemSums:
    question_sums: dict[str, formulas.QuestionSums]
    totals: formulas.TotalSums
    version_ids: list[int]


SCALE = 10000  # marks are stored to four decimals: in ten-thousandths they are whole numbers


def _marks_histogram(chosen):
    """(question, x, r, count) over the chosen attempts: x the question's mark and r = X − x the
    rest of the attempt, both in ten-thousandths of a point. Marks take few values, so this one
    GROUP BY over the answers has a few thousand rows, and everything else is computed from it."""
    mark = func.coalesce(Answer.manual_marks, Answer.marks, 0.0)
    x = func.round(mark * SCALE)
    r = func.round((func.coalesce(chosen.c.total, 0.0) - mark) * SCALE)
    return (
        select(Answer.question_id.label("q"), x.label("x"), r.label("r"), func.count().label("c"),
               func.max(Answer.max_marks).label("m"))
        .join(chosen, chosen.c.id == Answer.attempt_id)
        .group_by(Answer.question_id, x, r)
        .cte("histogram")
    )


def _ranks(histogram, value):
    """Each distinct value of a question with the ranks it takes in sorted order: (lo, hi]."""
    grouped = select(histogram.c.q, value.label("v"), func.sum(histogram.c.c).label("c")).group_by(
        histogram.c.q, value
    ).subquery()
    hi = func.sum(grouped.c.c).over(partition_by=grouped.c.q, order_by=grouped.c.v)
    return select(grouped.c.q, grouped.c.v, (hi - grouped.c.c).label("lo"), hi.label("hi")).subquery()


def item_sums(scope: Scope, which: str) -> ItemSums:
    """The sufficient statistics of the item analysis, one row per question."""
    plain_plans()
    chosen = chosen_attempts(scope, which)
    h = _marks_histogram(chosen)
    sums = select(
        h.c.q,
        func.sum(h.c.c).label("n"),
        func.max(h.c.m).label("m"),
        func.sum(h.c.c * h.c.x).label("sx"),
        func.sum(h.c.c * h.c.x * h.c.x).label("sxx"),
        func.sum(h.c.c * h.c.r).label("sr"),
        func.sum(h.c.c * h.c.r * h.c.r).label("srr"),
        func.sum(h.c.c * h.c.x * h.c.r).label("sxr"),
        func.count(func.distinct(h.c.x)).label("x_values"),
        func.count(func.distinct(h.c.r)).label("r_values"),
    ).group_by(h.c.q).subquery("sums")
    # Cov_max pairs the k-th smallest mark with the k-th smallest rest. With the ranks each value
    # covers, Σ x₍ₖ₎·r₍ₖ₎ = Σ over overlapping (x, r) rank ranges of x · r · |overlap|.
    xs, rs = _ranks(h, h.c.x), _ranks(h, h.c.r)
    upper = case((xs.c.hi < rs.c.hi, xs.c.hi), else_=rs.c.hi)
    lower = case((xs.c.lo > rs.c.lo, xs.c.lo), else_=rs.c.lo)
    sorted_products = select(xs.c.q, func.sum(xs.c.v * rs.c.v * (upper - lower)).label("sorted_xr")).join(
        rs, and_(rs.c.q == xs.c.q, rs.c.lo < xs.c.hi, xs.c.lo < rs.c.hi)
    ).group_by(xs.c.q).subquery("sorted_products")
    rows = db.session.execute(
        select(sums, sorted_products.c.sorted_xr).join(sorted_products, sorted_products.c.q == sums.c.q)
    ).all()
    unit, square = SCALE, SCALE * SCALE
    question_sums = {
        r.q: formulas.QuestionSums(
            n=int(r.n), max_mark=float(r.m or 0), sum_x=float(r.sx) / unit, sum_xx=float(r.sxx) / square,
            sum_r=float(r.sr) / unit, sum_rr=float(r.srr) / square, sum_xr=float(r.sxr) / square,
            sum_sorted_xr=float(r.sorted_xr) / square, x_constant=r.x_values == 1, r_constant=r.r_values == 1,
        )
        for r in rows
    }
    total = func.coalesce(chosen.c.total, 0.0)
    n, s, ss, values = db.session.execute(
        select(func.count(), func.sum(total), func.sum(total * total),
               func.count(func.distinct(func.round(total * SCALE))))
    ).one()
    versions = [v for (v,) in db.session.execute(select(chosen.c.quiz_version_id).distinct())]
    totals = formulas.TotalSums(int(n), float(s or 0), float(ss or 0), values <= 1)
    return ItemSums(question_sums, totals, versions)


@dataclass(frozen=True)
class OptionCounts:
    """How often each option was chosen, overall and in the bottom and top third of attempts
    (by the attempt's score); `attempts` are the attempts that contained the question."""

    attempts: dict[str, list[int]]  # question id -> [all, bottom third, top third]
    chosen: dict[tuple[str, str], list[int]]  # (question id, option key) -> [all, bottom, top]


def _chosen_keys(response: dict) -> list[str]:
    """Option keys of a choice question's response: option ids, or 'true'/'false'."""
    if isinstance(response.get("choice"), str):
        return [response["choice"]]
    if isinstance(response.get("choices"), list):
        return [str(c) for c in response["choices"]]
    if isinstance(response.get("value"), bool):
        return ["true" if response["value"] else "false"]
    return []


def option_counts(scope: Scope, which: str, question_ids: Sequence[str]) -> OptionCounts:
    """For choice questions (single, multiple, true/false). A choice question has few distinct
    responses, so the answers are grouped by their stored text in SQL and only those groups are
    decoded here."""
    plain_plans()
    attempts: dict[str, list[int]] = {}
    chosen_counts: dict[tuple[str, str], list[int]] = {}
    if not question_ids:
        return OptionCounts(attempts, chosen_counts)
    chosen = chosen_attempts(scope, which)
    thirds = select(chosen.c.id, func.ntile(3).over(order_by=(chosen.c.fraction, chosen.c.id)).label("third")).cte(
        "thirds"
    )
    response_text = cast(Answer.response, Text)
    rows = db.session.execute(
        select(Answer.question_id, thirds.c.third, response_text, func.count())
        .join(thirds, thirds.c.id == Answer.attempt_id)
        .where(Answer.question_id.in_(list(question_ids)))
        .group_by(Answer.question_id, thirds.c.third, response_text)
    )
    for qid, third, raw, count in rows:
        groups = (0, 1) if third == 1 else (0, 2) if third == 3 else (0,)
        slot = attempts.setdefault(qid, [0, 0, 0])
        try:
            keys = _chosen_keys(json.loads(raw) if raw else {})
        except (ValueError, AttributeError):
            keys = []
        for group in groups:
            slot[group] += count
        for key in keys:
            chosen_slot = chosen_counts.setdefault((qid, key), [0, 0, 0])
            for group in groups:
                chosen_slot[group] += count
    return OptionCounts(attempts, chosen_counts)


# --- responses export ----------------------------------------------------------------------------


def response_rows(scope: Scope, batch: int = 5000) -> Iterator:
    """Every answer of every finished attempt, by student and attempt, streamed in batches. Rows
    are tuples in this order: user_id, name, subject, attempt_number, attempt_status, started_at,
    submitted_at, quiz_version_id, question_id, response (the stored JSON text), marks,
    manual_marks, max_marks, needs_manual, comment, answered_at."""
    plain_plans()
    name = _name_sql().label("name")
    query = (
        select(Attempt.user_id, name, User.subject, Attempt.number.label("attempt_number"),
               Attempt.status.label("attempt_status"), Attempt.started_at, Attempt.submitted_at,
               Attempt.quiz_version_id, Answer.question_id, cast(Answer.response, Text).label("response"),
               Answer.marks, Answer.manual_marks, Answer.max_marks, Answer.needs_manual,
               Answer.manual_comment.label("comment"), Answer.answered_at)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(User, User.id == Attempt.user_id)
        .where(_own_attempts(scope), Attempt.status.in_(FINISHED))
        .order_by(func.lower(name), Attempt.user_id, Attempt.number, Answer.id)
    )
    # Core execution on the session's connection: a server-side cursor, no ORM row processing.
    result = db.session.connection().execution_options(stream_results=True).execute(query)
    for rows in result.partitions(batch):
        yield from rows
