"""The attempt flow as services: plain values in, plain values out; the views commit.

Concurrency: a start counts and inserts under the student's start lock for the activity (so
parallel starts never exceed the attempt limit), submitting is a compare-and-set update, and unique
constraints back both: double clicks, two tabs and several worker processes start one attempt and
grade it exactly once.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import Integer, bindparam, or_, select, update
from sqlalchemy.orm import load_only

from ..engine import (
    ActivityGrade, CountedAttempt, GradingMethod, Score, activity_grade, attempt_result, handler_for, passed, plan_attempt,
    LayoutError, readable_response, score_answer,
)
from ..db_types import json_rows
from ..engine.schema import AnyQuestion, Quiz as QuizContent
from ..extensions import db, upsert_insert
from ..library.models import QuizVersion
from ..library.services import (
    content_by_version_and_hash, content_by_version_id, content_of, latest_version_and_owner, owner_lets_see,
)
from ..courses.models import LaunchSession, ResourceLink
from ..transaction import WriteWhileReading
from . import policy
from .grades import announce_graded
from .models import (
    AWAITING_GRADING, IN_PROGRESS, SUBMITTED, SUBMITTING, Accommodation, Answer, Attempt, LinkSettings, StartLock,
)

FINISHED = (SUBMITTED, AWAITING_GRADING)
log = logging.getLogger("kontor.attempts")



class AttemptError(Exception):
    """Refused with a reason code that the view turns into a message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- settings and the start page -----------------------------------------------------------------


def link_overrides(link: ResourceLink) -> dict:
    """Settings chosen when the activity was added (custom parameters), then the instructor's own."""
    row = db.session.get(LinkSettings, link.id)
    return _merged_overrides(link, row.overrides if row else None)


def _merged_overrides(link: ResourceLink, saved: dict | None) -> dict:
    """link_overrides from the instructor's saved overrides (LinkSettings.overrides; None: no row)."""
    return {**policy.overrides_from_custom(link.custom), **(dict(saved) if saved else {})}


def activity_close_at(link: ResourceLink) -> datetime | None:
    """The activity's closing date as quiz_for_link's settings have it, read also when its quiz is
    gone: only the instructor's saved settings set one (a quiz file and custom parameters have none)."""
    return policy.close_at_of(link_overrides(link))


def review_allowed_now(attempt: Attempt, now: datetime) -> bool:
    """Whether the attempt's answer keys, and which of its questions earned less than full marks,
    may be shown to the student now (its feedback setting, policy.review_allowed). "After the quiz
    closes" opens by the activity's closing date as it stands now, not as it stood at the start: an
    instructor who extends it after the fire alarm must not open the keys at the old date while the
    class still answers; and not before the student's own later date (policy.review_opens_at)."""
    settings = settings_of(attempt)
    opens_at = None
    if settings.feedback == "after_close":
        activity_close = activity_close_at(db.session.get(ResourceLink, attempt.resource_link_id))
        own = accommodation_for(attempt.resource_link_id, attempt.user_id) if activity_close else None
        opens_at = policy.review_opens_at(activity_close, own.close_at if own else None)
    return policy.review_allowed(settings.feedback, attempt.submitted_at is not None, opens_at, now)


def accommodation_for(link_id: int, user_id: int) -> Accommodation | None:
    return db.session.scalars(
        select(Accommodation).where(Accommodation.resource_link_id == link_id, Accommodation.user_id == user_id)
    ).first()


@dataclass(frozen=True)
class QuizForLink:
    version: QuizVersion
    content: QuizContent
    settings: policy.EffectiveSettings


def quiz_for_link(link: ResourceLink, overrides: dict | None = None) -> QuizForLink:
    """The activity's quiz (its latest version) with its effective settings. `overrides`:
    link_overrides(link), when the caller has read them already (start_info: with the attempts)."""
    if not link.quiz_slug:
        raise AttemptError("no_quiz")
    found = latest_version_and_owner(link.quiz_slug, link.course_id)  # the course's own quiz first
    if found is None or not owner_lets_see(found[1], link.course_id):
        raise AttemptError("unknown_quiz")
    version = found[0]
    content = content_of(version)
    if overrides is None:
        overrides = link_overrides(link)
    return QuizForLink(version, content, policy.effective_settings(content.settings, overrides))


@dataclass(frozen=True)
class StartInfo:
    quiz: QuizForLink
    attempts: list[Attempt]
    attempts_left: int | None
    open_attempt: Attempt | None
    close_at: datetime | None
    extra_minutes: int
    refusal: str | None  # why a new attempt cannot start now
    grade: ActivityGrade | None


