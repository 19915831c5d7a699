"""Record the SQL statements an app sends, for tests that count what a route does."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from lms_module.extensions import db


@contextmanager
def listening_to(app, identifier: str, listener):
    """`listener` hears the app's engine's event `identifier` ("before_cursor_execute", ...) while
    the block runs."""
    with app.app_context():
        engine = db.engine
    event.listen(engine, identifier, listener)
    try:
        yield
    finally:
        event.remove(engine, identifier, listener)


@contextmanager
def statements(app, *, without_pings: bool = False):
    """Yield a list that fills with every statement the app's engine sends (whitespace folded).
    `without_pings`: leave out the pool's liveness check (`SELECT 1`), which is not the route's."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if without_pings and statement.strip().upper() == "SELECT 1":
            return
        seen.append(" ".join(statement.split()))

    with listening_to(app, "before_cursor_execute", record):
        yield seen
