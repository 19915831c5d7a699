"""The small, frozen view of a launch that the rest of Kontor works with (it never sees LTI claims),
and the one query that loads it for a request."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

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

    @property
    def is_instructor(self) -> bool:
        return self.role == "instructor"

    @property
    def is_deep_linking(self) -> bool:
        return self.message_type == "LtiDeepLinkingRequest"


def context_of(launch: LaunchSession) -> LaunchContext:
    link = db.session.get(ResourceLink, launch.resource_link_id) if launch.resource_link_id else None
    return _context(launch, link.quiz_slug if link else None)


def _context(launch: LaunchSession, quiz_slug: str | None) -> LaunchContext:
    return LaunchContext(
        launch_id=launch.id,
        platform_id=launch.platform_id,
        user_id=launch.user_id,
        course_id=launch.course_id,
        resource_link_id=launch.resource_link_id,
        role=launch.role,
        locale=launch.locale,
        message_type=launch.message_type,
        quiz_slug=quiz_slug,
    )


def load_context(launch_id: str) -> LaunchContext | None:
    """The launch and its activity's quiz in one query (every page of every launch asks)."""
    return load_context_and(launch_id, None)[0]


def load_context_and(launch_id: str, also) -> tuple[LaunchContext | None, tuple]:
    """load_context, plus what `also(query)` joins and adds to the same query (a room above this one
    loads the launch's attempt with it: one query per page instead of three). Returns the context
    (None for an unknown or expired launch) and the added columns of the row."""
    query = (
        select(LaunchSession, ResourceLink.quiz_slug)
        .outerjoin(ResourceLink, ResourceLink.id == LaunchSession.resource_link_id)
        .where(LaunchSession.id == launch_id)
    )
    row = db.session.execute(also(query) if also is not None else query).first()
    if row is None or row[0].expires_at < utcnow():
        return None, ()
    return _context(row[0], row[1]), tuple(row[2:])
