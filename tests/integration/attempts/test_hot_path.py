"""The attempt's hot path does only what it must per request (issue 15): a question page reads the
launch, the attempt, its quiz version and its answers in one query, a save and the summary the first
three in one (the summary its answers in a second), and neither sends the session cookie again; a
launch writes the session once."""
import re
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from pathlib import Path

from sqlalchemy import event

from lms_module.attempts.models import SUBMITTED
from lms_module.db_types import utcnow
from lms_module.extensions import db
from support.apps import attempt_row, set_attempt, started_attempt_id
from support.cpu_profile import calls_to, profiled
from support.sql_statements import listening_to, statements

ALL_TYPES = Path(__file__).resolve().parents[2] / "unit" / "engine" / "fixtures" / "all_types.yaml"


def selects(seen):
    """The reads among statements recorded without the pool's pings."""
    return [s for s in seen if s.upper().startswith("SELECT")]


def started(client, start, student):
    response = start(student)
    assert response.status_code == 302
    return started_attempt_id(response)


def save_form_of(page: str) -> tuple[str, dict]:
    """A question page's CSRF token for the autosave header, and an autosave body that flags the
    page's first question without answering it."""
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    question_id = re.search(r'data-question="([^"]+)"', page).group(1)
    return token, {"question_id": question_id, "fields": {}, "flagged": True}


def test_a_question_page_reads_launch_attempt_version_and_answers_in_one_query(app, client, student, start):
    attempt_id = started(client, start, student)
    client.get(f"/l/{student}/attempt/{attempt_id}/page/1")  # warm: the parsed quiz is cached per process
    with statements(app, without_pings=True) as seen:
        page = client.get(f"/l/{student}/attempt/{attempt_id}/page/1")
    assert page.status_code == 200 and 'class="question"' in page.get_data(as_text=True)
    reads = selects(seen)
    # launch + resource link + attempt + quiz version hash + the answers (nav and the page's state)
    assert len(reads) == 1, reads
    assert "lti_launch" in reads[0] and "attempt" in reads[0] and "quiz_version" in reads[0]
    assert "FROM answer" in reads[0]
    assert "quiz_version.content," not in " ".join(reads)  # the large JSON is never read per page
    assert "Set-Cookie" not in page.headers


def test_an_autosave_reads_once_and_sends_no_cookie(app, client, student, start):
    attempt_id = started(client, start, student)
    page = client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True)
    token, body = save_form_of(page)
    first = client.post(f"/l/{student}/attempt/{attempt_id}/autosave", json=body, headers={"X-CSRFToken": token})
    assert first.status_code == 200, first.get_data(as_text=True)
    with statements(app, without_pings=True) as seen:
        again = client.post(f"/l/{student}/attempt/{attempt_id}/autosave", json=body, headers={"X-CSRFToken": token})
    assert again.status_code == 200 and again.get_json()["ok"] is True
    assert len(selects(seen)) == 1, selects(seen)
    assert "Set-Cookie" not in again.headers


def test_a_first_save_inserts_in_one_statement_without_a_savepoint(app, client, student, start):
    """The answer's first save: the UPDATE finds no row, then one INSERT ... ON CONFLICT DO UPDATE
    (before: UPDATE, SELECT, SAVEPOINT, INSERT, RELEASE)."""
    attempt_id = started(client, start, student)
    page = client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True)
    token, body = save_form_of(page)
    question_id = body["question_id"]
    with statements(app, without_pings=True) as seen:
        first = client.post(f"/l/{student}/attempt/{attempt_id}/autosave", json=body, headers={"X-CSRFToken": token})
    assert first.status_code == 200 and first.get_json()["saved"] == [question_id], first.get_data(as_text=True)
    writes = [s.split()[0].upper() for s in seen if not s.upper().startswith(("SELECT", "COMMIT", "BEGIN"))]
    assert writes == ["UPDATE", "INSERT"], seen
    assert "ON CONFLICT" in [s for s in seen if s.upper().startswith("INSERT")][0].upper()
    assert len(selects(seen)) == 1 and not any("SAVEPOINT" in s.upper() for s in seen)
    assert client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True).count(" checked") >= 1


