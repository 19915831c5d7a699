"""Kontor's core records: people, courses, memberships, activities (resource links) and launches.

The table names keep their historical `lti_` prefix (no data migration); the rows belong to no
protocol. Platform ids refer to `lti_platform` by table name only, so this module imports nothing
from `lti/`."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class User(db.Model):
    __tablename__ = "lti_user"
    __table_args__ = (UniqueConstraint("platform_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    given_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    family_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Course(db.Model):
    """An LTI context. LTI makes context ids unique per deployment only, so a course is known by
    platform, deployment and context id."""

    __tablename__ = "lti_course"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    # NULL: a course recorded before Kontor kept deployments; the next launch naming it claims it.
    deployment_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    context_id: Mapped[str] = mapped_column(String(255))
    label: Mapped[str] = mapped_column(String(255), default="")
    title: Mapped[str] = mapped_column(String(512), default="")
    memberships_url: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    roster_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Membership(db.Model):
    """A person's role in a course, as the last launch (or the roster) said."""

    __tablename__ = "lti_membership"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lti_course.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    last_launch_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # "active" or "inactive" (left the course, per the LMS roster); people are never deleted.
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")


class ResourceLink(db.Model):
    """A placement of Kontor in a course: one quiz activity. Known by platform, deployment and link
    id (LTI makes link ids unique per deployment); it never moves to another course."""

    __tablename__ = "lti_resource_link"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id", "link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    # NULL: a link recorded before Kontor kept deployments; the next launch naming it claims it.
    deployment_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("lti_course.id", ondelete="CASCADE"), nullable=True)
    link_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(512), default="")
    quiz_slug: Mapped[str | None] = mapped_column(String(128), nullable=True)
    custom: Mapped[dict] = mapped_column(JSON, default=dict)
    lineitem_url: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    lineitems_url: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    ags_scopes: Mapped[list] = mapped_column(JSON, default=list)


class LaunchSession(db.Model):
    """A validated launch. Its unguessable id is in the URLs of the pages it opens; the browser's
    session cookie lists the ids it may use, so a leaked URL alone opens nothing."""

    __tablename__ = "lti_launch"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("lti_course.id", ondelete="CASCADE"), nullable=True)
    resource_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_resource_link.id", ondelete="CASCADE"), nullable=True
    )
    role: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8))
    # The IANA time zone the LMS named for the person (courses.time_zone); NULL: the configured one.
    time_zone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    message_type: Mapped[str] = mapped_column(String(64))
    deployment_id: Mapped[str] = mapped_column(String(255), default="", server_default="")
    # Deep linking settings claim, kept to answer the platform; empty for resource link launches.
    deep_linking: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    return_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
