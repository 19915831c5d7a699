"""Compact JWS signing with full control over the header.

The emulator signs its own tokens here instead of through PyJWT because Moodle's header is
``{"typ":"JWT","alg":"RS256","kid":...}`` in exactly that order, and because the testing
helpers must be able to forge broken tokens (``alg: none``, HMAC with the public key, missing
``kid``) that a well-behaved library refuses to produce. Verification uses PyJWT.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

_RSA_HASHES = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}
_HMAC_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _segment(value: dict[str, Any]) -> str:
    # Compact separators like PHP's json_encode, and no key sorting: claim order is part of the
    # Moodle shape the tests check.
    return b64url(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def sign_compact(
    header: dict[str, Any],
    payload: dict[str, Any],
    key: rsa.RSAPrivateKey | bytes | None,
) -> str:
    """Sign `payload` with the algorithm named in ``header["alg"]``.

    `key` is an RSA private key for RS*, a shared secret for HS*, and ignored for ``none``.
    """
    alg = header.get("alg", "none")
    signing_input = f"{_segment(header)}.{_segment(payload)}".encode("ascii")
    if alg in _RSA_HASHES:
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError(f"{alg} needs an RSA private key")
        signature = key.sign(signing_input, padding.PKCS1v15(), _RSA_HASHES[alg]())
    elif alg in _HMAC_HASHES:
        if not isinstance(key, bytes):
            raise TypeError(f"{alg} needs a bytes secret")
        signature = hmac.new(key, signing_input, _HMAC_HASHES[alg]).digest()
    elif alg == "none":
        signature = b""
    else:
        raise ValueError(f"unsupported alg {alg!r}")
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
