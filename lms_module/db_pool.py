"""Checking pooled database connections before use, only when one has been idle for a while.

SQLAlchemy's `pool_pre_ping` sends `SELECT 1` every time a request takes a connection from the
pool: a round trip and about a tenth of a millisecond of CPU on every page and save, although a
connection that was returned a moment ago is as alive as it was then. Connections die when they
sit unused (the server restarted, a firewall or PgBouncer dropped an idle connection), so only a
connection idle longer than KONTOR_DB_PING_IDLE_SECONDS is pinged. One that fails the ping is
replaced before the request uses it, and the pool's other connections as old as it are replaced as
they are next taken (the failure most likely means the server restarted), as pool_pre_ping does.

A connection that dies while it is busy or idle for a shorter time fails its next statement; the
pool then drops it (and those as old as it), so it costs at most that one request.
"""
from __future__ import annotations

import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

_RETURNED_AT = "kontor_returned_at"
# The clock (seconds, only ever compared with itself); tests move it forward.
clock = time.monotonic


def install_idle_ping(engine: Engine, idle_seconds: float) -> None:
    """Ping a connection on checkout when it was last returned to the pool more than
    `idle_seconds` ago. SQLite's connections are to a file on this machine and never go stale."""
    if engine.dialect.name == "sqlite":
        return
    dialect = engine.dialect

    def returned(dbapi_connection, connection_record) -> None:
        connection_record.info[_RETURNED_AT] = clock()

    def checkout(dbapi_connection, connection_record, connection_proxy) -> None:
        returned_at = connection_record.info.get(_RETURNED_AT)
        if returned_at is None or clock() - returned_at <= idle_seconds:
            return  # new (just connected), or used a moment ago
        try:
            dialect.do_ping(dbapi_connection)  # the dialect's SELECT 1, outside a transaction
        except dialect.loaded_dbapi.Error as error:
            # The pool replaces this connection (and, when next taken, those as old as it).
            raise exc.InvalidatePoolError("the connection failed its ping after being idle") from error

    event.listen(engine, "connect", returned)
    event.listen(engine, "checkin", returned)
    event.listen(engine, "checkout", checkout)
