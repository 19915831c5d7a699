"""SQL that SQLite and PostgreSQL spell differently lives in one module, db_types, which every room
may import (tests/unit/test_layering.py puts it in the lowest layer); its spellings stay as they are."""
from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from lms_module.db_types import json_rows, seconds_between

PACKAGE = Path(__file__).resolve().parents[2] / "lms_module"

_table = Table("t", MetaData(), Column("a", DateTime), Column("b", DateTime), Column("n", Integer),
               Column("j", JSON))


def _sql(statement, dialect) -> str:
    return " ".join(str(statement.compile(dialect=dialect)).split())


def test_only_db_types_compiles_sql_per_database():
    """A construct with its own spelling per database (sqlalchemy.ext.compiler.compiles) is db_types'."""
    elsewhere = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "sqlalchemy.ext.compiler":
                elsewhere.append(str(path.relative_to(PACKAGE)))
    assert elsewhere == ["db_types.py"]


def test_seconds_between_on_each_database():
    statement = select(seconds_between(_table.c.a, _table.c.b))
    assert _sql(statement, postgresql.dialect()) == (
        "SELECT CAST(EXTRACT(EPOCH FROM (t.b - t.a)) AS DOUBLE PRECISION) AS seconds_between_1 FROM t")
    assert _sql(statement, sqlite.dialect()) == (
        "SELECT ((julianday(t.b) - julianday(t.a)) * 86400.0) AS seconds_between_1 FROM t")


def test_json_rows_on_each_database():
    statement = select(json_rows(_table.c.n, _table.c.j))
    assert _sql(statement, postgresql.dialect()) == (
        "SELECT json_agg(json_build_array(t.n, t.j)) AS json_rows_1 FROM t")
    assert _sql(statement, sqlite.dialect()) == "SELECT json_group_array(json_array(t.n, json(t.j))) AS json_rows_1 FROM t"