def test_an_autosave_writes_with_statements_on_the_table_not_through_the_orm(app, client, student, start):
    """The save's UPDATE and a first save's INSERT ... ON CONFLICT name the answer table, not the
    mapped class: the same SQL, but an ORM-enabled statement runs through the ORM's
    bulk-persistence layer on every execution (a third of a first save's CPU) for statements that
    neither load nor change objects in the session."""
    from sqlalchemy.orm import Session

    attempt_id = started(client, start, student)
    page = client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True)
    token, body = save_form_of(page)
    question_id = body["question_id"]
    writes = []

    def record(state):
        if state.is_update or state.is_insert:
            writes.append((str(state.statement).split()[0], state.is_orm_statement))

    event.listen(Session, "do_orm_execute", record)
    try:
        for flagged in (True, False):  # the first save (UPDATE, then INSERT), then an overwrite
            saved = client.post(f"/l/{student}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                                json={"question_id": question_id, "fields": {}, "flagged": flagged})
            assert saved.status_code == 200 and saved.get_json()["saved"] == [question_id]
    finally:
        event.remove(Session, "do_orm_execute", record)
    assert writes == [("UPDATE", False), ("INSERT", False), ("UPDATE", False)], writes


def test_the_launch_query_is_built_once_and_run_with_each_requests_values(app, client, student, start):
    """launch_required builds a view's launch query once (the URL's values are bound parameters):
    building it cost more CPU than running it."""
    attempt_id = started(client, start, student)
    ran = []

    def record(conn, clauseelement, multiparams, params, execution_options):
        if "lti_launch" in str(clauseelement):
            ran.append((clauseelement, dict(params or (multiparams[0] if multiparams else {}))))

    with listening_to(app, "before_execute", record):
        for _ in range(3):
            assert client.get(f"/l/{student}/attempt/{attempt_id}/page/1").status_code == 200
    assert len(ran) == 3 and ran[0][0] is ran[1][0] is ran[2][0]
    assert ran[0][1]["launch_id"] == student and ran[0][1]["view_attempt_id"] == attempt_id


def test_someone_elses_attempt_id_is_still_unknown(app, client, make_launch, student, start):
    """The joined query keeps attempt_of's rule: another student's attempt id answers 404."""
    attempt_id = started(client, start, student)
    other = make_launch("student", quiz_slug="all-types", user_sub="other")
    assert client.get(f"/l/{other}/attempt/{attempt_id}/page/1").status_code == 404
    assert client.get(f"/l/{student}/attempt/{attempt_id}/page/1").status_code == 200


def test_a_launch_writes_the_session_once(live):
    """The launch response sets the session (with a fresh CSRF token); the start page it leads to,
    whose form carries that token, sends no second cookie."""
    from sqlalchemy import select

    from lms_module.courses.models import ResourceLink
    from lms_module.library.services import import_path

    with live.browser() as browser:
        live.launch(browser)  # the activity's link exists now: give it a quiz
        with live.app.app_context():
            assert import_path(ALL_TYPES, origin="import").ok
            db.session.scalars(select(ResourceLink)).one().quiz_slug = "all-types"
            db.session.commit()
        page = live.launch(browser)
    assert page.status_code == 200 and 'name="csrf_token"' in page.text  # the start page and its form
    sets = [r for r in [*page.history, page] if "kontor_session" in r.headers.get("Set-Cookie", "")]
    assert len(sets) == 1 and "/lti/launch" in sets[0].url, [(r.url, r.status_code) for r in sets]


def test_the_answers_read_with_the_launch_are_those_of_their_own_query(app, client, student, start):
    """The page's one query brings the answers as JSON (json_rows: json_agg on PostgreSQL,
    json_group_array on SQLite); what the page gets from it is what answer_states reads row by row:
    every question type's response, the flag, the checks, and no answers at all."""
    from lms_module.attempts import services
    from lms_module.attempts.models import Answer, Attempt
    from lms_module.courses.context import load_context_and
    from lms_module.db_types import utcnow
    from sqlalchemy import select
    from support.answer_keys import attempt_key_form

    attempt_id = started(client, start, student)

    def both():
        context, extra = load_context_and(student, lambda query: services.join_attempt_and_answers(query, attempt_id))
        attempt = extra[0]
        assert attempt is not None and attempt.public_id == attempt_id
        return services.answer_states_of(extra[2]), services.answer_states(attempt)

    with app.app_context():
        joined, own = both()
        assert joined == own == {}
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == attempt_id)).one()
        form, ids = attempt_key_form(attempt, "Ein Aufsatz über „Zeichen“ & <b>")
        services.save_answers(attempt, form, ids, utcnow(), flags={ids[0]: True})
        answer = db.session.scalars(select(Answer).where(Answer.attempt_id == attempt.id, Answer.question_id == ids[1])).one()
        answer.checks = 2
        db.session.commit()
        joined, own = both()
    assert set(own) == set(ids) and len(ids) > 5
    assert joined == own
    assert own[ids[0]].flagged is True and own[ids[1]].checks == 2
    assert all(type(state.flagged) is bool and isinstance(state.response, dict) for state in joined.values())


