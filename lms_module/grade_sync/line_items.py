"""Which line item a link's scores go to.

The launch's own `lineitem` comes first (Moodle couples it to the activity; a tool-created item
becomes a separate, manual gradebook column). Only when the launch carried just `lineitems` does
Kontor look for its item by resourceLinkId and tag, and create one (quiz title, maximum marks) if
there is none; the URL is stored on the link. Creating needs Moodle's "grade sync and column
management" service setting; without it the failure says so.

One link's item is resolved by one worker at a time: a lock per link in the process, and on
PostgreSQL an advisory lock across processes, so two first grades cannot create two columns.
(SQLite deployments run one worker process; see docs/grade-sync.md.)
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import select, text

from ..extensions import db
from ..lti import ags
from ..courses.models import LaunchSession, ResourceLink
from ..lti.services_clients import REFUSED, ServiceClient, ServiceFailure

ADVISORY_CLASS = 0x4B4F4E54  # "KONT": Kontor's advisory lock namespace on PostgreSQL

_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


def resolve_lineitem(link_id: int, client: ServiceClient, score_maximum: float) -> str:
    """The line item URL for the link's scores, found or created when needed (may call the LMS).

    Must be called without an open write transaction; commits what it stores."""
    link = db.session.get(ResourceLink, link_id)
    if link.lineitem_url:
        return link.lineitem_url
    if not link.lineitems_url:
        raise ServiceFailure(REFUSED, "The launch of this activity carried no grade service (no line item URL); "
                                      "the LMS does not accept grades for it.")
    db.session.commit()  # end the read transaction: another worker may store the URL meanwhile
    with _exclusive(link_id):
        link = db.session.get(ResourceLink, link_id, populate_existing=True)
        if link.lineitem_url:
            return link.lineitem_url
        lineitems_url, resource_link_id, quiz_slug = link.lineitems_url, link.link_id, link.quiz_slug or ""
        label = _label(link)
        db.session.commit()
        url = ags.find_line_item(client, lineitems_url, resource_link_id=resource_link_id)
        if url is None:
            url = ags.create_line_item(client, lineitems_url, label=label, score_maximum=score_maximum,
                                       resource_link_id=resource_link_id, resource_id=quiz_slug)
        link = db.session.get(ResourceLink, link_id, populate_existing=True)
        link.lineitem_url = url[:1024]
        db.session.commit()
        return url


def _label(link: ResourceLink) -> str:
    """The quiz title in the language the activity is used in; the LMS's title otherwise."""
    from ..attempts.services import AttemptError, quiz_for_link
    from ..engine import resolve

    locale = db.session.scalar(
        select(LaunchSession.locale).where(LaunchSession.resource_link_id == link.id)
        .order_by(LaunchSession.created_at.desc()).limit(1)
    ) or current_app.config.get("BABEL_DEFAULT_LOCALE", "de")
    try:
        return resolve(quiz_for_link(link).content.title, locale)[:255] or link.title or "Kontor"
    except AttemptError:
        return link.title or "Kontor"


@contextmanager
def _exclusive(link_id: int):
    with _locks_guard:
        lock = _locks.setdefault(link_id, threading.Lock())
    with lock:
        if db.engine.dialect.name != "postgresql":
            yield
            return
        # A transaction-level lock in a transaction of its own connection, held open while the LMS
        # answers: behind PgBouncer in transaction mode an open transaction keeps its server
        # connection, while a session-level lock and its unlock could land on two different ones.
        with db.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:c, :o)"), {"c": ADVISORY_CLASS, "o": link_id})
            try:
                yield
            finally:
                conn.rollback()  # ends the transaction, and with it the lock
