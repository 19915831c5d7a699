"""Throwaway test databases: a SQLite file, or a fresh database on the PostgreSQL server.

`KONTOR_TEST_DATABASE=postgresql` selects PostgreSQL (server from KONTOR_TEST_POSTGRES_URL, default
postgresql://postgres@127.0.0.1:5432/postgres); anything else runs on a SQLite file.
"""
from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def backend() -> str:
    return "postgresql" if os.environ.get("KONTOR_TEST_DATABASE", "").startswith("postgres") else "sqlite"


def _server_url() -> str:
    return os.environ.get("KONTOR_TEST_POSTGRES_URL", DEFAULT_SERVER)


@contextmanager
def postgres_database(prefix: str = "kontor_test"):
    """Create a database with a random name; drop it (and its connections) afterwards."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    server = _server_url()
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base = server.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def throwaway_database(folder: Path, name: str = "kontor"):
    if backend() == "postgresql":
        with postgres_database() as url:
            yield url
    else:
        path = folder / f"{name}-{secrets.token_hex(3)}.sqlite3"
        yield f"sqlite:///{path}"
