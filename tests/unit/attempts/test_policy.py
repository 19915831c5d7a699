"""The attempt's rules as plain functions: no app, no database."""
from datetime import datetime, timedelta, timezone

import pytest

from lms_module.attempts import policy
from lms_module.engine.schema import Settings

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)


def test_file_settings_without_overrides():
    s = policy.effective_settings(Settings(mode="exam", attempts=2, time_limit_minutes=20), {})
    assert (s.mode, s.attempts, s.time_limit_minutes, s.graded, s.feedback) == ("exam", 2, 20, True, "after_submit")


def test_practice_files_default_to_immediate_feedback_and_no_grading():
    s = policy.effective_settings(Settings(mode="practice"), {})
    assert (s.feedback, s.graded) == ("immediate", False)
    explicit = policy.effective_settings(Settings(mode="practice", feedback="after_submit"), {})
    assert explicit.feedback == "after_submit"


def test_switching_an_exam_to_practice_stops_grading_unless_turned_on():
    exam = Settings(mode="exam", feedback="after_submit")
    assert policy.effective_settings(exam, {"mode": "practice"}).graded is False
    assert policy.effective_settings(exam, {"mode": "practice"}).feedback == "immediate"
    assert policy.effective_settings(exam, {"mode": "practice", "graded": True}).graded is True
    assert policy.effective_settings(Settings(mode="practice"), {"mode": "exam"}).graded is True


def test_effective_settings_from_applies_the_same_mode_rules():
    base = policy.effective_settings(Settings(mode="exam"), {})
    assert policy.effective_settings_from(base, {"mode": "practice"}).graded is False


def test_unknown_override_keys_are_ignored():
    s = policy.effective_settings(Settings(), {"evil": 1, "attempts": 3})
    assert s.attempts == 3


def test_settings_round_trip_through_json():
    s = policy.effective_settings(Settings(), {"close_at": T0.isoformat()})
    assert policy.EffectiveSettings.from_json(s.to_json()) == s


@pytest.mark.parametrize(
    "limit, extra, close, expected",
    [
        (20, 0, None, (T0 + timedelta(minutes=20), "time_limit")),
        (20, 10, None, (T0 + timedelta(minutes=30), "time_limit")),
        (20, 0, T0 + timedelta(minutes=5), (T0 + timedelta(minutes=5), "close_date")),
        (20, 0, T0 + timedelta(minutes=20), (T0 + timedelta(minutes=20), "time_limit")),
        (None, 0, T0 + timedelta(hours=1), (T0 + timedelta(hours=1), "close_date")),
        (None, 30, None, (None, None)),
    ],
)
def test_deadline_is_the_earlier_of_limit_and_close_date(limit, extra, close, expected):
    deadline = policy.deadline_for(T0, limit, extra, close)
    assert (deadline.at, deadline.reason) == expected


@pytest.mark.parametrize("used, allowed, extra, left", [(0, 2, 0, 2), (2, 2, 0, 0), (3, 2, 0, 0), (2, 2, 1, 1), (9, 0, 0, None)])
def test_attempts_left(used, allowed, extra, left):
    assert policy.attempts_left(used, allowed, extra) == left


def test_answers_are_accepted_until_deadline_plus_grace():
    deadline = T0 + timedelta(minutes=20)
    assert policy.accepts_answers(deadline, deadline + policy.GRACE)
    assert not policy.accepts_answers(deadline, deadline + policy.GRACE + timedelta(seconds=1))
    assert policy.accepts_answers(None, T0 + timedelta(days=365))
    assert policy.is_overdue(deadline, deadline + policy.GRACE + timedelta(microseconds=1))


def test_client_time_is_clamped_to_start_and_server_clock():
    now = T0 + timedelta(minutes=5)
    assert policy.clamp_client_time(T0 - timedelta(hours=1), T0, now) == T0
    assert policy.clamp_client_time(T0 + timedelta(hours=1), T0, now) == now
    assert policy.clamp_client_time(T0 + timedelta(minutes=1), T0, now) == T0 + timedelta(minutes=1)
    assert policy.clamp_client_time(None, T0, now) == now


