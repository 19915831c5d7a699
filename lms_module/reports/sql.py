"""Settings of the reports' queries (their SQL that the databases spell differently is in db_types)."""
from __future__ import annotations

from sqlalchemy import text


def plain_plans() -> None:
    """PostgreSQL: no JIT compilation for the rest of this transaction. The report queries join
    aggregates whose row counts the planner overestimates by orders of magnitude, and JIT then
    spends a second compiling a query that runs in 50 ms."""
    from ..extensions import db

    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))
