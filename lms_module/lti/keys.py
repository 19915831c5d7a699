"""The tool's RSA key pairs: created on first start, rotated on demand, published as a JWKS."""
from __future__ import annotations

import secrets
from datetime import timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK
from sqlalchemy import select

from ..extensions import db
from .models import ToolKey, utcnow

KEY_BITS = 2048


def _new_key() -> ToolKey:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    kid = secrets.token_hex(10)
    public = JWK.from_pem(pem.encode()).export_public(as_dict=True)
    public.update(kid=kid, alg="RS256", use="sig")
    return ToolKey(kid=kid, private_pem=pem, public_jwk=public)


def active_key() -> ToolKey | None:
    return db.session.scalars(
        select(ToolKey).where(ToolKey.retired_at.is_(None)).order_by(ToolKey.id.desc()).limit(1)
    ).first()


def ensure_tool_key() -> ToolKey:
    """The signing key, created if there is none yet."""
    key = active_key()
    if key is None:
        key = _new_key()
        db.session.add(key)
        db.session.flush()
    return key


def rotate_keys() -> tuple[ToolKey, ToolKey | None]:
    """Make a new signing key; the previous one is retired but stays published for the grace period."""
    previous = active_key()
    if previous is not None:
        previous.retired_at = utcnow()
    key = _new_key()
    db.session.add(key)
    db.session.flush()
    return key, previous


def published_keys(grace: timedelta) -> list[dict]:
    """Public JWKs of the signing key and of keys retired less than `grace` ago (never a private part)."""
    cutoff = utcnow() - grace
    keys = db.session.scalars(
        select(ToolKey)
        .where((ToolKey.retired_at.is_(None)) | (ToolKey.retired_at > cutoff))
        .order_by(ToolKey.id.desc())
    ).all()
    return [_public_only(key.public_jwk) for key in keys]


def _public_only(jwk: dict) -> dict:
    # Belt and braces: only the public RSA members and metadata ever leave the server.
    allowed = {"kty", "n", "e", "kid", "alg", "use"}
    return {k: v for k, v in jwk.items() if k in allowed}


def private_pem_and_kid() -> tuple[str, str]:
    key = ensure_tool_key()
    return key.private_pem, key.kid
