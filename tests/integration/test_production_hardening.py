"""Production hardening (issue 9, low findings): HSTS, no-store on personal data, liveness apart from
readiness, and a quick 503 page when the database is locked or away (it was a 500 after 15 s)."""
from __future__ import annotations

import sqlite3
import time

import psycopg
import pytest

from pathlib import Path

from lms_module.extensions import db
from lms_module.library.services import import_path
from support.apps import make_app
from support.databases import backend


def test_https_deployments_send_hsts(database_url, tmp_path):
    app = make_app(database_url, tmp_path, KONTOR_HTTPS=True)
    response = app.test_client().get("/healthz", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_plain_http_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


ALL_TYPES = Path(__file__).resolve().parents[1] / "unit" / "engine" / "fixtures" / "all_types.yaml"


def test_pages_and_launch_downloads_are_never_stored(app, client, make_launch):
    with app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()
    launch_id = make_launch("instructor", quiz_slug="all-types")
    page = client.get(f"/l/{launch_id}/instructor")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    export = client.get(f"/l/{launch_id}/reports/gradebook.csv")
    export.get_data()  # the export streams: read it to the end
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert export.headers["Cache-Control"] == "no-store"
    quiz_file = client.get(f"/l/{launch_id}/library/all-types/quiz.yaml")
    assert quiz_file.status_code == 200
    assert quiz_file.headers.get("Cache-Control") == "no-store"
    error_page = client.get("/no-such-page")
    assert error_page.headers["Cache-Control"] == "no-store"


def test_static_files_and_the_key_set_stay_cacheable(client):
    static = client.get("/static/css/kontor.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()
    assert client.get("/lti/jwks").headers["Cache-Control"] == "public, max-age=300"


def test_liveness_does_not_need_the_database_and_readiness_does(tmp_path):
    app = make_app("postgresql://postgres@127.0.0.1:1/kontor", tmp_path)
    client = app.test_client()
    started = time.monotonic()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json == {"status": "unavailable", "reason": "database"}
    page = client.get("/lti/jwks")
    assert page.status_code == 503
    assert "Kontor cannot reach its database right now" in page.get_data(as_text=True) or \
        "Kontor erreicht seine Datenbank" in page.get_data(as_text=True)
    assert time.monotonic() - started < 5


def test_readiness_answers_when_the_database_does(client):
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json == {"status": "ok"}


def test_a_locked_sqlite_database_is_a_quick_503_page(tmp_path, monkeypatch):
    from lms_module.lti import keys

    path = tmp_path / "locked.sqlite3"
    app = make_app(f"sqlite:///{path}", tmp_path)
    with app.app_context():
        db.create_all()
        db.session.remove()
    # The key is made before the clock starts: drawing an RSA key's primes takes 0.1 s to several
    # seconds on a loaded machine, at random, and the time measured is the wait for the lock (with
    # the key made inside it, a loaded machine took 8.8 s: 5 s of waiting and 3.8 s of the rest).
    made = keys._new_key()
    monkeypatch.setattr(keys, "_new_key", lambda: made)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        # The key set creates the tool's key on first use: a write, which waits for the lock.
        response = app.test_client().get("/lti/jwks", headers={"Accept-Language": "en"})
        elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert "Kontor cannot reach its database right now; try again in a minute." in response.get_data(as_text=True)
    assert elapsed < 8


@pytest.mark.skipif(backend() != "postgresql", reason="a PostgreSQL table lock")
def test_a_locked_postgresql_table_is_a_quick_503_page(app, database_url):
    client = app.test_client()
    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as holder:
        holder.execute("LOCK TABLE lti_tool_key IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        response = client.get("/lti/jwks", headers={"Accept-Language": "en"})
        elapsed = time.monotonic() - started
        holder.rollback()
    assert response.status_code == 503
    assert "Kontor cannot reach its database right now" in response.get_data(as_text=True)
    assert elapsed < 8