@pytest.mark.parametrize(
    "feedback, submitted, close, now, allowed",
    [
        ("immediate", True, None, T0, True),
        ("after_submit", True, None, T0, True),
        ("after_submit", False, None, T0, False),
        ("after_close", True, None, T0, False),
        ("after_close", True, T0 + timedelta(hours=1), T0, False),
        ("after_close", True, T0 - timedelta(hours=1), T0, True),
        ("never", True, T0 - timedelta(hours=1), T0, False),
    ],
)
def test_review_rules(feedback, submitted, close, now, allowed):
    assert policy.review_allowed(feedback, submitted, close, now) is allowed


@pytest.mark.parametrize(
    "activity, own, opens",
    [
        (None, None, None),
        (None, T0, None),  # no activity date: after_close never opens, an own date does not open it
        (T0, None, T0),
        (T0, T0 + timedelta(days=1), T0 + timedelta(days=1)),  # later own date: not while they may answer
        (T0, T0 - timedelta(days=1), T0),  # earlier own date: not while the class may answer
    ],
)
def test_review_after_close_opens_when_the_class_and_the_student_have_closed(activity, own, opens):
    assert policy.review_opens_at(activity, own) == opens


def test_settings_from_custom_parameters():
    custom = {"quiz": "x", "quiz_mode": "practice", "quiz_attempts": "3", "quiz_time_limit": "0",
              "quiz_feedback": "sometimes", "quiz_grading": "last"}
    assert policy.overrides_from_custom(custom) == {"mode": "practice", "attempts": 3, "time_limit_minutes": None,
                                                    "grading": "last"}
    assert policy.overrides_from_custom({"quiz_attempts": "-1"}) == {}


@pytest.mark.parametrize("raw", ["²", "٣", "３", "1e3", "+2", " 2 2", "1441", "99999999999", "9" * 5000, "NaN", "inf"])
def test_custom_parameters_outside_ascii_digits_or_bounds_are_ignored(raw):
    """issue 9: isdigit() is True for '²' and int() then raised; 99999999999 minutes overflowed."""
    assert policy.overrides_from_custom({"quiz_attempts": raw, "quiz_time_limit": raw}) == {}


def test_custom_parameters_at_the_bounds_are_taken():
    assert policy.overrides_from_custom({"quiz_attempts": "100", "quiz_time_limit": "1440"}) == {
        "attempts": 100, "time_limit_minutes": 1440}
    assert policy.overrides_from_custom({"quiz_attempts": "101"}) == {}
    assert policy.settings_to_custom({"attempts": 3, "feedback": "never", "layout": "x"}) == {
        "quiz_attempts": "3", "quiz_feedback": "never"}


