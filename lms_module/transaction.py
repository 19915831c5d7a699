"""One commit per request at its boundary, and work that must wait for a commit.

The request boundary (the pattern of Indico's request handler): a response below 400 commits the
request's one transaction, any other response rolls it back; views and services only flush.
A failed commit becomes the error page its exception deserves (503 when the database is away).

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


def install_session_hooks() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_transaction_end", _after_transaction_end)


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
