"""The start and the end of an attempt ask the database only what they must (issue 15: an exam that
1,000 students start in the same minute). Counted here, so that a change that adds a round trip to
every student's start or submission shows: the start page reads 3 times, the start makes 5
statements, the submission claims and re-reads the attempt in one. And the one query behind the
start (the instructor's settings, the student's accommodation and attempts) decides what the
separate queries decided."""
import re
from datetime import timedelta

from sqlalchemy import select

from lms_module.attempts import services
from lms_module.attempts.models import Accommodation, Attempt, LinkSettings
from lms_module.courses.models import ResourceLink
from lms_module.db_types import utcnow
from lms_module.extensions import db
from support import sql_statements
from support.apps import csrf_from


def statements(app):
    return sql_statements.statements(app, without_pings=True)  # a pool's liveness check is not the route's


def _heads(seen):
    """Each statement's verb and the tables it names (enough to tell the statements apart)."""
    return [(s.split()[0].upper(), sorted(set(re.findall(r"(?:FROM|JOIN|INTO|UPDATE) ([a-z_]+)", s)))) for s in seen]


def test_the_start_page_reads_three_times_and_the_start_writes_twice(app, client, student, make_launch):
    warm = make_launch("student", quiz_slug="all-types", user_sub="warm")
    client.get(f"/l/{warm}/quiz")  # the parsed quiz is cached per process

    with statements(app) as seen:
        page = client.get(f"/l/{student}/quiz")
    assert page.status_code == 200 and 'name="csrf_token"' in page.get_data(as_text=True)
    assert _heads(seen) == [
        ("SELECT", ["lti_launch", "lti_resource_link"]),  # the launch with its activity
        ("SELECT", ["accommodation", "attempt", "link_settings", "lti_resource_link"]),  # the student on it
        ("SELECT", ["quiz", "quiz_version"]),  # the quiz's latest version and who owns it
    ], seen

    with statements(app) as seen:
        started = client.post(f"/l/{student}/quiz/start", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert started.status_code == 302 and "/page/1" in started.headers["Location"]
    assert _heads(seen) == [
        ("SELECT", ["lti_launch", "lti_resource_link"]),
        ("INSERT", ["attempt_start_lock"]),  # the start lock: insert or update, one statement
        ("SELECT", ["accommodation", "attempt", "link_settings", "lti_resource_link"]),  # under the lock
        ("SELECT", ["quiz", "quiz_version"]),
        ("INSERT", ["attempt"]),
    ], seen
    assert "ON CONFLICT" in seen[1].upper()

    with statements(app) as seen:  # a double click: the same lock, the attempt in progress
        again = client.post(f"/l/{student}/quiz/start", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert again.headers["Location"] == started.headers["Location"]
    assert [head for head, _tables in _heads(seen)] == ["SELECT", "INSERT", "SELECT", "SELECT"], seen


def test_submitting_claims_and_rereads_the_attempt_in_one_statement(app, client, student, start):
    location = start(student).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    # Every question answered (empty answers on the one page), as a student's autosaves leave it.
    assert client.post(location, data={"csrf_token": csrf_from(page), "go": "stay"}).status_code == 302
    submit_url = re.sub(r"/page/\d+$", "/submit", location)
    with statements(app) as seen:
        response = client.post(submit_url, data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/result")
    # Savepoints around the grading are the route's error handling, not reads or writes of the grading.
    seen = [s for s in seen if not s.upper().startswith(("SAVEPOINT", "RELEASE"))]
    claim = seen[1]
    assert claim.upper().startswith("UPDATE ATTEMPT SET STATUS") and " RETURNING " in claim.upper(), seen
    # Neither the attempt (the claim returned it) nor its activity (loaded with the launch) is read again.
    assert not [s for s in seen if s.upper().startswith("SELECT") and re.search(r"WHERE attempt\.id = ", s)], seen
    assert not [s for s in seen if re.search(r"FROM lti_resource_link WHERE", s)], seen
    # The launch (+ attempt, version hash, activity); the claim; the answers; the attempt's and the
    # answers' marks; the student's attempts, the quiz and the instructor's settings for the grade
    # (announce_graded). This activity has no line item, so the grade sync queues nothing.
    assert len(seen) == 8, "\n".join(seen)
    with app.app_context():
        assert db.session.scalars(select(Attempt)).one().status in ("submitted", "awaiting_grading")


def _link(app):
    with app.app_context():
        return db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == "link-1")).one().id


def test_settings_accommodation_and_previews_count_as_before(app, client, make_launch, student, start):
    """The instructor's override (1 attempt, 10 minutes), the student's accommodation (+1 attempt,
    +15 minutes, an own closing date), and an earlier preview of the same person on the same
    activity: numbered before, but not counted as the student's attempt."""
    link_id = _link(app)
    closes = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    preview = make_launch("instructor", quiz_slug="all-types", user_sub="sam")
    assert start(preview).status_code == 302
    with app.app_context():
        user_id = db.session.scalars(select(Attempt.user_id)).one()
        db.session.add(LinkSettings(resource_link_id=link_id, overrides={"attempts": 1, "time_limit_minutes": 10}))
        db.session.add(Accommodation(resource_link_id=link_id, user_id=user_id, extra_attempts=1, extra_minutes=15,
                                     close_at=closes))
        db.session.commit()

    body = client.get(f"/l/{student}/quiz").get_data(as_text=True)
    assert "<dt>Attempts left</dt><dd>2</dd>" in body  # 1 allowed + 1 extra, the preview not counted
    assert "25 minutes" in body and "<dt>Closes</dt>" in body
    assert "Your attempts" not in body  # the preview is not listed among the student's attempts

    response = start(student)
    assert response.status_code == 302
    with app.app_context():
        mine = db.session.scalars(select(Attempt).where(Attempt.is_preview.is_(False))).one()
        assert mine.number == 2  # after the preview's number 1: (link, user, number) stays unique
        assert mine.deadline_at - mine.started_at == timedelta(minutes=25)
        link = db.session.get(ResourceLink, link_id)
        info = services.start_info(link, user_id, utcnow())
        assert (info.attempts_left, info.open_attempt.id, info.close_at, info.extra_minutes) == (1, mine.id, closes, 15)
        assert [a.number for a in info.attempts] == [2]
        preview_info = services.start_info(link, user_id, utcnow(), is_preview=True)
        assert [a.number for a in preview_info.attempts] == [1] and preview_info.attempts_left is None