def start_info(link: ResourceLink, user_id: int, now: datetime, *, is_preview: bool = False) -> StartInfo:
    return _start_info(link, user_id, now, is_preview)[0]


@dataclass(frozen=True)
class _Standing:
    """The student on the activity, as the start reads it: the instructor's saved settings, the
    accommodation's values (0 and None without one) and every attempt, previews too, by number."""
    saved_overrides: dict | None
    extra_attempts: int
    extra_minutes: int
    close_at: datetime | None
    attempts: list[Attempt]


def _standing(link_id: int, user_id: int) -> _Standing:
    """One query instead of three (settings, accommodation, attempts) on every start page and start:
    the link's row outer-joined to its settings and the student's accommodation (at most one of
    each) and attempts, so one row per attempt (one row without attempts)."""
    rows = db.session.execute(_STANDING, {"st_link": link_id, "st_user": user_id}).all()
    first = rows[0] if rows else (None, None, None, None, None)
    return _Standing(first[0], first[1] or 0, first[2] or 0, first[3], [row[4] for row in rows if row[4] is not None])


# Built once and run with values (as the launch query): every start page and start runs it.
_STANDING = (
    select(LinkSettings.overrides, Accommodation.extra_attempts, Accommodation.extra_minutes,
           Accommodation.close_at, Attempt)
    .select_from(ResourceLink)
    .outerjoin(LinkSettings, LinkSettings.resource_link_id == ResourceLink.id)
    .outerjoin(Accommodation, (Accommodation.resource_link_id == ResourceLink.id)
               & (Accommodation.user_id == bindparam("st_user", type_=Integer)))
    .outerjoin(Attempt, (Attempt.resource_link_id == ResourceLink.id) & (Attempt.user_id == bindparam("st_user", type_=Integer)))
    .where(ResourceLink.id == bindparam("st_link", type_=Integer))
    .order_by(Attempt.number)
)


def _start_info(link: ResourceLink, user_id: int, now: datetime, is_preview: bool) -> tuple[StartInfo, int]:
    """start_info, and the number the student's next attempt on the link gets (previews count too)."""
    standing = _standing(link.id, user_id)
    quiz = quiz_for_link(link, _merged_overrides(link, standing.saved_overrides))
    attempts = [a for a in standing.attempts if a.is_preview == is_preview]
    close_at = policy.close_at_for(standing.close_at, quiz.settings.close_at)
    left = None if is_preview else policy.attempts_left(len(attempts), quiz.settings.attempts, standing.extra_attempts)
    open_attempt = next((a for a in attempts if a.status == IN_PROGRESS), None)
    refusal = None
    if open_attempt is None:
        if policy.is_closed(close_at, now):
            refusal = "closed"
        elif left == 0:
            refusal = "no_attempts_left"
    info = StartInfo(
        quiz=quiz,
        attempts=attempts,
        attempts_left=left,
        open_attempt=open_attempt,
        close_at=close_at,
        extra_minutes=standing.extra_minutes,
        refusal=refusal,
        grade=grade_of(attempts, quiz.settings.grading),
    )
    return info, 1 + max((a.number for a in standing.attempts), default=0)


def grade_of(attempts_by_number: Sequence[Attempt], method: GradingMethod) -> ActivityGrade | None:
    """One student's grade for an activity from their attempts (by number), as engine.activity_grade
    computes it for every page, export and the LMS."""
    return activity_grade([counted_attempt(a) for a in attempts_by_number], method)


def apply_grading_method(link: ResourceLink, old_method: str, new_method: str) -> int:
    """A new grading method applies to every attempt, as Kontor's gradebook shows it at once.

    The students whose grade changes are announced to the attempt_graded signal (announce_graded) with their latest
    graded attempt (the grade sync queues what the LMS should hold now; call after the new
    method is stored and flushed). Returns how many students' grades change (Kontor's pages and
    the LMS count the same attempts: engine.activity_grade)."""
    if old_method == new_method:
        return 0
    by_user: dict[int, list[Attempt]] = {}
    for attempt in db.session.scalars(
        select(Attempt)
        .where(Attempt.resource_link_id == link.id, Attempt.is_preview.is_(False), Attempt.status.in_(FINISHED))
        .order_by(Attempt.user_id, Attempt.number)
    ):
        by_user.setdefault(attempt.user_id, []).append(attempt)
    changed = 0
    for attempts in by_user.values():
        if grade_of(attempts, old_method) != grade_of(attempts, new_method):
            changed += 1
            latest = [a for a in attempts if (a.settings or {}).get("graded")][-1]
            announce_graded(latest)
    return changed


