"""Feedback "after the quiz closes" opens a student's answer keys when the activity has closed both
for the class and for that student (attempts.policy.review_opens_at).

The review used the class's closing date only: a student whose accommodation gives them a later own
date read the keys of their submitted attempt the moment the class closed, while they could still
start another attempt and use them."""
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from lms_module.attempts.models import Accommodation, Attempt, LinkSettings
from lms_module.courses.models import ResourceLink
from lms_module.db_types import utcnow
from lms_module.extensions import db
from support.apps import csrf_from, set_link_overrides, started_attempt_id

KEYS = "SECRET-EXPLANATION-EN"
LATER = "The correct answers are shown after the quiz closes."


def _submitted_attempt(app, client, student, start, class_close, own_offset, feedback="after_close"):
    """A submitted attempt on an activity with feedback after close (or `feedback`) and three
    attempts, the student given an own closing date `own_offset` from the class's."""
    with app.app_context():
        link_id = db.session.scalars(select(ResourceLink.id).where(ResourceLink.link_id == "link-1")).one()
        db.session.add(LinkSettings(resource_link_id=link_id, overrides={
            "feedback": feedback, "attempts": 3, "close_at": class_close.isoformat()}))
        db.session.commit()
    attempt_id = started_attempt_id(start(student))
    summary = client.get(f"/l/{student}/attempt/{attempt_id}/summary").get_data(as_text=True)
    client.post(f"/l/{student}/attempt/{attempt_id}/submit", data={"csrf_token": csrf_from(summary)})
    with app.app_context():
        user_id = db.session.scalars(select(Attempt.user_id)).one()
        db.session.add(Accommodation(resource_link_id=link_id, user_id=user_id, extra_attempts=0, extra_minutes=0,
                                     close_at=class_close + own_offset))
        db.session.commit()
    return attempt_id


def _result_at(client, student, attempt_id, moment) -> str:
    with time_machine.travel(moment, tick=False):
        return client.get(f"/l/{student}/attempt/{attempt_id}/result", headers={"Accept-Language": "en"}).get_data(
            as_text=True)


def test_a_student_with_a_later_own_date_reads_the_keys_only_when_their_own_date_has_passed(app, client, student,
                                                                                            start):
    class_close = (utcnow() + timedelta(minutes=30)).replace(microsecond=0)
    attempt_id = _submitted_attempt(app, client, student, start, class_close, timedelta(minutes=15))

    after_the_class = class_close + timedelta(minutes=5)
    result = _result_at(client, student, attempt_id, after_the_class)
    assert KEYS not in result and LATER in result
    with time_machine.travel(after_the_class, tick=False):  # and they may still start an attempt
        assert '/quiz/start"' in client.get(f"/l/{student}/quiz").get_data(as_text=True)

    result = _result_at(client, student, attempt_id, class_close + timedelta(minutes=16))
    assert KEYS in result


@pytest.mark.parametrize("own_offset", [timedelta(minutes=-15), timedelta(0)])
def test_a_student_with_an_earlier_own_date_waits_for_the_class(app, client, student, start, own_offset):
    class_close = (utcnow() + timedelta(minutes=30)).replace(microsecond=0)
    attempt_id = _submitted_attempt(app, client, student, start, class_close, own_offset)

    # After their own date (or at the class's, one minute before): the class may still be answering.
    result = _result_at(client, student, attempt_id, class_close + own_offset / 3 - timedelta(minutes=1))
    assert KEYS not in result and LATER in result
    assert KEYS in _result_at(client, student, attempt_id, class_close + timedelta(minutes=1))


def _set_overrides(app, **overrides):
    with app.app_context():
        link_id = db.session.scalars(select(ResourceLink.id).where(ResourceLink.link_id == "link-1")).one()
    set_link_overrides(app, link_id, **overrides)


def test_an_extended_closing_date_keeps_the_keys_closed_until_it_has_passed(app, client, student, start):
    """The review opened by the closing date stored with the attempt at its start: an instructor who
    extended the date (the class needs longer) opened every submitted attempt's keys at the old date,
    while the class could still answer."""
    class_close = (utcnow() + timedelta(minutes=10)).replace(microsecond=0)
    attempt_id = _submitted_attempt(app, client, student, start, class_close, timedelta(0))
    _set_overrides(app, close_at=(class_close + timedelta(minutes=20)).isoformat())

    result = _result_at(client, student, attempt_id, class_close + timedelta(minutes=5))
    assert KEYS not in result and LATER in result
    assert KEYS in _result_at(client, student, attempt_id, class_close + timedelta(minutes=21))


def _progress_at(client, student, moment) -> str:
    with time_machine.travel(moment, tick=False):
        return client.get(f"/l/{student}/progress", headers={"Accept-Language": "en"}).get_data(as_text=True)


NO_WRONG = "No wrong answers so far."


def test_the_progress_page_lists_wrong_answers_only_once_the_review_is_open(app, client, student, start):
    """Which questions an attempt got wrong is part of its review: the progress page listed them
    right after the submit, whatever the feedback setting, so a true/false key was out before the
    quiz closed (or never to be shown)."""
    class_close = (utcnow() + timedelta(minutes=30)).replace(microsecond=0)
    _submitted_attempt(app, client, student, start, class_close, timedelta(0))  # nothing answered: all wrong

    assert NO_WRONG in _progress_at(client, student, class_close - timedelta(minutes=1))
    assert NO_WRONG not in _progress_at(client, student, class_close + timedelta(minutes=1))


@pytest.mark.parametrize("feedback, listed", [("never", False), ("after_submit", True)])
def test_the_progress_page_lists_wrong_answers_as_the_feedback_setting_allows(app, client, student, start,
                                                                             feedback, listed):
    class_close = (utcnow() + timedelta(minutes=30)).replace(microsecond=0)
    _submitted_attempt(app, client, student, start, class_close, timedelta(0), feedback=feedback)
    for moment in (class_close - timedelta(minutes=1), class_close + timedelta(minutes=1)):
        assert (NO_WRONG not in _progress_at(client, student, moment)) is listed


def _submit_another(client, student, start):
    attempt_id = started_attempt_id(start(student))
    summary = client.get(f"/l/{student}/attempt/{attempt_id}/summary").get_data(as_text=True)
    client.post(f"/l/{student}/attempt/{attempt_id}/submit", data={"csrf_token": csrf_from(summary)})


def test_the_progress_page_asks_the_review_rule_once_per_activity_not_per_attempt(app, client, student, start):
    """Which attempts' wrong answers may be listed is decided per activity (its closing date, the
    student's own date): asked per attempt, the page read the accommodation again for each of the
    latest 200 attempts."""
    from support.sql_statements import statements

    class_close = (utcnow() + timedelta(minutes=30)).replace(microsecond=0)
    _submitted_attempt(app, client, student, start, class_close, timedelta(0))
    with statements(app, without_pings=True) as one:
        _progress_at(client, student, class_close + timedelta(minutes=1))
    _submit_another(client, student, start)
    _submit_another(client, student, start)
    with statements(app, without_pings=True) as three:
        page = _progress_at(client, student, class_close + timedelta(minutes=1))
    assert NO_WRONG not in page
    assert len(three) == len(one), "\n".join(three)