def test_the_sweep_backs_off_from_an_attempt_it_cannot_submit_doubling_up_to_a_cap():
    assert [policy.sweep_retry_delay(n) for n in (1, 2, 3, 4, 5)] == \
        [timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
    assert policy.sweep_retry_delay(9) == timedelta(minutes=256)
    assert policy.sweep_retry_delay(10) == policy.sweep_retry_delay(10_000) == policy.SWEEP_RETRY_CAP == timedelta(hours=6)
    assert policy.sweep_retry_delay(0) == timedelta(minutes=1)


def test_a_students_own_closing_date_replaces_the_activitys_earlier_or_later():
    """One rule for the start and every page: the own date wins either way, else the activity's."""
    activity = datetime(2030, 5, 10, 12, tzinfo=timezone.utc)
    later, earlier = activity + timedelta(days=7), activity - timedelta(days=7)
    assert policy.close_at_for(later, activity) == later
    assert policy.close_at_for(earlier, activity) == earlier
    assert policy.close_at_for(None, activity) == activity
    assert policy.close_at_for(later, None) == later
    assert policy.close_at_for(None, None) is None


def test_closed_and_closing_soon():
    close = datetime(2030, 5, 10, 12, tzinfo=timezone.utc)
    week = timedelta(days=7)
    assert not policy.is_closed(None, close) and not policy.closes_within(None, close, week)
    assert policy.is_closed(close, close) and not policy.closes_within(close, close, week)  # closed at the moment
    assert policy.closes_within(close, close - timedelta(days=3), week)
    assert not policy.closes_within(close, close - timedelta(days=8), week)
    assert not policy.is_closed(close, close - timedelta(seconds=1))


def test_missed_is_closed_for_the_student_without_a_submitted_attempt():
    """What the course overview lists as missed: the closing date is the student's own
    (close_at_for), a submitted attempt is never missed, an attempt in progress only after the
    closing date plus the grace period (until then its answers still count)."""
    activity = datetime(2030, 5, 10, 12, tzinfo=timezone.utc)
    after = activity + timedelta(hours=1)
    assert policy.missed(activity, after, submitted=False, in_progress=False)
    assert not policy.missed(activity, activity - timedelta(seconds=1), submitted=False, in_progress=False)
    assert policy.missed(activity, activity, submitted=False, in_progress=False)  # closed at the moment
    assert not policy.missed(None, after, submitted=False, in_progress=False)  # no closing date: never


def test_a_later_own_date_is_not_missed_until_it_passes():
    activity = datetime(2030, 5, 10, 12, tzinfo=timezone.utc)
    own = policy.close_at_for(activity + timedelta(days=7), activity)
    assert not policy.missed(own, activity + timedelta(days=1), submitted=False, in_progress=False)
    assert policy.missed(own, activity + timedelta(days=8), submitted=False, in_progress=False)
    earlier = policy.close_at_for(activity - timedelta(days=2), activity)
    assert policy.missed(earlier, activity - timedelta(days=1), submitted=False, in_progress=False)


def test_a_submitted_attempt_is_never_missed():
    activity = datetime(2030, 5, 10, 12, tzinfo=timezone.utc)
    later = activity + timedelta(days=30)
    assert not policy.missed(activity, later, submitted=True, in_progress=False)
    # one submitted (by the student or the deadline sweep) and another still open: not missed
    assert not policy.missed(activity, later, submitted=True, in_progress=True)


def test_an_attempt_in_progress_at_close_is_missed_only_after_the_grace():
    """The deadline sweep submits an overdue attempt (then it is submitted); one still in progress
    after the closing date and the grace period is missed, unless the sweep submits it later."""
    activity = datetime(2030, 5, 10, 12, tzinfo=timezone.utc)
    assert not policy.missed(activity, activity, submitted=False, in_progress=True)
    assert not policy.missed(activity, activity + policy.GRACE, submitted=False, in_progress=True)
    assert policy.missed(activity, activity + policy.GRACE + timedelta(seconds=1), submitted=False, in_progress=True)


# --- a running attempt's deadline moved (a new closing date, an accommodation) ------------------


def test_a_moved_deadline_in_the_future_is_taken_as_it_is():
    now = datetime(2031, 5, 4, 10, 0, tzinfo=timezone.utc)
    later, earlier = now + timedelta(minutes=30), now + timedelta(minutes=5)
    assert policy.moved_deadline(later, earlier, now) == earlier
    assert policy.moved_deadline(earlier, later, now) == later
    assert policy.moved_deadline(None, later, now) == later
    assert policy.moved_deadline(later, None, now) is None  # no closing date and no time limit any more


def test_a_deadline_moved_into_the_past_ends_now_so_the_grace_runs_from_the_change():
    now = datetime(2031, 5, 4, 10, 0, tzinfo=timezone.utc)
    an_hour_ago = now - timedelta(hours=1)
    assert policy.moved_deadline(now + timedelta(minutes=20), an_hour_ago, now) == now
    assert policy.moved_deadline(None, an_hour_ago, now) == now
    assert policy.accepts_answers(policy.moved_deadline(None, an_hour_ago, now), now + policy.GRACE)


def test_a_deadline_that_has_passed_already_is_not_moved_to_another_past_moment():
    now = datetime(2031, 5, 4, 10, 0, tzinfo=timezone.utc)
    passed = now - timedelta(minutes=2)
    assert policy.moved_deadline(passed, now - timedelta(hours=1), now) == passed


def test_an_attempt_past_its_deadline_and_the_grace_is_not_reopened_by_a_later_target():
    """Extending the closing date gave an overdue attempt the later deadline back while the sweep had
    not come by yet, and not once it had: the outcome depended on the sweep's timing. Past the grace
    the attempt is over; within it (answers still count) the time is given back."""
    now = datetime(2031, 5, 4, 10, 0, tzinfo=timezone.utc)
    over = now - policy.GRACE - timedelta(seconds=1)
    assert policy.moved_deadline(over, now + timedelta(minutes=30), now) == over
    assert policy.moved_deadline(over, None, now) == over
    in_grace = now - timedelta(seconds=10)
    assert policy.moved_deadline(in_grace, now + timedelta(minutes=30), now) == now + timedelta(minutes=30)
    assert policy.moved_deadline(in_grace, now - timedelta(hours=1), now) == in_grace  # no second grace
