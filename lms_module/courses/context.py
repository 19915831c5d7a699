"""The small, frozen view of a launch that the rest of Kontor works with (it never sees LTI claims),
and the one query that loads it for a request."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select

from ..db_types import utcnow
from ..extensions import db
from .models import LaunchSession, ResourceLink


@dataclass(frozen=True)
class LaunchContext:
    launch_id: str
    platform_id: int
    user_id: int
    course_id: int | None
    resource_link_id: int | None
    role: str  # roles.STUDENT or roles.INSTRUCTOR
    locale: str
    message_type: str
    quiz_slug: str | None
    # The IANA zone the LMS named for the person (e.g. Europe/Berlin); None: BABEL_DEFAULT_TIMEZONE.
    time_zone: str | None = None

    @property
    def is_instructor(self) -> bool:
        return self.role == "instructor"

    @property
    def is_deep_linking(self) -> bool:
        return self.message_type == "LtiDeepLinkingRequest"


def load_context(launch_id: str) -> LaunchContext | None:
    """The launch and its activity's quiz in one query (every page of every launch asks)."""
    return load_context_and(launch_id, None)[0]


# The launch's columns that make its context (not the whole row: fewer columns for the driver to
# describe and convert on every page of every launch).
_CONTEXT_COLUMNS = (
    LaunchSession.id, LaunchSession.platform_id, LaunchSession.user_id, LaunchSession.course_id,
    LaunchSession.resource_link_id, LaunchSession.role, LaunchSession.locale, LaunchSession.message_type,
    LaunchSession.expires_at, ResourceLink.quiz_slug, LaunchSession.time_zone,
)


def launch_query(also=None):
    """The query of load_context_and for the launch in the bound parameter `launch_id`, with what
    `also(query)` joins and adds. Built once and executed with values: building it costs more CPU
    than running it."""
    query = (
        select(*_CONTEXT_COLUMNS)
        .outerjoin(ResourceLink, ResourceLink.id == LaunchSession.resource_link_id)
        .where(LaunchSession.id == bindparam("launch_id"))
    )
    return also(query) if also is not None else query


_LAUNCH_ONLY = launch_query()


def load_context_and(launch_id: str, also, statement=None, params: dict | None = None
                     ) -> tuple[LaunchContext | None, tuple]:
    """load_context, plus what `also(query)` joins and adds to the same query (a room above this one
    loads the launch's attempt with it: one query per page instead of three). Returns the context
    (None for an unknown or expired launch) and the added columns of the row. `statement`:
    launch_query(also) built before, run with `params` for the bound parameters `also` added."""
    if statement is None:
        statement = launch_query(also) if also is not None else _LAUNCH_ONLY
    row = db.session.execute(statement, {**(params or {}), "launch_id": launch_id}).first()
    if row is None or row[8] < utcnow():  # expires_at
        return None, ()
    columns = len(_CONTEXT_COLUMNS)
    context = LaunchContext(
        launch_id=row[0], platform_id=row[1], user_id=row[2], course_id=row[3], resource_link_id=row[4],
        role=row[5], locale=row[6], message_type=row[7], quiz_slug=row[9], time_zone=row[10],
    )
    return context, tuple(row[columns:])
