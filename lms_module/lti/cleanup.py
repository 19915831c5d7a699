"""Purging what the LTI flow leaves behind, so the tables do not grow forever."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from ..extensions import db
from ..courses.models import LaunchSession
from .models import LaunchHandoff, OidcLogin, UsedNonce

# An id_token lives minutes (Moodle: 60 s); a used nonce older than a day cannot come back in a
# token that would still pass the expiry check, so keeping it longer protects nothing.
NONCE_KEPT = timedelta(days=1)
EXPIRED_KEPT = timedelta(days=1)


def purge_expired(now: datetime) -> dict[str, int]:
    """Delete logins, handoffs, launches and nonces that can no longer be used; counts per table."""
    counts = {
        "logins": db.session.execute(delete(OidcLogin).where(OidcLogin.expires_at < now)).rowcount,
        "handoffs": db.session.execute(delete(LaunchHandoff).where(LaunchHandoff.expires_at < now)).rowcount,
        "launches": db.session.execute(
            delete(LaunchSession).where(LaunchSession.expires_at < now - EXPIRED_KEPT)).rowcount,
        "nonces": db.session.execute(delete(UsedNonce).where(UsedNonce.used_at < now - NONCE_KEPT)).rowcount,
    }
    return counts
