"""KONTOR_DB_PGBOUNCER=1: PostgreSQL through PgBouncer in transaction mode (docs/deployment.md).

A server-side prepared statement lives on one server connection; in transaction mode the next
transaction may run on another, which then fails with 'prepared statement "_pg3_0" does not
exist'. PgBouncer also refuses the `options` startup parameter. So the setting turns both off."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from lms_module.config import finish_config, load_config
from lms_module.extensions import db
from support.apps import make_app
from support.databases import backend


def test_the_setting_turns_off_prepared_statements_and_startup_options(tmp_path, monkeypatch):
    monkeypatch.delenv("KONTOR_ENV", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://kontor@pgbouncer.example:6432/kontor")
    monkeypatch.setenv("KONTOR_DB_PGBOUNCER", "1")
    options = finish_config(load_config(), tmp_path)["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"] == {"connect_timeout": 5, "prepare_threshold": None}
    monkeypatch.setenv("KONTOR_DB_PGBOUNCER", "0")
    options = finish_config(load_config(), tmp_path)["SQLALCHEMY_ENGINE_OPTIONS"]
    assert "prepare_threshold" not in options["connect_args"] and "options" in options["connect_args"]


@pytest.mark.skipif(backend() != "postgresql", reason="prepared statements: a PostgreSQL driver setting")
def test_connections_behind_pgbouncer_never_prepare(database_url, tmp_path):
    app = make_app(database_url, tmp_path, KONTOR_DB_PGBOUNCER=True)
    with app.app_context():
        for _ in range(10):  # psycopg prepares a query after 5 runs by default
            assert db.session.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar() == 0
            db.session.execute(text("SELECT 1 WHERE 1 = :one"), {"one": 1})
        assert db.session.connection().connection.driver_connection.prepare_threshold is None
        db.session.rollback()
    plain = make_app(database_url, tmp_path)
    with plain.app_context():
        for _ in range(10):
            db.session.execute(text("SELECT 1 WHERE 1 = :one"), {"one": 1})
        assert db.session.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar() > 0
        db.session.rollback()
