"""SQL pieces that SQLite and PostgreSQL spell differently, as SQLAlchemy constructs."""
from __future__ import annotations

from sqlalchemy import Float, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


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


def plain_plans() -> None:
    """PostgreSQL: no JIT compilation for the rest of this transaction. The report queries join
    aggregates whose row counts the planner overestimates by orders of magnitude, and JIT then
    spends a second compiling a query that runs in 50 ms."""
    from ..extensions import db

    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))
