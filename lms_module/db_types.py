"""Column types shared by every domain's models, and SQL that the two databases spell differently."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


class json_rows(FunctionElement):  # noqa: N801  (used like a SQL aggregate function)
    """An aggregate: the group's rows as one JSON array of arrays, ``[[c1, c2, ...], ...]``, read
    back as Python lists; None when there are no rows (PostgreSQL; SQLite gives ``[]``). JSON
    columns among the arguments stay JSON values, not strings. For a correlated subquery that
    brings a row's children along with it in the same query."""

    type = JSON()
    name = "json_rows"
    inherit_cache = True


@compiles(json_rows)
def _json_rows_postgresql(element, compiler, **kw):
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_rows, "sqlite")
def _json_rows_sqlite(element, compiler, **kw):
    # SQLite keeps JSON as text: json() makes it a value of the array instead of a string in it.
    parts = [f"json({compiler.process(column, **kw)})" if isinstance(column.type, JSON) else compiler.process(column, **kw)
             for column in element.clauses]
    return f"json_group_array(json_array({', '.join(parts)}))"


class seconds_between(FunctionElement):  # noqa: N801  (used like a SQL function)
    """Seconds from the first timestamp to the second, as a float."""

    type = Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between)
def _seconds_postgresql(element, compiler, **kw):
    start, end = list(element.clauses)
    return (f"CAST(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)}))"
            " AS DOUBLE PRECISION)")


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"((julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)})) * 86400.0)"
