"""Reads across one course: its activities, its students, their answered questions by topic, the
students who have not started an activity that closes soon, those who missed one that has closed,
and a student's recent wrong answers.

Everything is limited to one course id (the launch's); only finished, non-preview attempts count.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, false, func, or_, select, union

from ..attempts import policy
from ..attempts import services as attempts
from ..attempts.course_practice import PRACTICE_LINK_PREFIX, is_practice_link
from ..attempts.models import AWAITING_GRADING, SUBMITTED, Accommodation, Answer, Attempt
from ..courses.models import Membership, ResourceLink, User
from ..engine import resolve
from ..extensions import db
from ..grade_sync.models import GradeOutbox
from ..grade_sync.states import SHOWN
from ..library.models import Quiz, QuizVersion
from ..reports.mastery import GENERATED_ORIGIN, AnsweredQuestion, topic_of_generated
from ..reports.scope import name_sql

FINISHED = (SUBMITTED, AWAITING_GRADING)
DUE_SOON_DAYS = 7
MAX_STUDENTS = 2000  # a course overview lists at most this many students (bounded page and export)
MAX_WRONG = 10
REVIEW_SCAN = 200  # a student's latest finished attempts whose wrong answers may be listed
MISSED_SHOWN = 50  # names listed per closed activity; the count says how many there are in all


def _counted():
    return (Attempt.status.in_(FINISHED), Attempt.is_preview.is_(false()))


def activities_of(course_id: int) -> list[ResourceLink]:
    """The course's Kontor activities (its practice link is none), in the order they were added."""
    return list(db.session.scalars(
        select(ResourceLink)
        .where(ResourceLink.course_id == course_id, ResourceLink.link_id.not_like(PRACTICE_LINK_PREFIX + "%"))
        .order_by(ResourceLink.id)
    ))


def link_in_course(course_id: int, link_id: int) -> bool:
    link = db.session.get(ResourceLink, link_id)
    return link is not None and link.course_id == course_id and not is_practice_link(link)


@dataclass(frozen=True)
class Student:
    user_id: int
    name: str


def students_of(course_id: int) -> list[Student]:
    """The course's students: the roster's active students and anyone who attempted an activity."""
    ids = union(
        select(Membership.user_id.label("user_id")).where(
            Membership.course_id == course_id, Membership.role == "student", Membership.status == "active"),
        select(Attempt.user_id.label("user_id"))
        .join(ResourceLink, ResourceLink.id == Attempt.resource_link_id)
        .where(ResourceLink.course_id == course_id, Attempt.is_preview.is_(false())),
    ).subquery("ids")
    rows = db.session.execute(
        select(User.id, name_sql().label("name")).join(ids, ids.c.user_id == User.id)
        .order_by(func.lower(name_sql()), User.id).limit(MAX_STUDENTS)
    ).all()
    return [Student(row.id, row.name) for row in rows]


def is_student_of(course_id: int, user_id: int) -> bool:
    return any(s.user_id == user_id for s in students_of(course_id))


@dataclass(frozen=True)
class ActivityRow:
    link_id: int
    title: str
    quiz_title: str | None
    mode: str | None
    graded: bool
    close_at: datetime | None
    students: int  # students with a finished attempt
    attempts: int  # finished attempts
    average: float | None  # mean of the students' activity grades (fractions)
    pass_rate: float | None  # share of students whose grade reaches the pass mark
    sync: dict[str, int]  # latest grade row per student: sent / pending / failed


def activity_rows(course_id: int, locale: str) -> list[ActivityRow]:
    rows = []
    for link in activities_of(course_id):
        try:
            quiz = attempts.quiz_for_link(link)
        except attempts.AttemptError:
            quiz = None
        grading = quiz.settings.grading if quiz else "highest"
        pass_mark = quiz.settings.pass_mark if quiz else 0.5
        by_user: dict[int, list[Attempt]] = {}
        for attempt in db.session.scalars(
            select(Attempt).where(Attempt.resource_link_id == link.id, *_counted()).order_by(Attempt.user_id, Attempt.number)
        ):
            by_user.setdefault(attempt.user_id, []).append(attempt)
        grades = [attempts.grade_of(items, grading) for items in by_user.values()]
        fractions = [g.points / g.maximum for g in grades if g is not None and g.maximum]
        rows.append(ActivityRow(
            link_id=link.id,
            title=link.title or link.quiz_slug or "",
            quiz_title=resolve(quiz.content.title, locale) if quiz else None,
            mode=quiz.settings.mode if quiz else None,
            graded=quiz.settings.graded if quiz else False,
            close_at=quiz.settings.close_at if quiz else None,
            students=len(by_user),
            attempts=sum(len(items) for items in by_user.values()),
            average=sum(fractions) / len(fractions) if fractions else None,
            pass_rate=sum(1 for f in fractions if f + 1e-9 >= pass_mark) / len(fractions) if fractions else None,
            sync=_sync_counts(link.id),
        ))
    return rows


