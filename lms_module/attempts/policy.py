"""The rules of an attempt as plain functions: effective settings, deadlines, attempts left,
when answers are accepted and when review is allowed. No database, no request."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from ..engine import limits
from ..engine.schema import GRADING_METHODS, Settings

GRACE = timedelta(seconds=30)  # network delay and a last autosave after the countdown hits zero
OVERRIDABLE = (
    "mode", "attempts", "grading", "time_limit_minutes", "pass_mark", "shuffle_questions",
    "shuffle_options", "feedback", "questions_per_attempt", "layout", "graded", "close_at",
)


@dataclass(frozen=True)
class EffectiveSettings:
    mode: str
    attempts: int  # 0 = unlimited
    grading: str
    time_limit_minutes: int | None
    pass_mark: float
    shuffle_questions: bool
    shuffle_options: bool
    feedback: str
    questions_per_attempt: int | None
    layout: str
    graded: bool  # exams always; practice only when the instructor turns grading on
    close_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["close_at"] = self.close_at.isoformat() if self.close_at else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EffectiveSettings:
        values = dict(data)
        values["close_at"] = datetime.fromisoformat(values["close_at"]) if values.get("close_at") else None
        return cls(**values)


def effective_settings(file_settings: Settings, overrides: dict[str, Any] | None) -> EffectiveSettings:
    """The quiz file's settings with the instructor's overrides for the activity."""
    base = EffectiveSettings(
        mode=file_settings.mode,
        attempts=file_settings.attempts,
        grading=file_settings.grading,
        time_limit_minutes=file_settings.time_limit_minutes,
        pass_mark=file_settings.pass_mark,
        shuffle_questions=file_settings.shuffle_questions,
        shuffle_options=file_settings.shuffle_options,
        # A practice quiz teaches with immediate feedback unless its file says otherwise.
        feedback=file_settings.feedback if "feedback" in file_settings.model_fields_set or file_settings.mode != "practice"
        else "immediate",
        questions_per_attempt=file_settings.questions_per_attempt,
        layout=file_settings.layout,
        graded=file_settings.mode == "exam",
        close_at=None,
    )
    changes = {k: v for k, v in (overrides or {}).items() if k in OVERRIDABLE}
    if "close_at" in changes:
        changes["close_at"] = close_at_of(changes)
    return _with_mode_defaults(replace(base, **changes), changes)


def close_at_of(overrides: dict[str, Any] | None) -> datetime | None:
    """The closing date the overrides set (stored as ISO text); None without one. The activity's
    closing date comes from the overrides alone: a quiz file has none."""
    value = (overrides or {}).get("close_at")
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _with_mode_defaults(settings: EffectiveSettings, changes: dict[str, Any]) -> EffectiveSettings:
    """What a mode implies unless set explicitly: practice gives immediate feedback; exams are
    graded, practice only when the instructor turns grading on. A practice quiz has no time limit
    (WCAG 2.2.1 excuses time limits for exams only): a limit from the file, an override or an LMS
    custom parameter is ignored in practice mode."""
    if settings.mode == "practice" and settings.time_limit_minutes:
        settings = replace(settings, time_limit_minutes=None)
    if settings.mode == "practice" and "feedback" not in changes and "mode" in changes:
        settings = replace(settings, feedback="immediate")
    if "graded" not in changes:
        settings = replace(settings, graded=settings.mode == "exam")
    return settings


def close_at_for(own_close_at: datetime | None, activity_close_at: datetime | None) -> datetime | None:
    """The closing date of an activity for one student: their own (an accommodation) when they have
    one, earlier or later than the activity's, else the activity's. The start, the running
    attempt's deadline and every page that tells whether the activity is open for the student use
    this one rule."""
    return own_close_at or activity_close_at


def is_closed(close_at: datetime | None, now: datetime) -> bool:
    """Closed from the closing date on (a new attempt is refused); never without one."""
    return close_at is not None and now >= close_at


def closes_within(close_at: datetime | None, now: datetime, window: timedelta) -> bool:
    """Still open now, and closes within `window` ("closing soon")."""
    return close_at is not None and not is_closed(close_at, now) and close_at <= now + window


def missed(close_at: datetime | None, now: datetime, submitted: bool, in_progress: bool) -> bool:
    """The student missed the activity: it has closed for them (`close_at`, their date by
    close_at_for) and they have no submitted attempt (`submitted`: one finished, awaiting grading
    counts). An attempt still in progress (`in_progress`) keeps taking answers until the closing
    date plus GRACE, as a running attempt's deadline does, so it is missed only after that: the
    deadline sweep submits it once overdue (then it is submitted), and one the sweep has not
    submitted, or cannot, is not a submission. Without a closing date nothing is missed."""
    if submitted or not is_closed(close_at, now):
        return False
    return is_overdue(close_at, now) if in_progress else True


@dataclass(frozen=True)
class Deadline:
    at: datetime | None
    reason: str | None  # "time_limit" | "close_date" | None


def deadline_for(started_at: datetime, time_limit_minutes: int | None, extra_minutes: int,
                 close_at: datetime | None) -> Deadline:
    """The earlier of start + time limit (+ extra time) and the quiz's close date."""
    by_limit = started_at + timedelta(minutes=time_limit_minutes + extra_minutes) if time_limit_minutes else None
    if by_limit and close_at:
        return Deadline(by_limit, "time_limit") if by_limit <= close_at else Deadline(close_at, "close_date")
    if by_limit:
        return Deadline(by_limit, "time_limit")
    if close_at:
        return Deadline(close_at, "close_date")
    return Deadline(None, None)