def counted_attempt(attempt: Attempt) -> CountedAttempt:
    """An attempt as engine.activity_grade counts it: points once fully graded; graded as it was
    taken (exams; practice with grading on)."""
    fully_graded = attempt.status == SUBMITTED and attempt.fraction is not None
    graded = bool((attempt.settings or {}).get("graded"))
    return CountedAttempt(attempt.marks if fully_graded else None, attempt.max_marks or 0.0, graded)


# --- starting ----------------------------------------------------------------------------------------


def start_attempt(link: ResourceLink, user_id: int, now: datetime, *, is_preview: bool = False) -> Attempt:
    """A new attempt, or the one still in progress (a second tab or a double click resumes it)."""
    _lock_starts(link.id, user_id, now)
    info, number = _start_info(link, user_id, now, is_preview)  # read under the lock
    if info.open_attempt is not None:
        return info.open_attempt
    if info.refusal:
        raise AttemptError(info.refusal)
    settings = info.quiz.settings
    seed = secrets.randbits(63)
    plan = plan_attempt(
        info.quiz.content, seed, settings.shuffle_questions, settings.shuffle_options, settings.questions_per_attempt
    )
    deadline = policy.deadline_for(now, settings.time_limit_minutes, info.extra_minutes, info.close_at)
    attempt = Attempt(
        public_id=secrets.token_urlsafe(16),
        resource_link_id=link.id,
        user_id=user_id,
        quiz_version_id=info.quiz.version.id,
        number=number,
        seed=seed,
        plan=[p.to_dict() for p in plan],
        settings=settings.to_json(),
        status=IN_PROGRESS,
        is_preview=is_preview,
        started_at=now,
        deadline_at=deadline.at,
        max_marks=float(sum(info.quiz.content.question(p.question_id).points for p in plan)),
    )
    # No savepoint and no retry: under the start lock no other start of this student on this
    # activity counts or inserts until this transaction ends, so the unique (link, user, number)
    # cannot fail here. Were it ever to, the request ends in the conflict page with nothing kept.
    db.session.add(attempt)
    db.session.flush()
    return attempt


def _lock_starts(link_id: int, user_id: int, now: datetime) -> None:
    """Hold the student's start lock for this activity until the transaction ends.

    The unique (link, user, number) alone let two parallel starts both count the attempts before
    either inserted, then insert numbers 1 and 2. The lock is a write of the student's StartLock
    row, in one statement, INSERT ... ON CONFLICT DO UPDATE (the first start creates the row, later
    ones update it). On PostgreSQL the update takes the row lock (like SELECT ... FOR UPDATE) that a
    parallel start waits for, and the start then counts under READ COMMITTED what the first one
    committed; a parallel first start waits for the other's uncommitted insert, then updates and
    locks the committed row. On SQLite any write takes the database's single write lock, and the
    start's reads come after it."""
    statement = _start_lock_statement(db.session.get_bind().dialect.name)
    db.session.execute(statement, {"sl_link": link_id, "sl_user": user_id, "sl_now": now})


@cache
def _start_lock_statement(dialect: str):
    """Built once per database kind and run with values (every start takes the lock), on the
    table: the same SQL, without the ORM's bulk layer that an INSERT on the mapped class runs
    through (and builds a new cache key in) on every execution."""
    table = StartLock.__table__
    now_param = bindparam("sl_now", type_=table.c.locked_at.type)
    return (
        upsert_insert(table, dialect)
        .values(resource_link_id=bindparam("sl_link", type_=Integer), user_id=bindparam("sl_user", type_=Integer),
                locked_at=now_param)
        .on_conflict_do_update(index_elements=[table.c.resource_link_id, table.c.user_id],
                               set_={"locked_at": now_param})
    )


# --- loading -----------------------------------------------------------------------------------------


def attempt_of(public_id: str, user_id: int, link_id: int) -> Attempt | None:
    """The attempt only if it belongs to this user and this activity (others' ids look unknown)."""
    return db.session.scalars(
        select(Attempt).where(
            Attempt.public_id == public_id, Attempt.user_id == user_id, Attempt.resource_link_id == link_id
        )
    ).first()


def join_attempt(query, public_id: str):
    """Add the launch's attempt `public_id` and its version's hash to the launch's query
    (courses.load_context_and): the same rule as attempt_of, in the same round trip."""
    return (
        query.add_columns(Attempt, QuizVersion.content_hash)
        .outerjoin(Attempt, (Attempt.public_id == public_id) & (Attempt.user_id == LaunchSession.user_id)
                   & (Attempt.resource_link_id == LaunchSession.resource_link_id))
        .outerjoin(QuizVersion, QuizVersion.id == Attempt.quiz_version_id)
    )


