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
from support.apps import csrf_from, started_attempt_id

KEYS = "SECRET-EXPLANATION-EN"
LATER = "The correct answers are shown after the quiz closes."


def _submitted_attempt(app, client, student, start, class_close, own_offset):
    """A submitted attempt on an activity with feedback after close and three attempts, the student
    given an own closing date `own_offset` from the class's."""
    with app.app_context():
        link_id = db.session.scalars(select(ResourceLink.id).where(ResourceLink.link_id == "link-1")).one()
        db.session.add(LinkSettings(resource_link_id=link_id, overrides={
            "feedback": "after_close", "attempts": 3, "close_at": class_close.isoformat()}))
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
