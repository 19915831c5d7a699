"""The moment of an autosaved answer and of a form post are on one clock, the server's.

The question page's form carries the server's time when it was made (data-now): attempt.js adds
the time since, counted on the browser's monotonic clock, and sends that as given_at. The server
times a form post with its own now and keeps, of two saves of one question, the one given later.
The browser tests (tests/e2e/test_answer_order_with_skewed_clock.py) run the script with a browser
clock 10 minutes off; this module pins the server's half."""
import re
from datetime import datetime, timedelta

import time_machine
from sqlalchemy import select

from lms_module.attempts.models import Answer
from lms_module.db_types import utcnow
from lms_module.extensions import db
from support.apps import csrf_from, started_attempt_id

FORM_NOW = re.compile(r'<form id="attempt-form"[^>]*\sdata-now="([^"]+)"')


def stored(app, question_id):
    with app.app_context():
        return db.session.scalars(select(Answer).where(Answer.question_id == question_id)).one().response


def test_the_question_form_carries_the_servers_time_to_the_millisecond(client, student, start):
    """The script's clock starts from it; milliseconds, as every browser reads an ISO time."""
    made = utcnow().replace(microsecond=123456)
    with time_machine.travel(made, tick=False):
        attempt_id = started_attempt_id(start(student))
        html = client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True)
    found = FORM_NOW.search(html)
    assert found, "the question form does not say the server's time"
    assert found.group(1) == made.replace(microsecond=123000).isoformat(timespec="milliseconds")
    assert datetime.fromisoformat(found.group(1)).utcoffset() == timedelta(0)


def test_an_answer_given_before_a_form_post_stays_older_however_late_it_arrives(app, client, student, start):
    """On the page's clock: given 5 s after the page was made, posted by the form at 10 s, the
    autosave arrives at 60 s (an offline queue). The post stays; an answer given at 20 s replaces it."""
    with time_machine.travel(utcnow(), tick=False) as traveller:
        attempt_id = started_attempt_id(start(student))
        html = client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True)
        made = datetime.fromisoformat(FORM_NOW.search(html).group(1))
        token = csrf_from(html)
        traveller.shift(timedelta(seconds=10))
        posted = client.post(f"/l/{student}/attempt/{attempt_id}/page/1",
                             data={"csrf_token": token, "q-gross": "119", "go": "stay"})
        assert posted.status_code == 302
        traveller.shift(timedelta(seconds=50))
        url = f"/l/{student}/attempt/{attempt_id}/autosave"
        late = client.post(url, headers={"X-CSRFToken": token}, json={
            "question_id": "gross", "fields": {"q-gross": ["100"]}, "given_at": (made + timedelta(seconds=5)).isoformat()})
        assert late.get_json()["kept_newer"] == ["gross"]
        assert stored(app, "gross") == {"value": "119"}
        newer = client.post(url, headers={"X-CSRFToken": token}, json={
            "question_id": "gross", "fields": {"q-gross": ["120"]}, "given_at": (made + timedelta(seconds=20)).isoformat()})
        assert newer.get_json()["saved"] == ["gross"]
        assert stored(app, "gross") == {"value": "120"}


TIMER_TIMES = re.compile(r'<div class="timer" id="attempt-timer" data-deadline="([^"]+)"\s+data-now="([^"]+)"')
# ECMAScript's one date-time format every browser must read (Date.parse): milliseconds, not more.
ECMASCRIPT_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)")


def test_the_countdown_times_are_in_the_format_every_browser_reads(client, student, start):
    """The countdown's deadline and server time carried microseconds ('…:05.123456+00:00'), a form
    outside ECMAScript's date-time format that a browser may read as an invalid date."""
    with time_machine.travel(utcnow().replace(microsecond=123456), tick=False):
        attempt_id = started_attempt_id(start(student))
        html = client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True)
    found = TIMER_TIMES.search(html)
    assert found, "the page has no countdown"
    assert all(ECMASCRIPT_TIME.fullmatch(value) for value in found.groups()), found.groups()
