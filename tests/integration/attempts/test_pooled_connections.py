"""A pooled connection is checked (SELECT 1) only after it sat idle (lms_module/db_pool.py): a page
right after another pays no ping, and a connection the server dropped while idle is replaced before
the student's page uses it."""
import re

import psycopg
import pytest
from sqlalchemy import text

from lms_module import db_pool
from lms_module.extensions import db
from support.databases import backend

pytestmark = pytest.mark.skipif(backend() != "postgresql", reason="SQLite's connections are never pinged")


@pytest.fixture
def pings(app, monkeypatch):
    """How many times the pool pinged a connection."""
    with app.app_context():
        dialect = db.engine.dialect
    count = {"n": 0}
    real = dialect.do_ping

    def counting(dbapi_connection):
        count["n"] += 1
        return real(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counting)
    return count


@pytest.fixture
def later(monkeypatch):
    """Move the pool's clock forward by `seconds`."""
    real = db_pool.clock

    def move(seconds):
        monkeypatch.setattr(db_pool, "clock", lambda: real() + seconds)

    return move


def page_url(start, student):
    location = start(student).headers["Location"]
    return re.search(r"/l/[^/]+/attempt/[^/]+/page/1", location).group(0)


def pooled_backend_pid(app) -> int:
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.remove()  # back into the pool
    return pid


def test_a_connection_used_a_moment_ago_is_not_pinged(app, client, student, start, pings, later):
    url = page_url(start, student)
    assert client.get(url).status_code == 200
    before = pings["n"]
    for _ in range(3):
        assert client.get(url).status_code == 200
    assert pings["n"] == before  # pool_pre_ping would have sent 3
    later(app.config["KONTOR_DB_PING_IDLE_SECONDS"] + 1)
    assert client.get(url).status_code == 200
    assert pings["n"] == before + 1


def test_a_connection_the_server_ended_while_idle_is_replaced_without_an_error_page(
        app, client, student, start, database_url, later):
    url = page_url(start, student)
    assert client.get(url).status_code == 200
    pid = pooled_backend_pid(app)
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0] is True
    later(app.config["KONTOR_DB_PING_IDLE_SECONDS"] + 1)
    page = client.get(url)
    assert page.status_code == 200 and 'class="question"' in page.get_data(as_text=True)
    assert pooled_backend_pid(app) != pid
