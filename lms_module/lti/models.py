"""What Kontor stores about LMS platforms, keys and launches."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import UTCDateTime, utcnow
from ..extensions import db

__all__ = ["utcnow"]  # re-exported for the lti package


class Platform(db.Model):
    """One LMS registration, keyed by (issuer, client_id): every hosted Canvas shares one issuer."""

    __tablename__ = "lti_platform"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    auth_login_url: Mapped[str] = mapped_column(String(1024))
    auth_token_url: Mapped[str] = mapped_column(String(1024))
    key_set_url: Mapped[str] = mapped_column(String(1024))
    # The platform's JWKS as last fetched; refetched once when a token names an unknown kid.
    key_set: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # Origins that frame Kontor for this platform beyond its issuer and login URL (a Canvas tenant's
    # own domain, learnt from the return_url of signed launches, or set by an administrator).
    frame_origins: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deployments: Mapped[list[Deployment]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", order_by="Deployment.id"
    )


class Deployment(db.Model):
    """A deployment id of a platform. Unknown ids are recorded inactive for an admin to activate."""

    __tablename__ = "lti_deployment"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    platform: Mapped[Platform] = relationship(back_populates="deployments")


class ToolKey(db.Model):
    """The tool's RSA signing keys. The newest unretired key signs; retired keys stay in the JWKS for a grace period."""

    __tablename__ = "lti_tool_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_pem: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OidcLogin(db.Model):
    """A login we started: state and nonce, kept server-side so any worker process can finish it."""

    __tablename__ = "lti_oidc_login"

    state: Mapped[str] = mapped_column(String(128), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(128))
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    # Set when the platform offered LTI platform storage (lti_storage_target) for browsers without cookies.
    storage_target: Mapped[str | None] = mapped_column(String(255), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UsedNonce(db.Model):
    """Nonces of accepted id_tokens: the unique constraint makes a replay fail in every process."""

    __tablename__ = "lti_used_nonce"
    __table_args__ = (UniqueConstraint("platform_id", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


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
    message_type: Mapped[str] = mapped_column(String(64))
    deployment_id: Mapped[str] = mapped_column(String(255), default="", server_default="")
    # Deep linking settings claim, kept to answer the platform; empty for resource link launches.
    deep_linking: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    return_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LaunchHandoff(db.Model):
    """A one-time ticket that carries a launch into a browser context without the session cookie
    (a new window when the iframe may not keep cookies, or after platform storage confirmed the state)."""

    __tablename__ = "lti_launch_handoff"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    launch_id: Mapped[str] = mapped_column(ForeignKey("lti_launch.id", ondelete="CASCADE"))
    # For a launch waiting on platform storage: the state value the browser must read back.
    expected_state: Mapped[str | None] = mapped_column(String(128), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class RegistrationInvite(db.Model):
    """The administrator's consent to one dynamic registration (`flask platform invite`). Only the
    SHA-256 of the token is stored: a copy of the database does not let anyone register."""

    __tablename__ = "lti_registration_invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Becomes the name of the platform registered with this invite ("" = the LMS's own name).
    name: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
