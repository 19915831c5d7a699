"""Registration invites: a one-time token that an administrator hands to an LMS administrator.

The token travels in the tool URL pasted into the LMS (`/lti/register?invite=…`); the LMS appends
its own parameters. A registration is allowed only with an open invite (unless
KONTOR_OPEN_REGISTRATION), and only a successful registration uses it up.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ..extensions import db
from .models import RegistrationInvite, utcnow

MAX_TOKEN_CHARS = 128
MAX_LIFETIME = timedelta(days=30)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_invite(name: str, lifetime: timedelta) -> tuple[RegistrationInvite, str]:
    """A new invite and its token (shown once, never stored)."""
    if not timedelta(minutes=1) <= lifetime <= MAX_LIFETIME:
        raise ValueError("an invite lives between one minute and 30 days")
    token = secrets.token_urlsafe(32)
    invite = RegistrationInvite(token_hash=token_hash(token), name=name[:255], expires_at=utcnow() + lifetime)
    db.session.add(invite)
    db.session.flush()
    return invite, token


def find_open_invite(token: str, now: datetime | None = None) -> RegistrationInvite | None:
    """The unused, unexpired invite for this token, or None."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    now = now or utcnow()
    return db.session.scalars(
        select(RegistrationInvite).where(
            RegistrationInvite.token_hash == token_hash(token),
            RegistrationInvite.used_at.is_(None),
            RegistrationInvite.expires_at > now,
        )
    ).first()


def use_invite(invite_id: int, now: datetime | None = None) -> bool:
    """Mark the invite used if it still is open (compare-and-set: of two registrations racing
    with one invite, one wins)."""
    now = now or utcnow()
    result = db.session.execute(
        update(RegistrationInvite)
        .where(RegistrationInvite.id == invite_id, RegistrationInvite.used_at.is_(None),
               RegistrationInvite.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def open_invites(now: datetime | None = None) -> list[RegistrationInvite]:
    now = now or utcnow()
    return list(db.session.scalars(
        select(RegistrationInvite)
        .where(RegistrationInvite.used_at.is_(None), RegistrationInvite.expires_at > now)
        .order_by(RegistrationInvite.expires_at)
    ))


def revoke_invite(invite_id: int) -> bool:
    """Close an open invite at once (it counts as expired)."""
    result = db.session.execute(
        update(RegistrationInvite)
        .where(RegistrationInvite.id == invite_id, RegistrationInvite.used_at.is_(None))
        .values(expires_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
