"""The gradebook: one row per listed student, as one GROUP BY / window-function query
(the activity grade in SQL, held to engine.activity_grade by tests/integration/grade_sync/test_one_grade.py).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, false, func, select, true
from sqlalchemy.sql import ColumnElement

from ..attempts.models import AWAITING_GRADING, IN_PROGRESS, SUBMITTED, UNSUBMITTABLE, Accommodation, Attempt
from ..db_types import seconds_between
from ..extensions import db
from ..grade_sync.models import GradeOutbox
from ..courses.models import LaunchSession, Membership, User
from .scope import EPS, Scope, name_sql, own_attempts, people
from .sql import plain_plans

SORTS = ("name", "attempts", "grade", "best", "last", "time", "activity")
FILTERS = ("all", "not_started", "in_progress", UNSUBMITTABLE, "awaiting_grading", "passed", "failed")


@dataclass(frozen=True)
class GradebookRow:
    user_id: int
    name: str
    email: str | None
    subject: str
    member_status: str | None  # active | inactive | None (not in the roster: launched only)
    attempts: int
    open_attempts: int  # in progress, not counting the unsubmittable ones
    unsubmittable: int  # Attempt.shown_status UNSUBMITTABLE: overdue, could not be submitted
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


def student_state(row: GradebookRow) -> str:
    """The one state the gradebook shows first (the filters test each condition on its own):
    "not_started" or an Attempt.shown_status, in the words of ATTEMPT_STATUS_LABELS. An attempt
    that could not be submitted comes first: it needs the instructor."""
    if row.attempts == 0:
        return "not_started"
    if row.unsubmittable:
        return UNSUBMITTABLE
    if row.open_attempts:
        return IN_PROGRESS
    if row.awaiting:
        return AWAITING_GRADING
    return SUBMITTED if row.grade is not None else IN_PROGRESS


def gradebook_query(scope: Scope, grading: str, pass_mark: float):
    """One row per listed student, as a subquery (filtering, sorting and paging happen on it)."""
    return gradebook_select(scope, grading, pass_mark).subquery("book")


def gradebook_select(scope: Scope, grading: str, pass_mark: float):
    own = own_attempts(scope)
    activity = select(
        Attempt.user_id,
        func.count().label("attempts"),
        func.sum(case((Attempt.shown_status == IN_PROGRESS, 1), else_=0)).label("open_attempts"),
        func.sum(case((Attempt.shown_status == UNSUBMITTABLE, 1), else_=0)).label("unsubmittable"),
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
    threshold = round(pass_mark, 4) - EPS
    membership_join = and_(Membership.user_id == people_q.c.user_id,
                           Membership.course_id == (scope.course_id if scope.course_id is not None else -1))
    accommodation_join = and_(Accommodation.user_id == people_q.c.user_id,
                              Accommodation.resource_link_id == scope.link_id)
    return (
        select(
            people_q.c.user_id,
            name_sql().label("name"),
            User.email,
            User.subject,
            Membership.status.label("member_status"),
            func.coalesce(activity.c.attempts, 0).label("attempts"),
            func.coalesce(activity.c.open_attempts, 0).label("open_attempts"),
            func.coalesce(activity.c.unsubmittable, 0).label("unsubmittable"),
            func.coalesce(activity.c.awaiting, 0).label("awaiting"),
            grade.label("grade"),
            graded.c.best,
            graded.c.last,
            case((grade.is_(None), None), (grade >= threshold, 1), else_=0).label("passed"),
            activity.c.seconds,
            # This activity only: its attempts and its launches (the membership's last launch is
            # any activity of the course).
            _later(activity.c.last_activity, launches.c.last_launch).label("last_activity"),
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
        UNSUBMITTABLE: book.c.unsubmittable > 0,  # an attempt could not be submitted (student_state)
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
        attempts=int(r.attempts), open_attempts=int(r.open_attempts),
        unsubmittable=int(r.unsubmittable), awaiting=int(r.awaiting),
        grade=r.grade, best=r.best, last=r.last, passed=None if r.passed is None else bool(r.passed),
        seconds=r.seconds, last_activity=r.last_activity, sync_status=r.sync_status, sync_at=r.sync_at,
        sync_error=r.sync_error, has_accommodation=bool(r.has_accommodation),
    )