# What a question page and a save use of an attempt in progress (build_page and save_answers:
# ensure_open, planned_content, the plan and settings, the start for clamping the browser's time, the
# deadline, the id; submit_by_student's backoff when it is overdue; whether it is a preview, whose
# deadline nothing moves, so its page does not ask for it). Their launch queries leave the
# attempt's other columns out: fewer for the driver to describe and the ORM to set on every page and
# autosave. A column read anyway is loaded on first use, and a submission's claim reads the whole row.
_IN_PROGRESS_COLUMNS = (Attempt.id, Attempt.public_id, Attempt.quiz_version_id, Attempt.plan, Attempt.settings,
                        Attempt.status, Attempt.started_at, Attempt.deadline_at, Attempt.sweep_retry_at,
                        Attempt.is_preview)


def join_attempt_in_progress(query, public_id: str):
    """join_attempt with only the attempt's columns a question page and a save use (_IN_PROGRESS_COLUMNS)."""
    return join_attempt(query, public_id).options(load_only(*_IN_PROGRESS_COLUMNS))


def remember_content_hash(attempt: Attempt, digest: str) -> None:
    """The parsed quiz for a hash read with the attempt: content_for then asks the database nothing."""
    cache = db.session.info.setdefault("kontor_quiz_content", {})
    if attempt.quiz_version_id not in cache:
        cache[attempt.quiz_version_id] = content_by_version_and_hash(attempt.quiz_version_id, digest)


def content_for(attempt: Attempt) -> QuizContent:
    """The quiz version the attempt started with (content_of_version)."""
    return content_of_version(attempt.quiz_version_id)


def content_of_version(version_id: int) -> QuizContent:
    """A quiz version's content: parsed once per process and version (the library's cache), its
    hash looked up once per database session (a request, a worker round), as versions never
    change. Kept in the session's own `info`, not on an ORM instance."""
    cache = db.session.info.setdefault("kontor_quiz_content", {})
    content = cache.get(version_id)
    if content is None:
        content = cache[version_id] = content_by_version_id(version_id)
    return content


def planned_content(attempt: Attempt) -> QuizContent:
    """content_for, for the student's pages and saves of an attempt in progress: refused with
    AttemptError("plan_not_in_quiz") when its plan names a question its quiz version lacks. That is
    corrupt data (versions never change), nothing of the attempt can be shown or saved (every page
    lists every planned question), so the view gives the student a page in their language instead
    of a stack trace; the attempt id goes to the log. Submitting it is submit_by_student's."""
    content = content_for(attempt)
    missing = content.lacking(planned_ids(attempt))  # the quiz's index of ids, built once per parsed version
    if missing:
        log.error("attempt %s: its plan names %s question(s) that its quiz version %s lacks (%s); "
                  "the student's page is refused", attempt.id, len(missing), attempt.quiz_version_id,
                  ", ".join(repr(qid) for qid in missing[:5]))
        raise AttemptError("plan_not_in_quiz")
    return content


def layout_refused(attempt: Attempt, question_id: str) -> AttemptError:
    """The refusal of a student's page or save of an attempt in progress when a question's stored
    layout does not fit the question (engine LayoutError: corrupt data, as versions never change):
    that question cannot be shown or read, so the view gives the student a page in their language,
    as for planned_content; nothing is written. Logged with the attempt and question id."""
    log.error("attempt %s: the stored layout of question %r does not fit the question; the student's page is "
              "refused", attempt.id, question_id)
    return AttemptError("layout_not_in_quiz")


def settings_of(attempt: Attempt) -> policy.EffectiveSettings:
    """The attempt's settings, read once per stored value and database session (a question page
    asks six times). Kept with the JSON they come from: settings assigned anew are read anew."""
    data = attempt.settings
    cache = db.session.info.setdefault("kontor_attempt_settings", {})
    found = cache.get(id(data))  # the cache holds `data`, so its id is not reused while cached
    if found is None:
        found = cache[id(data)] = (data, policy.EffectiveSettings.from_json(data))
    return found[1]


def planned_ids(attempt: Attempt) -> list[str]:
    return [entry["question_id"] for entry in attempt.plan]


def layout_of(attempt: Attempt, question_id: str) -> dict:
    for entry in attempt.plan:
        if entry["question_id"] == question_id:
            return entry["layout"]
    raise AttemptError("unknown_question")