def test_a_question_page_reads_the_attempts_settings_once(client, student, start, monkeypatch):
    """The page, its navigation and its page count all ask for the settings: read once per request."""
    from lms_module.attempts import policy

    attempt_id = started(client, start, student)
    assert client.get(f"/l/{student}/attempt/{attempt_id}/page/1").status_code == 200  # warm
    read = policy.EffectiveSettings.from_json.__func__
    calls = []

    def counted(cls, data):
        calls.append(data)
        return read(cls, data)

    monkeypatch.setattr(policy.EffectiveSettings, "from_json", classmethod(counted))
    for _ in range(2):  # a request's reading is not the next request's
        assert client.get(f"/l/{student}/attempt/{attempt_id}/page/1").status_code == 200
    assert len(calls) == 2


def test_settings_assigned_anew_are_read_anew(app, client, student, start):
    from dataclasses import replace

    from sqlalchemy import select

    from lms_module.attempts import services
    from lms_module.attempts.models import Attempt

    attempt_id = started(client, start, student)
    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == attempt_id)).one()
        before = services.settings_of(attempt)
        assert services.settings_of(attempt) is before
        attempt.settings = {**attempt.settings, "pass_mark": before.pass_mark / 2 + 0.25}
        assert services.settings_of(attempt) == replace(before, pass_mark=before.pass_mark / 2 + 0.25)


def _in_transaction(dbapi_connection) -> bool:
    """Whether the database connection holds a transaction open (either database)."""
    if hasattr(dbapi_connection, "in_transaction"):  # sqlite3
        return dbapi_connection.in_transaction
    from psycopg.pq import TransactionStatus

    return dbapi_connection.info.transaction_status != TransactionStatus.IDLE


@contextmanager
def _transactions_after(app):
    """Yield a list that fills with (first word of each statement the app sends, whether a
    transaction was open after it)."""
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append((statement.split()[0].upper(), _in_transaction(conn.connection.dbapi_connection)))

    with listening_to(app, "after_cursor_execute", record):
        yield seen