def _sync_counts(link_id: int) -> dict[str, int]:
    latest = (
        select(func.max(GradeOutbox.id).label("row_id"))
        .where(GradeOutbox.resource_link_id == link_id, GradeOutbox.status != "superseded")
        .group_by(GradeOutbox.user_id).subquery("latest")
    )
    counts = {"sent": 0, "pending": 0, "failed": 0}
    for status, count in db.session.execute(
        select(GradeOutbox.status, func.count()).join(latest, latest.c.row_id == GradeOutbox.id)
        .group_by(GradeOutbox.status)
    ):
        shown = SHOWN.get(status, "pending")
        counts[shown] = counts.get(shown, 0) + count
    return counts


# --- answered questions by topic -----------------------------------------------------------------


def answered_questions(course_id: int, user_id: int | None = None) -> dict[int, list[AnsweredQuestion]]:
    """Every counted answer of the course by student, with its topic and marks as they count."""
    marks = case(
        (Answer.manual_marks.is_not(None), Answer.manual_marks),
        (Answer.needs_manual.is_(True), None),
        else_=func.coalesce(Answer.marks, 0.0),
    )
    query = (
        select(Attempt.user_id, Quiz.topic, Quiz.origin, Answer.question_id, marks.label("marks"), Answer.max_marks)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(ResourceLink, ResourceLink.id == Attempt.resource_link_id)
        .join(QuizVersion, QuizVersion.id == Attempt.quiz_version_id)
        .join(Quiz, Quiz.id == QuizVersion.quiz_id)
        .where(ResourceLink.course_id == course_id, *_counted())
    )
    if user_id is not None:
        query = query.where(Attempt.user_id == user_id)
    result: dict[int, list[AnsweredQuestion]] = {}
    for row in db.session.execute(query):
        if row.marks is None:
            continue  # waits for the instructor
        topic = topic_of_generated(row.question_id) if row.origin == GENERATED_ORIGIN else row.topic
        if topic is None:
            continue
        result.setdefault(row.user_id, []).append(AnsweredQuestion(topic, float(row.marks), float(row.max_marks or 0)))
    return result


# --- due soon ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueStudent:
    user_id: int
    name: str
    close_at: datetime  # the student's closing date (attempts.policy.close_at_for)
    own: bool  # an own closing date (accommodation) other than the activity's


@dataclass(frozen=True)
class DueSoon:
    link_id: int
    title: str
    close_at: datetime | None  # the activity's; None or later when only own dates fall in the window
    students: list[DueStudent]  # without any attempt on it, whose closing date falls in the window
    later: int  # students without any attempt whose own closing date is later than the window


def own_close_dates(course_id: int) -> dict[tuple[int, int], datetime]:
    """Every own closing date (accommodation) of the course's activities, by (link id, user id):
    one query for the whole page, not one per student."""
    rows = db.session.execute(
        select(Accommodation.resource_link_id, Accommodation.user_id, Accommodation.close_at)
        .join(ResourceLink, ResourceLink.id == Accommodation.resource_link_id)
        .where(ResourceLink.course_id == course_id, Accommodation.close_at.is_not(None))
    )
    return {(row.resource_link_id, row.user_id): row.close_at for row in rows}


def activity_closes(course_id: int) -> list[tuple[ResourceLink, datetime | None]]:
    """The course's activities whose quiz can be shown, each with its closing date (the one its
    start uses): read once for the overview's two lists, which both start from it."""
    closes = []
    for link in activities_of(course_id):
        try:
            closes.append((link, attempts.quiz_for_link(link).settings.close_at))
        except attempts.AttemptError:
            continue
    return closes