def stored_response(attempt: Attempt, question, response) -> dict:
    """A stored answer as the student's pages, the submission and the result read it: {} (not
    answered) when it does not fit its question (engine.readable_response: corrupt data, a wrong
    shape or an unknown option). The student can answer again; the row keeps the bad value until
    they do. Logged with the attempt and question id, the value cut short; the student never sees it."""
    readable = readable_response(question, response)
    if readable is None:
        shown = repr(response)
        log.error("attempt %s: the stored answer to question %r does not fit the question and is read as not "
                  "answered: %s", attempt.id, question.id, shown if len(shown) <= 120 else shown[:120] + "...")
        return {}
    return readable


def question_review(attempt: Attempt, content: QuizContent, qid: str, answer: Answer | None, locale: str
                    ) -> tuple[AnyQuestion | None, dict | None]:
    """(question, review) of one planned question, as the student's result page and the
    instructor's attempt page both show it: the stored answer read through stored_response, so an
    answer its question cannot read is reviewed as not answered on both. (None, None) when the plan
    names a question the quiz version lacks, (question, None) when its handler cannot review it (a
    layout that does not fit): corrupt data after the fact, which each page shows as a notice in
    that question's place; the marks stand and every other question is shown."""
    try:
        question = content.question(qid)
    except KeyError:
        log.error("attempt %s: its plan names question %r, which its quiz version %s lacks; the page shows a "
                  "notice in its place", attempt.id, qid, attempt.quiz_version_id)
        return None, None
    response = stored_response(attempt, question, answer.response) if answer else {}
    try:
        return question, handler_for(question).review(question, layout_of(attempt, qid), locale, response)
    except Exception:  # a layout that does not fit: this question only, with its traceback
        log.exception("attempt %s: question %r cannot be reviewed", attempt.id, qid)
        return question, None


def answers_by_question(attempt: Attempt) -> dict[str, Answer]:
    return {a.question_id: a for a in db.session.scalars(_ANSWERS, {"attempt_id": attempt.id})}


class AnswerState(NamedTuple):
    """What the question pages and the summary show of an answer."""
    question_id: str
    response: dict | None
    flagged: bool
    checks: int


def answer_states(attempt: Attempt) -> dict[str, AnswerState]:
    """What the question pages and the summary show of each answer, as plain rows: cheaper than
    ORM objects on every page view. Writes use answers_by_question."""
    rows = db.session.execute(_ANSWER_STATES, {"attempt_id": attempt.id})
    return {row[0]: AnswerState(*row) for row in rows}


def join_attempt_and_answers(query, public_id: str):
    """join_attempt_in_progress, and the attempt's answer_states as one more column (JSON,
    `json_rows`): a question page is one query. Read the column with answer_states_of."""
    answers = (select(json_rows(*_ANSWER_STATE_COLUMNS))
               .where(_ANSWER_TABLE.c.attempt_id == Attempt.id).scalar_subquery())
    return join_attempt_in_progress(query, public_id).add_columns(answers)


def answer_states_of(rows: list | None) -> dict[str, AnswerState]:
    """answer_states from the column join_attempt_and_answers added (None or [] without answers)."""
    return {row[0]: AnswerState(row[0], row[1], bool(row[2]), row[3]) for row in rows or ()}


# The answer's table, not its mapped class, in statements that neither load nor change objects in
# the session: the same SQL, but an ORM-enabled statement runs through the ORM's layers (for an
# UPDATE or INSERT its bulk-persistence layer) on every execution.
_ANSWER_TABLE = Answer.__table__
_ANSWER_STATE_COLUMNS = (_ANSWER_TABLE.c.question_id, _ANSWER_TABLE.c.response, _ANSWER_TABLE.c.flagged,
                         _ANSWER_TABLE.c.checks)
# Built once and run with values (as the launch query): building a statement and its cache key
# costs more CPU than running it, and these run on every question page and every save (the
# answers as objects on every submission and result page).
_ANSWERS = select(Answer).where(Answer.attempt_id == bindparam("attempt_id", type_=Integer))
_ANSWER_STATES = select(*_ANSWER_STATE_COLUMNS).where(_ANSWER_TABLE.c.attempt_id == bindparam("attempt_id"))


# --- answering ---------------------------------------------------------------------------------------


def ensure_open(attempt: Attempt, now: datetime) -> None:
    """Refuse changes to a finished or overdue attempt (an overdue one is submitted on the spot)."""
    if attempt.status != IN_PROGRESS:
        raise AttemptError("already_submitted")
    if policy.is_overdue(attempt.deadline_at, now):
        submit_by_student(attempt, now)
        raise AttemptError("deadline_passed")


@dataclass(frozen=True)
class SaveResult:
    saved: list[str]
    kept_newer: list[str]  # answers the server already had from a later moment