def moved_deadline(current: datetime | None, target: datetime | None, now: datetime) -> datetime | None:
    """The deadline a running attempt gets when what fixes it changes (the activity's closing date,
    the student's accommodation): `target` (deadline_for's) — but a target that has passed becomes
    `now`, so the grace still runs from the change: the save the student's browser has in flight is
    accepted and the deadline sweep submits the attempt with it after GRACE.

    An attempt past its deadline and the grace is over and keeps its deadline, whatever the target:
    a later one reopened it only while the sweep had not come by yet, so two students in the same
    place ended differently by the sweep's timing. Within the grace (answers still count) a later
    target gives the time back, as Moodle does for an overdue attempt: the teacher who grants extra
    minutes to a student whose connection failed at the end wants them to have them. An earlier
    target does not give an attempt that has ended another grace."""
    if current is not None and now > current + GRACE:
        return current
    if target is None or target >= now:
        return target
    if current is not None and current <= now:
        return current
    return now


def attempts_left(used: int, allowed: int, extra: int = 0) -> int | None:
    """None means unlimited."""
    if allowed == 0:
        return None
    return max(0, allowed + extra - used)


def accepts_answers(deadline: datetime | None, now: datetime) -> bool:
    """Answers count until the deadline plus the grace period, whatever time the browser claims."""
    return deadline is None or now <= deadline + GRACE


def is_overdue(deadline: datetime | None, now: datetime) -> bool:
    return deadline is not None and now > deadline + GRACE


# The deadline sweep backs off from an overdue attempt it cannot submit (a quiz version that cannot
# be graded, a stored answer that raises): 1, 2, 4 … minutes after each failed try, at most
# SWEEP_RETRY_CAP, so one bad row costs a try now and then instead of one every sweep. After
# SWEEP_TRIES_BEFORE_MARK failed tries (about a quarter of an hour) the instructors see it marked;
# the sweep still tries a few times a day, so a fix that is deployed later submits it unattended.
SWEEP_RETRY_BASE = timedelta(minutes=1)
SWEEP_RETRY_CAP = timedelta(hours=6)
SWEEP_TRIES_BEFORE_MARK = 5


