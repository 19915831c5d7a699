"""Shared fixtures: a migrated throwaway database per test session (SQLite file or PostgreSQL),
emptied after every test, and the app built on it."""
from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import delete

from lms_module import create_app
from lms_module.extensions import db
from support.databases import backend, throwaway_database


def pytest_report_header(config):
    return f"kontor test database: {backend()}"


def make_app(database_url: str, instance_path, **overrides):
    settings = {
        "KONTOR_ENV": "test",
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance_path),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "KONTOR_DEMO_LMS": False,
    }
    settings.update(overrides)
    return create_app(settings)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("database")
    with throwaway_database(folder) as url:
        app = make_app(url, folder)
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield url


def empty_all_tables(app) -> None:
    with app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(delete(table))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    yield app
    empty_all_tables(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