def save_answers(
    attempt: Attempt,
    form: Mapping[str, Sequence[str]],
    question_ids: Sequence[str],
    now: datetime,
    *,
    given_at: datetime | None = None,
    flags: Mapping[str, bool] | None = None,
) -> SaveResult:
    """Store the answers to `question_ids` from `form`. All or nothing: one invalid answer stores none."""
    ensure_open(attempt, now)
    content = planned_content(attempt)
    plan = {entry["question_id"]: entry["layout"] for entry in attempt.plan}
    unknown = [qid for qid in question_ids if qid not in plan]
    if unknown:
        raise AttemptError("unknown_question")
    responses = {}
    for qid in question_ids:
        question = content.question(qid)
        try:
            responses[qid] = handler_for(question).parse(question, plan[qid], form)  # may raise InvalidAnswer
        except LayoutError:
            raise layout_refused(attempt, qid) from None
    moment = policy.clamp_client_time(given_at, attempt.started_at, now)
    saved, kept = [], []
    for qid, response in responses.items():
        flag = (flags or {}).get(qid)
        (saved if _store_answer(attempt.id, qid, response, moment, now, flag) else kept).append(qid)
    return SaveResult(saved, kept)


def _store_answer(attempt_id: int, qid: str, response: dict, moment: datetime, now: datetime,
                  flag: bool | None) -> bool:
    """Write the answer unless a newer one (by the time the student gave it) is stored already."""
    params = {"a_attempt": attempt_id, "a_question": qid, "a_response": response, "a_moment": moment,
              "a_now": now}
    if flag is not None:
        params["a_flagged"] = flag
    # Most saves overwrite the answer (autosave on every change): one UPDATE.
    result = db.session.execute(_answer_update(flag is not None), params)
    if result.rowcount:
        return True
    # No row, or a newer answer: insert, or on a conflict (the row exists, or a concurrent save
    # inserted it first) update it under the same rule, in one statement. Not the first statement
    # of every save, as each INSERT draws an id from the sequence, conflict or not.
    dialect = db.session.get_bind().dialect.name
    if flag is None:
        params["a_flagged"] = False  # a new answer is not flagged; a stored one keeps its flag
    stored = db.session.execute(_answer_upsert(dialect, flag is not None), params).first()
    return stored is not None  # None: a newer answer is already stored


# The save's two statements, built once per variant (with or without the flag; per dialect) and run
# with the values as bound parameters (named apart from the columns, which SQLAlchemy reserves).
# On the table (_ANSWER_TABLE): through the ORM's bulk-persistence layer, a first save cost a third more.
_ANSWER_TYPES = {"a_response": _ANSWER_TABLE.c.response.type, "a_moment": _ANSWER_TABLE.c.answered_at.type,
                 "a_now": _ANSWER_TABLE.c.saved_at.type, "a_flagged": _ANSWER_TABLE.c.flagged.type}
def _param(name: str):
    return bindparam(name, type_=_ANSWER_TYPES.get(name))


@cache
def _answer_update(with_flag: bool):
    values = {"response": _param("a_response"), "answered_at": _param("a_moment"), "saved_at": _param("a_now")}
    if with_flag:
        values["flagged"] = _param("a_flagged")
    return (
        update(_ANSWER_TABLE)
        .where(_ANSWER_TABLE.c.attempt_id == _param("a_attempt"), _ANSWER_TABLE.c.question_id == _param("a_question"),
               or_(_ANSWER_TABLE.c.answered_at.is_(None), _ANSWER_TABLE.c.answered_at <= _param("a_moment")))
        .values(**values)
    )


@cache
def _answer_upsert(dialect: str, with_flag: bool):
    insert = upsert_insert(_ANSWER_TABLE, dialect).values(
        attempt_id=_param("a_attempt"), question_id=_param("a_question"), response=_param("a_response"),
        answered_at=_param("a_moment"), saved_at=_param("a_now"), flagged=_param("a_flagged"))
    # On a conflict: the values this save proposed (`excluded`), if not older than the stored ones.
    proposed = insert.excluded
    set_ = {"response": proposed.response, "answered_at": proposed.answered_at, "saved_at": proposed.saved_at}
    if with_flag:
        set_["flagged"] = proposed.flagged
    return insert.on_conflict_do_update(
        index_elements=[_ANSWER_TABLE.c.attempt_id, _ANSWER_TABLE.c.question_id], set_=set_,
        where=or_(_ANSWER_TABLE.c.answered_at.is_(None), _ANSWER_TABLE.c.answered_at <= proposed.answered_at),
    ).returning(_ANSWER_TABLE.c.id)