def not_started_due_soon(course_id: int, now: datetime, students: Iterable[Student],
                         days: int = DUE_SOON_DAYS,
                         own: dict[tuple[int, int], datetime] | None = None,
                         closes: list[tuple[ResourceLink, datetime | None]] | None = None) -> list[DueSoon]:
    """Activities that close within `days` for some student, and the students who have not started
    them (no attempt at all, finished or not). Each student's closing date is the one the start
    uses (attempts.policy.close_at_for): their own when an accommodation sets one, else the
    activity's. So a student whose own date is later is not listed, and one whose own date is
    earlier is listed even when the activity itself closes later. `own` and `closes`:
    own_close_dates and activity_closes, when the page has read them already."""
    students = list(students)
    window = timedelta(days=days)
    own = own_close_dates(course_id) if own is None else own
    due = []
    for link, activity_close in activity_closes(course_id) if closes is None else closes:
        activity_due = policy.closes_within(activity_close, now, window)
        if not activity_due and not any(key[0] == link.id for key in own):
            continue
        started = set(db.session.scalars(
            select(Attempt.user_id).where(Attempt.resource_link_id == link.id, Attempt.is_preview.is_(false()))
        ))
        missing, later = [], 0
        for s in students:
            if s.user_id in started:
                continue
            own_close = own.get((link.id, s.user_id))
            close_at = policy.close_at_for(own_close, activity_close)
            if policy.closes_within(close_at, now, window):
                missing.append(DueStudent(s.user_id, s.name, close_at, own_close is not None and own_close != activity_close))
            elif activity_due and own_close is not None and not policy.is_closed(close_at, now):
                later += 1
        if activity_due or missing:
            due.append(DueSoon(link.id, link.title or link.quiz_slug or "", activity_close, missing, later))
    return sorted(due, key=lambda d: min([s.close_at for s in d.students]
                                         + ([d.close_at] if d.close_at and d.close_at >= now else [])))


# --- missed ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MissedStudent:
    user_id: int
    name: str
    close_at: datetime  # the student's closing date (attempts.policy.close_at_for)
    own: bool  # an own closing date (accommodation) other than the activity's
    started: bool  # has an attempt that was never submitted


@dataclass(frozen=True)
class Missed:
    link_id: int
    title: str
    close_at: datetime | None  # the activity's; None or still ahead when only own dates have passed
    closed: bool  # closed for the class (the activity's date has passed)
    students: list[MissedStudent]  # the first `shown`, in the roster's order (by name)
    total: int  # every student who missed it
    later: int  # students without a submitted attempt whose later own closing date has not passed


def missed_activities(course_id: int, now: datetime, students: Iterable[Student], shown: int | None = None,
                      own: dict[tuple[int, int], datetime] | None = None,
                      closes: list[tuple[ResourceLink, datetime | None]] | None = None) -> list[Missed]:
    """Activities that have closed for some student, and the students who missed them
    (attempts.policy.missed: closed by their own closing date, close_at_for, and no submitted
    attempt; an attempt still in progress after the closing date and the grace counts as missed).
    A student whose later own date has not passed is counted in `later`, not missed. At most
    `shown` names per activity (MISSED_SHOWN), with the total. The attempts of all those activities
    are read in one query, the own dates in another (or passed in as `own`, own_close_dates; the
    activities' dates as `closes`, activity_closes): the queries do not grow with the students."""
    students = list(students)
    shown = MISSED_SHOWN if shown is None else shown
    own = own_close_dates(course_id) if own is None else own
    closed = []
    for link, activity_close in activity_closes(course_id) if closes is None else closes:
        if policy.is_closed(activity_close, now) or any(
                key[0] == link.id and policy.is_closed(close_at, now) for key, close_at in own.items()):
            closed.append((link, activity_close))
    if not closed:
        return []
    standing: dict[tuple[int, int], tuple[bool, bool]] = {}  # (link, user): (submitted, in progress)
    for row in db.session.execute(
        select(Attempt.resource_link_id, Attempt.user_id,
               func.max(case((Attempt.status.in_(FINISHED), 1), else_=0)).label("submitted"),
               func.max(case((Attempt.status.in_(FINISHED), 0), else_=1)).label("in_progress"))
        .where(Attempt.resource_link_id.in_([link.id for link, _ in closed]), Attempt.is_preview.is_(false()))
        .group_by(Attempt.resource_link_id, Attempt.user_id)
    ):
        standing[(row.resource_link_id, row.user_id)] = (bool(row.submitted), bool(row.in_progress))
    result = []
    for link, activity_close in closed:
        missing, total, later = [], 0, 0
        for s in students:
            submitted, in_progress = standing.get((link.id, s.user_id), (False, False))
            own_close = own.get((link.id, s.user_id))
            close_at = policy.close_at_for(own_close, activity_close)
            if policy.missed(close_at, now, submitted, in_progress):
                total += 1
                if len(missing) < shown:
                    missing.append(MissedStudent(s.user_id, s.name, close_at,
                                                 own_close is not None and own_close != activity_close, in_progress))
            elif not submitted and own_close is not None and policy.is_closed(activity_close, now) \
                    and not policy.is_closed(close_at, now):
                later += 1
        if policy.is_closed(activity_close, now) or total:
            result.append(Missed(link.id, link.title or link.quiz_slug or "", activity_close,
                                 policy.is_closed(activity_close, now), missing, total, later))
    # the most recently closed first: that is where a teacher follows up
    return sorted(result, key=lambda m: max([s.close_at for s in m.students]
                                            + ([m.close_at] if m.closed else [])), reverse=True)


