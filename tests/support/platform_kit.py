"""Helpers for the tool's tests: forge id_tokens, build Moodle-shaped claims, make adversary keys.

Test-only (issue 11): the forgeries (``alg: none``, HMAC with the public key) must never ship in
the wheel, so they live here and the emulator's own signer knows RS* only.

    kit = PlatformTestKit(demo_lms_app)           # or PlatformTestKit(state)
    claims = kit.build_launch_claims("4", 2, nonce="n-1")
    claims["aud"] = "someone-else"                # tamper with one claim
    token = kit.sign_id_token(claims)             # signed with the platform's key
    forged = kit.sign_id_token(claims, key=generate_adversary_key())
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask

from lms_module.demo_lms.claims import DEEP_LINKING_REQUEST, RESOURCE_LINK_REQUEST, id_token_claims
from lms_module.demo_lms.jws import b64url, compact_segment, sign_compact
from lms_module.demo_lms.keys import PlatformKey
from lms_module.demo_lms.model import PendingLaunch
from lms_module.demo_lms.runtime import STATE_KEY, URLS_KEY
from lms_module.demo_lms.state import PlatformState
from lms_module.demo_lms.urls import PlatformUrls

SigningKey = PlatformKey | rsa.RSAPrivateKey | bytes | str


def generate_adversary_key(kid: str | None = None) -> PlatformKey:
    """A fresh RSA key the tool has never seen; pass kid= to impersonate the platform's kid."""
    return PlatformKey.generate(kid)


def sign_jwt(
    claims: dict[str, Any],
    key: SigningKey,
    headers: dict[str, Any] | None = None,
    alg: str = "RS256",
) -> str:
    """Sign `claims` with any key and algorithm, ``none`` and HS* included.

    The header starts as Moodle's ``{"typ": "JWT", "alg": alg, "kid": <key's kid>}``; entries
    in `headers` replace or add members, and a value of None removes one (e.g. ``{"kid": None}``).
    For HS* a PEM (str/bytes) is used as the HMAC secret: the classic algorithm-confusion forgery.
    """
    kid = key.kid if isinstance(key, PlatformKey) else None
    header: dict[str, Any] = {"typ": "JWT", "alg": alg}
    if kid is not None:
        header["kid"] = kid
    for name, value in (headers or {}).items():
        if value is None:
            header.pop(name, None)
        else:
            header[name] = value
    signing_alg = header.get("alg", alg)
    if signing_alg in _HMAC_HASHES or signing_alg == "none":
        signing_input = f"{compact_segment(header)}.{compact_segment(claims)}".encode("ascii")
        signature = b"" if signing_alg == "none" else hmac.new(
            _secret_from(key), signing_input, _HMAC_HASHES[signing_alg]
        ).digest()
        return f"{signing_input.decode('ascii')}.{b64url(signature)}"
    return sign_compact(header, claims, _rsa_from(key))


_HMAC_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


class PlatformTestKit:
    """Bound to one emulator: its key, its seeded course and its URLs."""

    def __init__(self, app_or_state: Flask | PlatformState, urls: PlatformUrls | None = None) -> None:
        if isinstance(app_or_state, Flask):
            self.state: PlatformState = app_or_state.extensions[STATE_KEY]
            self.urls: PlatformUrls = app_or_state.extensions[URLS_KEY]
        else:
            if urls is None:
                raise TypeError("pass the app, or the state together with its PlatformUrls")
            self.state, self.urls = app_or_state, urls

    @property
    def key(self) -> PlatformKey:
        return self.state.key

    @property
    def private_key_pem(self) -> bytes:
        return self.state.key.private_pem()

    @property
    def kid(self) -> str:
        return self.state.key.kid

    @property
    def issuer(self) -> str:
        return self.urls.issuer

    def jwks(self) -> dict[str, Any]:
        return self.state.jwks()

    def build_launch_claims(
        self,
        user_id: str,
        activity_id: int | None,
        nonce: str,
        message_type: str = RESOURCE_LINK_REQUEST,
        locale: str | None = None,
        client_id: str | None = None,
    ) -> dict[str, Any]:
        """The payload auth.php would sign for this launch, in Moodle's claim order.

        `activity_id` is the cmid (2 for the seeded activity); it is ignored for
        LtiDeepLinkingRequest. Nothing is stored: the emulator will not know this launch.
        """
        user = self.state.user(user_id)
        if user is None:
            raise KeyError(f"no user {user_id}")
        deep_linking = message_type == DEEP_LINKING_REQUEST
        launch = PendingLaunch(
            launch_id=f"forged_{secrets.randbelow(2**31)}",
            user_id=user.id,
            client_id=client_id or self.state.settings.client_id,
            message_type=message_type,
            locale=locale or user.locale,
            sesskey=secrets.token_hex(5),
            created_at=self.state.now(),
            numeric_launch_id=secrets.randbelow(2**31),
            cmid=None if deep_linking else activity_id,
            dl_data=self.state.deep_linking_data if deep_linking else None,
        )
        return id_token_claims(self.state, self.urls, launch, nonce, int(self.state.now()))

    def sign_id_token(
        self,
        claims: dict[str, Any],
        headers: dict[str, Any] | None = None,
        key: SigningKey | None = None,
        alg: str = "RS256",
    ) -> str:
        """Sign like auth.php (platform key and kid) unless `key`/`headers`/`alg` say otherwise."""
        return sign_jwt(claims, key if key is not None else self.state.key, headers, alg)


def _rsa_from(key: SigningKey) -> rsa.RSAPrivateKey:
    if isinstance(key, PlatformKey):
        return key.private_key
    if isinstance(key, rsa.RSAPrivateKey):
        return key
    pem = key.encode("ascii") if isinstance(key, str) else key
    return PlatformKey.from_pem(pem).private_key


def _secret_from(key: SigningKey) -> bytes:
    if isinstance(key, PlatformKey):
        return key.public_pem()
    if isinstance(key, rsa.RSAPrivateKey):
        return PlatformKey(key, "").public_pem()
    return key.encode("utf-8") if isinstance(key, str) else key