def check_answer(attempt: Attempt, question_id: str, form, now: datetime, locale: str) -> dict:
    """Practice mode: save the answer and return its review (key, feedback, explanation)."""
    if settings_of(attempt).feedback != "immediate":
        raise AttemptError("check_not_allowed")
    save_answers(attempt, form, [question_id], now)
    answer = answers_by_question(attempt)[question_id]
    answer.checks += 1
    content = content_for(attempt)
    question = content.question(question_id)
    return handler_for(question).review(question, layout_of(attempt, question_id), locale, answer.response)


# --- submitting ---------------------------------------------------------------------------------------


def submit_attempt(attempt: Attempt, now: datetime) -> bool:
    """Grade the attempt once. True if this call graded it, False if it was already submitted."""
    # The claim returns the claimed row: the attempt is refreshed in the same round trip.
    claimed = db.session.execute(_CLAIM_FOR_SUBMIT, {"claim_id": attempt.id}).scalars().first()
    if claimed is None:
        db.session.refresh(attempt)
        return False
    content = content_for(attempt)
    answers = answers_by_question(attempt)
    scores = []
    for qid in planned_ids(attempt):
        question = content.question(qid)
        answer = answers.get(qid)
        if answer is None:
            answer = Answer(attempt_id=attempt.id, question_id=qid, response={}, saved_at=now)
            db.session.add(answer)
        score = score_answer(question, stored_response(attempt, question, answer.response))  # corrupt: not answered
        answer.marks = None if score.needs_manual else score.marks
        answer.max_marks = score.max_marks
        answer.needs_manual = score.needs_manual
        scores.append(score)
    attempt.submitted_at = now
    _apply_result(attempt, attempt_result(scores))
    announce_graded(attempt)
    return True


# submit_attempt's claim, built once and run with the attempt's id (every submission runs it).
_CLAIM_FOR_SUBMIT = (
    update(Attempt)
    .where(Attempt.id == bindparam("claim_id", type_=Integer), Attempt.status == IN_PROGRESS)
    .values(status=SUBMITTING)
    .returning(Attempt)
    .execution_options(synchronize_session=False, populate_existing=True)
)


def _apply_result(attempt: Attempt, result) -> None:
    """Marks, status, fraction and passed of a finished attempt from its result."""
    attempt.marks = result.marks
    attempt.max_marks = result.max_marks
    if result.needs_manual:
        attempt.status = AWAITING_GRADING
        attempt.fraction = None
        attempt.passed = None
    else:
        attempt.status = SUBMITTED
        attempt.fraction = result.fraction
        attempt.passed = passed(result.fraction, settings_of(attempt).pass_mark)
    db.session.flush()


def effective_marks(answer: Answer) -> float | None:
    """An answer's marks as they count: the instructor's mark wins; None while it awaits grading."""
    if answer.manual_marks is not None:
        return answer.manual_marks
    return None if answer.needs_manual else (answer.marks or 0.0)


def regrade_attempt(attempt: Attempt) -> bool:
    """Recompute a finished attempt from its answers after an instructor set a mark.

    Marks, fraction and passed follow from the answers (manual marks win); the attempt becomes
    submitted once no answer awaits grading. The attempt_graded signal is sent (so the LMS gets the
    new grade) when the attempt is graded completely, or when it left or entered awaiting grading;
    an attempt that still waits for another essay changes nothing the LMS could show. True if they
    were called."""
    if attempt.status not in FINISHED:
        raise AttemptError("not_finished")
    answers = answers_by_question(attempt)
    scores = []
    for qid in planned_ids(attempt):
        answer = answers.get(qid)
        if answer is None:  # submit_attempt writes one per planned question; be safe anyway
            continue
        marks = effective_marks(answer)
        scores.append(Score(marks or 0.0, answer.max_marks, needs_manual=marks is None))
    previous_status = attempt.status
    _apply_result(attempt, attempt_result(scores))
    if attempt.status == SUBMITTED or attempt.status != previous_status:
        announce_graded(attempt)
        return True
    return False