# --- one student's wrong answers -----------------------------------------------------------------


@dataclass(frozen=True)
class WrongAnswer:
    question: str  # the stem as plain text
    quiz_title: str
    at: datetime | None
    marks: float
    max_marks: float


def recent_wrong(course_id: int, user_id: int, locale: str, now: datetime,
                 limit: int = MAX_WRONG) -> list[WrongAnswer]:
    """The student's most recent answers that did not earn full marks (no answer keys), from the
    attempts whose review is open now (attempts.review_allowed_now). Which questions were wrong is
    part of the review: listing an exam's with feedback "never", or "after the quiz closes" before
    it closed, told a true/false key outright while the class was still answering. Only the latest
    REVIEW_SCAN attempts are looked at (the list shows the latest `limit` answers)."""
    from ..engine import plain

    recent = db.session.scalars(
        select(Attempt)
        .join(ResourceLink, ResourceLink.id == Attempt.resource_link_id)
        .where(ResourceLink.course_id == course_id, Attempt.user_id == user_id, *_counted())
        .order_by(Attempt.submitted_at.desc(), Attempt.id.desc())
        .limit(REVIEW_SCAN)
    ).all()
    # review_allowed_now reads the attempt's activity (its closing date, the student's own date)
    # and, of the attempt itself, its feedback setting and whether it is submitted: asked once per
    # such kind, not per attempt (it read the accommodation again for each of them).
    verdicts: dict[tuple[int, str, bool], bool] = {}
    reviewable = []
    for attempt in recent:
        kind = (attempt.resource_link_id, attempts.settings_of(attempt).feedback, attempt.submitted_at is not None)
        if kind not in verdicts:
            verdicts[kind] = attempts.review_allowed_now(attempt, now)
        if verdicts[kind]:
            reviewable.append(attempt.id)
    if not reviewable:
        return []

    marks = case(
        (Answer.manual_marks.is_not(None), Answer.manual_marks),
        (Answer.needs_manual.is_(True), None),
        else_=func.coalesce(Answer.marks, 0.0),
    )
    rows = db.session.execute(
        select(Answer.question_id, Attempt.quiz_version_id, Attempt.submitted_at, marks.label("marks"),
               Answer.max_marks, QuizVersion.title_de, QuizVersion.title_en)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(ResourceLink, ResourceLink.id == Attempt.resource_link_id)
        .join(QuizVersion, QuizVersion.id == Attempt.quiz_version_id)
        .where(Attempt.id.in_(reviewable), Answer.max_marks > 0,
               or_(Answer.manual_marks < Answer.max_marks,
                   (Answer.manual_marks.is_(None) & Answer.needs_manual.is_(False)
                    & (func.coalesce(Answer.marks, 0.0) < Answer.max_marks))))
        .order_by(Attempt.submitted_at.desc(), Answer.id.desc())
        .limit(limit)
    ).all()
    wrong = []
    for row in rows:
        try:
            from ..library.services import content_by_version_id

            question = content_by_version_id(row.quiz_version_id).question(row.question_id)
            stem = plain(question.text, locale)
        except (KeyError, LookupError):
            stem = row.question_id
        wrong.append(WrongAnswer(stem[:300], row.title_de if locale == "de" else row.title_en, row.submitted_at,
                                 float(row.marks or 0.0), float(row.max_marks)))
    return wrong