def sweep_retry_delay(failures: int) -> timedelta:
    """How long the sweep leaves an attempt alone after its `failures`-th failed try (from 1)."""
    doublings = min(max(0, failures - 1), 20)  # 2**20 minutes is far beyond the cap
    return min(SWEEP_RETRY_CAP, SWEEP_RETRY_BASE * 2 ** doublings)


def clamp_client_time(claimed: datetime | None, started_at: datetime, now: datetime) -> datetime:
    """When the student gave an answer, as far as the server can believe the browser."""
    if claimed is None:
        return now
    return min(max(claimed, started_at), now)


def review_opens_at(activity_close_at: datetime | None, own_close_at: datetime | None) -> datetime | None:
    """When "after the quiz closes" opens a student's answer keys: once the activity has closed both
    for the class and for this student, the later of the two dates. A student whose own date is later
    (an accommodation) cannot read the keys while they may still start an attempt; one whose own date
    is earlier waits for the class, who may still be answering. Without an activity date: never."""
    if activity_close_at is None:
        return None
    return max(activity_close_at, own_close_at) if own_close_at is not None else activity_close_at


def review_allowed(feedback: str, submitted: bool, close_at: datetime | None, now: datetime) -> bool:
    """Whether answer keys and explanations may be shown for a submitted attempt. `close_at`: when
    after_close opens for this student (review_opens_at).

    after_close without a close date never opens: the instructor sets a close date to open it."""
    if not submitted or feedback == "never":
        return False
    if feedback in ("immediate", "after_submit"):
        return True
    return close_at is not None and now >= close_at


_ASCII_NUMBER = re.compile(r"[0-9]{1,9}")
# Settings chosen when the activity was added (deep linking) travel as LTI custom parameters.
CUSTOM_SETTING_KEYS = {
    "quiz_mode": ("mode", ("exam", "practice")),
    "quiz_attempts": ("attempts", None),
    "quiz_time_limit": ("time_limit_minutes", None),
    "quiz_feedback": ("feedback", ("immediate", "after_submit", "after_close", "never")),
    "quiz_grading": ("grading", GRADING_METHODS),
    # Whether grades go to the LMS travels too: the deep-linked line item (a gradebook column) and
    # the launched activity must agree, or Moodle shows a column that never gets a grade.
    "quiz_graded": ("graded", ("true", "false")),
}


def settings_to_custom(settings: dict[str, Any]) -> dict[str, str]:
    """The custom parameters that carry chosen settings (only those that were chosen)."""
    custom = {}
    for key, (name, _choices) in CUSTOM_SETTING_KEYS.items():
        value = settings.get(name)
        if value is not None:
            custom[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return custom


def overrides_from_custom(custom: dict[str, str] | None) -> dict[str, Any]:
    """Settings from custom parameters; values an LMS administrator mistyped are ignored."""
    overrides: dict[str, Any] = {}
    for key, (name, choices) in CUSTOM_SETTING_KEYS.items():
        raw = (custom or {}).get(key)
        if raw is None:
            continue
        raw = str(raw).strip()
        if choices is not None:
            if raw in choices:
                overrides[name] = raw == "true" if name == "graded" else raw
        elif _ASCII_NUMBER.fullmatch(raw):  # not isdigit(): '²' is a digit to Python, int() refuses it
            value = int(raw)
            if name == "time_limit_minutes" and value <= limits.MAX_TIME_LIMIT_MINUTES:
                overrides[name] = value or None
            elif name == "attempts" and value <= limits.MAX_ATTEMPTS:
                overrides[name] = value
    return overrides


def effective_settings_from(settings: EffectiveSettings, overrides: dict[str, Any]) -> EffectiveSettings:
    """Apply further overrides to settings that are already effective."""
    changes = {k: v for k, v in overrides.items() if k in OVERRIDABLE}
    if "close_at" in changes:
        changes["close_at"] = close_at_of(changes)
    return _with_mode_defaults(replace(settings, **changes), changes)
