"""What only the LTI protocol needs: platforms, deployments, keys, logins, nonces, handoffs, invites and
service tokens. The records a launch produces (users, courses, links, launches) live in `courses/`."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, UniqueConstraint, false
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
    # The platform's JWKS as last fetched, shared by every process (lti/platform_keys.py): fetched
    # again after KONTOR_PLATFORM_KEYS_MAX_AGE_HOURS, or for an unknown kid at most once a minute.
    key_set: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    key_set_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The last refetch for a kid the stored set did not hold (the rate limit of such refetches).
    key_set_refetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Origins that frame Kontor for this platform beyond its issuer and login URL (a Canvas tenant's
    # own domain, learnt from the return_url of signed launches, or set by an administrator).
    frame_origins: Mapped[list] = mapped_column(JSON, default=list)
    # The hosts of the issuer, token and key set URLs are reached wherever they resolve: set for a
    # platform an administrator added (`flask platform add`, maybe an LMS in the school's own
    # network), never by a registration, whose owner could later point its DNS names at an internal
    # address; their every connection is checked (services_clients.platform_session). Changed with
    # `flask platform trust-hosts`.
    hosts_trusted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
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


class AccessToken(db.Model):
    """OAuth2 access tokens per platform and scope set, shared by every process until shortly
    before they expire, so a class of 500 submissions costs one token request."""

    __tablename__ = "lti_access_token"
    __table_args__ = (UniqueConstraint("platform_id", "scope_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    scope_key: Mapped[str] = mapped_column(String(64))
    token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
