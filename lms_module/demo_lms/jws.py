"""Compact JWS signing with full control over the header.

The emulator signs its own tokens here instead of through PyJWT because Moodle's header is
``{"typ":"JWT","alg":"RS256","kid":...}`` in exactly that order. Only RS* is signed here: the
forgeries the tests need (``alg: none``, HMAC with the public key) live in the tests
(tests/support/platform_kit.py) and never ship. Verification uses PyJWT.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

_RSA_HASHES = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact_segment(value: dict[str, Any]) -> str:
    # Compact separators like PHP's json_encode, and no key sorting: claim order is part of the
    # Moodle shape the tests check.
    return b64url(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def sign_compact(
    header: dict[str, Any],
    payload: dict[str, Any],
    key: rsa.RSAPrivateKey,
) -> str:
    """Sign `payload` with the RSA algorithm named in ``header["alg"]`` (RS256, RS384, RS512)."""
    alg = header.get("alg")
    if alg not in _RSA_HASHES:
        raise ValueError(f"unsupported alg {alg!r}")
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError(f"{alg} needs an RSA private key")
    signing_input = f"{compact_segment(header)}.{compact_segment(payload)}".encode("ascii")
    signature = key.sign(signing_input, padding.PKCS1v15(), _RSA_HASHES[alg]())
    return f"{signing_input.decode('ascii')}.{b64url(signature)}"


def unverified_header(token: str) -> dict[str, Any]:
    """The decoded header of a compact JWS, or {} when it is not one."""
    try:
        segment = token.split(".")[0]
        padded = segment + "=" * (-len(segment) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, IndexError):
        return {}
    return value if isinstance(value, dict) else {}


def unverified_claims(token: str) -> dict[str, Any]:
    """The decoded payload of a compact JWS without any check, or {} when it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