def sweep_overdue(now: datetime, limit: int = 200, max_batches: int = 50) -> int:
    """Submit attempts whose deadline (plus grace) has passed, also when the student never returns.

    A batch job, so unlike the other services it commits: each attempt in its own transaction.
    One attempt that cannot be submitted never holds up another student's deadline: it is rolled
    back, logged once per try and left alone for a growing while (`_note_sweep_failure`); the
    sweep takes those that failed least first and goes on with further batches until no attempt is
    due, so even a full batch of bad rows cannot starve a good one. `max_batches` bounds one sweep
    should the failures themselves not be recorded (the database gone for a moment)."""
    due = (
        select(Attempt.id)
        .where(Attempt.status == IN_PROGRESS, Attempt.deadline_at.is_not(None), Attempt.deadline_at < now - policy.GRACE,
               or_(Attempt.sweep_retry_at.is_(None), Attempt.sweep_retry_at <= now))
        .order_by(Attempt.sweep_failures, Attempt.deadline_at, Attempt.id)
        .limit(limit)
    )
    swept = 0
    for _ in range(max_batches):
        batch = db.session.scalars(due).all()
        db.session.commit()
        for attempt_id in batch:
            try:
                attempt = db.session.get(Attempt, attempt_id)
                if attempt is not None and submit_attempt(attempt, now):
                    swept += 1
                db.session.commit()
            except Exception:
                db.session.rollback()
                _note_sweep_failure(attempt_id, now)
        if len(batch) < limit:
            break
    return swept


def submit_by_student(attempt: Attempt, now: datetime) -> bool:
    """submit_attempt for the student's own request (the submit button, an overdue attempt they
    open or save to). An attempt whose submission raises (as in the sweep) is not a server error:
    only that try is rolled back (a savepoint), it is counted, backed off and marked exactly as the
    sweep's tries are (`_count_submit_failure`), and AttemptError("not_submittable") tells the
    view, which commits the count. While the backoff runs it is not tried again, so reloading the
    page costs no grading and no log line."""
    if attempt.sweep_retry_at is not None and attempt.sweep_retry_at > now:
        raise AttemptError("not_submittable")
    try:
        with db.session.begin_nested():
            return submit_attempt(attempt, now)
    except WriteWhileReading:
        # The view forgot transaction.begin_writing(): its bug, not the attempt's. Counting it would
        # write the count outside a transaction (committed at once) and mark a good attempt.
        raise
    except Exception:
        noted = _count_submit_failure(attempt.id, now)
        if noted is None:  # submitted meanwhile (the sweep, another tab)
            db.session.refresh(attempt)
            return False
        _log_submit_failure(attempt.id, *noted, by="student")
        raise AttemptError("not_submittable") from None


def _count_submit_failure(attempt_id: int, now: datetime) -> tuple[int, datetime, bool] | None:
    """Count a failed try to submit an attempt, set the next one, mark it for the instructors after
    policy.SWEEP_TRIES_BEFORE_MARK tries (flushed, not committed). (failures, next try, marked now),
    or None if it is no longer in progress."""
    row = db.session.execute(
        select(Attempt.sweep_failures, Attempt.unsubmittable_at)
        .where(Attempt.id == attempt_id, Attempt.status == IN_PROGRESS)
    ).first()
    if row is None:
        return None
    failures = row.sweep_failures + 1
    retry_at = now + policy.sweep_retry_delay(failures)
    mark = row.unsubmittable_at is None and failures >= policy.SWEEP_TRIES_BEFORE_MARK
    values = {"sweep_failures": failures, "sweep_retry_at": retry_at}
    if mark:
        values["unsubmittable_at"] = now
    db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt_id, Attempt.status == IN_PROGRESS)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return failures, retry_at, mark


# Who tried to submit, in the log line of a failed try: the sweep (an overdue attempt nobody
# returned to) or the student's own request (submit_by_student: the submit button, which may be in
# time, or an overdue attempt opened or saved to).
SUBMITTERS = {"sweep": "the deadline sweep", "student": "the student's own request"}


def _log_submit_failure(attempt_id: int, failures: int | None = None, retry_at: datetime | None = None,
                        mark: bool = False, *, by: str) -> None:
    """The one log line of a failed try to submit, naming who tried (SUBMITTERS): once per try,
    with the traceback, as it is called while the submission's exception is handled. Without
    `failures`: the try could not even be counted."""
    if failures is None:
        log.exception("submitting attempt %s failed (tried by %s), and so did noting the failure",
                      attempt_id, SUBMITTERS[by])
        return
    log.exception("submitting attempt %s failed (try %s, by %s); next try at %s%s", attempt_id, failures,
                  SUBMITTERS[by], retry_at.isoformat(timespec="seconds"),
                  "; marked as not submittable for the instructors" if mark else "")


def _note_sweep_failure(attempt_id: int, now: datetime) -> None:
    """The sweep's failed try: counted and committed (`_count_submit_failure`), logged once with
    the attempt id. Called while the submission's exception is handled, so the log carries its
    traceback."""
    try:
        noted = _count_submit_failure(attempt_id, now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        _log_submit_failure(attempt_id, by="sweep")
        return
    if noted is not None:  # None: submitted meanwhile (the student, another try), nothing to note
        _log_submit_failure(attempt_id, *noted, by="sweep")
