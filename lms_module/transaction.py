"""One commit per request at its boundary, and work that must wait for a commit.

The request boundary (the pattern of Indico's request handler): a response below 400 commits the
request's one transaction, any other response rolls it back; views and services only flush.
A failed commit becomes the error page its exception deserves (503 when the database is away).

A view that only reads may run its reads outside a transaction (`read_without_transaction`): on
PostgreSQL that spares the BEGIN and COMMIT round trips of every question page. Before it writes
it must call `begin_writing`, which ends the read and lets the next statement begin a transaction as
usual; a flush or a savepoint without it fails loudly instead of writing outside a transaction.

`run_after_commit(fn)` queues `fn` until the session's transaction commits (in a request, a worker
round or a CLI command alike) and drops it on a rollback: a worker is never woken for rows that
were rolled back, and a wake-up never arrives before the rows it announces are visible.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from .extensions import db

log = logging.getLogger("kontor.transaction")

_KEY = "kontor_after_commit"
_READING = "kontor_read_without_transaction"


def run_after_commit(fn: Callable[[], None]) -> None:
    """Call `fn` once the current transaction commits (now, when none is open)."""
    session = db.session()
    if not session.in_transaction():
        fn()
        return
    session.info.setdefault(_KEY, []).append(fn)


def _after_commit(session: Session) -> None:
    for fn in session.info.pop(_KEY, []):
        try:
            fn()
        except Exception:  # the commit stands; a missed wake-up is caught by the worker's poll
            log.exception("a task after the commit failed")


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit: drop the work
        session.info.pop(_KEY, None)
        session.info.pop(_READING, None)  # the next transaction is a real one


def read_without_transaction() -> None:
    """Run the session's next statements on a connection in autocommit: each read is on its own,
    with no BEGIN before and no COMMIT after it (two round trips of a question page's three). Call
    before the request's first statement (later it changes nothing: the transaction is open), and
    `begin_writing` before any write. Only on PostgreSQL: SQLite's driver begins no transaction
    for a read anyway, and putting its connection back would cost a PRAGMA."""
    session = db.session()
    if session.in_transaction() or session.get_bind().dialect.name != "postgresql":
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    session.info[_READING] = True


def begin_writing() -> None:
    """After read_without_transaction: end the reads (nothing was written), so that what follows
    runs in a transaction of its own, committed or rolled back at the boundary as any request's.
    Objects read so far are expired (the session's commit) and read again in that transaction
    when next used. Without read_without_transaction it does nothing."""
    session = db.session()
    if session.info.pop(_READING, False):
        session.commit()


class WriteWhileReading(RuntimeError):
    """A programming error, never a data problem: code that catches failures of a write (a
    submission's savepoint) lets this one through instead of counting it."""


def _no_write_while_reading(session: Session, *args) -> None:
    if session.info.get(_READING):
        raise WriteWhileReading("a write after read_without_transaction: call transaction.begin_writing() first")


def _no_savepoint_while_reading(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        _no_write_while_reading(session)


def install_session_hooks() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_transaction_end", _after_transaction_end)
        event.listen(Session, "before_flush", _no_write_while_reading)
        event.listen(Session, "after_transaction_create", _no_savepoint_while_reading)


def commit_at_boundary(response):
    """after_request: commit what a successful request did, roll back everything else."""
    if response.status_code >= 400:
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except Exception as error:  # noqa: BLE001 - handed to the error handlers (503 page, 500 page)
        db.session.rollback()
        return current_app.make_response(current_app.handle_user_exception(error))
    return response


def init_app(app: Flask) -> None:
    """Register last in create_app: after_request hooks run in reverse order, so the commit comes
    before the header hooks (which may read, but never write)."""
    install_session_hooks()
    app.after_request(commit_at_boundary)