def test_a_question_page_reads_without_opening_a_transaction(app, client, student, start):
    """A question page only reads: its one query runs without BEGIN and COMMIT (on PostgreSQL two of
    its three round trips; SQLite's driver begins none for a read anyway), and the connection goes
    back to the pool as it came, so the next request's writes are in a transaction again."""
    attempt_id = started(client, start, student)
    with _transactions_after(app) as seen:
        page = client.get(f"/l/{student}/attempt/{attempt_id}/page/1")
        assert page.status_code == 200
        token, body = save_form_of(page.get_data(as_text=True))
        saved = client.post(f"/l/{student}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token}, json=body)
        assert saved.status_code == 200 and saved.get_json()["ok"] is True
    reads = [open_ for word, open_ in seen if word == "SELECT"]
    writes = [open_ for word, open_ in seen if word in ("UPDATE", "INSERT")]
    assert reads[0] is False, seen  # the page's query
    assert writes and all(writes), seen  # the save after it: in its transaction, as before


def _overdue_page_opened(app, client, student, start, recording):
    """Page 1 of an attempt an hour past its deadline, opened within `recording(app)` (a context
    manager): the page submits the attempt and sends the student to its result. What the
    recording yielded."""
    attempt_id = started(client, start, student)
    set_attempt(app, attempt_id, deadline_at=utcnow() - timedelta(hours=1))
    with recording(app) as seen:
        page = client.get(f"/l/{student}/attempt/{attempt_id}/page/1")
    assert page.status_code == 302 and page.headers["Location"].endswith("/result"), page.get_data(as_text=True)
    submitted = attempt_row(app, attempt_id)
    assert submitted.status == SUBMITTED and submitted.fraction is not None
    return seen


def test_an_overdue_attempt_opened_is_submitted_in_a_transaction(app, client, student, start):
    """The question page writes in one case: the attempt is overdue and the page submits it (with
    a savepoint). Its reads end first (transaction.begin_writing); the submission is in a
    transaction, committed at the boundary."""
    seen = _overdue_page_opened(app, client, student, start, _transactions_after)
    # (Not RELEASE: on SQLite, whose driver began no transaction for the savepoint, its release ends it.)
    writes = [open_ for word, open_ in seen if word in ("UPDATE", "INSERT", "SAVEPOINT")]
    assert "UPDATE" in [word for word, _ in seen] and writes and all(writes), repr(seen)


def test_a_page_and_an_autosave_read_only_the_attempt_columns_they_use(app, client, student, start):
    """Their query leaves out the attempt's columns a page and a save do not use (its seed, number,
    marks, ...: fewer for the driver and the ORM on every page and autosave), and no path loads one
    afterwards on its own: an overdue attempt's page and save submit it (the claim reads the whole
    row) with the statements they had when the query read every column."""
    attempt_id = started(client, start, student)
    with statements(app, without_pings=True) as seen:
        page = client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True)
    token, body = save_form_of(page)
    question_id = body["question_id"]
    with statements(app, without_pings=True) as seen_save:
        saved = client.post(f"/l/{student}/attempt/{attempt_id}/autosave", json=body, headers={"X-CSRFToken": token})
    assert saved.status_code == 200 and saved.get_json()["saved"] == [question_id]
    for read in (selects(seen)[0], selects(seen_save)[0]):
        read = read.replace('"', "")  # SQLite quotes plan (a keyword)
        assert "attempt.plan" in read and "attempt.deadline_at" in read and "attempt.sweep_retry_at" in read, read
        assert "attempt.seed" not in read and "attempt.number" not in read and "attempt.marks" not in read, read
    set_attempt(app, attempt_id, deadline_at=utcnow() - timedelta(hours=1))
    with statements(app, without_pings=True) as seen:
        late = client.post(f"/l/{student}/attempt/{attempt_id}/autosave", json=body, headers={"X-CSRFToken": token})
    assert late.status_code == 409 and late.get_json()["error"] == "deadline_passed"
    submitted = attempt_row(app, attempt_id)
    assert submitted.status == SUBMITTED and submitted.max_marks > 0 and submitted.fraction is not None
    assert len(selects(seen)) == 6, selects(seen)  # as when the query read every column


def test_an_overdue_page_submits_with_the_statements_it_had(app, client, student, start):
    """The page's overdue path (begin_writing, then the submission) with the attempt's columns left
    out of the page's query: submitted, with the reads it had when the query read every column."""
    seen = _overdue_page_opened(app, client, student, start, partial(statements, without_pings=True))
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    # On PostgreSQL one more: begin_writing ends the page's reads, and the attempt is read again
    # (the whole row) in the submission's transaction.
    assert len(selects(seen)) == (7 if postgresql else 6), selects(seen)


def test_a_page_and_an_autosave_run_no_rate_limit_check_a_login_still_does(app, client, student, start):
    """Only /lti/login, /lti/launch and /lti/register have rate limits, and each checks them in its
    decorator; Flask-Limiter's check before every request found nothing to count on a page or an
    autosave and is taken off (web/ratelimit.py). Limits on, as in production (read per request)."""
    app.config.update(KONTOR_RATELIMIT_ENABLED=True, KONTOR_RATELIMIT_LOGIN="2/minute")

    def checks(calls):
        return calls_to(calls, "_check_request_limit", "*flask_limiter/_extension.py")

    attempt_id = started(client, start, student)
    page, calls = profiled(lambda: client.get(f"/l/{student}/attempt/{attempt_id}/page/1"))
    assert page.status_code == 200 and checks(calls) == 0  # (1 before)
    token, body = save_form_of(page.get_data(as_text=True))
    saved, calls = profiled(lambda: client.post(f"/l/{student}/attempt/{attempt_id}/autosave", json=body,
                                                headers={"X-CSRFToken": token}))
    assert saved.status_code == 200 and saved.get_json()["ok"] and checks(calls) == 0  # (1 before)
    login = "/lti/login?iss=https%3A%2F%2Flms.example&login_hint=1&target_link_uri=x"
    address = {"REMOTE_ADDR": "203.0.113.50"}
    answers = [profiled(lambda: client.get(login, environ_base=address)) for _ in range(3)]
    assert [checks(calls) for _response, calls in answers] == [1, 1, 1]  # the decorator's (2 each before)
    assert [response.status_code for response, _calls in answers] == [400, 400, 429]
