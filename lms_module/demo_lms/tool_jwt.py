"""Verifying JWTs the tool signs (client assertions, deep-linking responses) against its JWKS.

Like Moodle with a "keyset URL" tool, the emulator fetches the tool's JWKS over HTTP. Keys are
cached per URL and the set is fetched again once when a token names an unknown kid, so a tool
that rotates its key keeps working.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import jwt
import requests

from .jws import unverified_header

ALLOWED_ALGORITHMS = ["RS256", "RS384", "RS512"]


class ToolJwtError(Exception):
    """The token cannot be trusted; the message says why (for logs and error pages)."""


class ToolKeyCache:
    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._lock = threading.Lock()
        self._keys: dict[str, dict[str, jwt.PyJWK]] = {}
        self.fetch_count = 0

    def key_for(self, jwks_uri: str, kid: str | None) -> jwt.PyJWK:
        with self._lock:
            cached = self._keys.get(jwks_uri)
        if cached is not None:
            key = _select(cached, kid)
            if key is not None:
                return key
        # Not cached, or an unknown kid: fetch once (outside the lock: the tool may be served
        # by the same threaded server and answer slowly).
        fresh = self._fetch(jwks_uri)
        with self._lock:
            self._keys[jwks_uri] = fresh
        key = _select(fresh, kid)
        if key is None:
            raise ToolJwtError(f"no key with kid {kid!r} in the tool's JWKS at {jwks_uri}")
        return key

    def forget(self) -> None:
        with self._lock:
            self._keys.clear()

    def _fetch(self, jwks_uri: str) -> dict[str, jwt.PyJWK]:
        self.fetch_count += 1
        try:
            response = requests.get(jwks_uri, timeout=self._timeout, headers={"Accept": "application/json"})
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            raise ToolJwtError(f"cannot fetch the tool's JWKS at {jwks_uri}: {error}") from error
        keys: dict[str, jwt.PyJWK] = {}
        for entry in document.get("keys", []) if isinstance(document, dict) else []:
            if not isinstance(entry, dict) or entry.get("kty") != "RSA":
                continue
            try:
                keys[str(entry.get("kid", ""))] = jwt.PyJWK(entry, algorithm=entry.get("alg", "RS256"))
            except jwt.PyJWTError:
                continue
        return keys


def _select(keys: dict[str, jwt.PyJWK], kid: str | None) -> jwt.PyJWK | None:
    if kid is not None:
        return keys.get(kid)
    # Without a kid only an unambiguous key set will do.
    return next(iter(keys.values())) if len(keys) == 1 else None


def verify_tool_jwt(
    token: str,
    jwks_uri: str,
    cache: ToolKeyCache,
    *,
    audience: str | Iterable[str] | None,
    required: Iterable[str] = ("exp", "iat", "iss"),
    leeway: float = 0,
) -> dict[str, Any]:
    """Signature, exp/iat and audience checks; the caller checks the claims' meaning."""
    header = unverified_header(token)
    if not header:
        raise ToolJwtError("not a JWT")
    if header.get("alg") not in ALLOWED_ALGORITHMS:
        raise ToolJwtError(f"algorithm {header.get('alg')!r} is not accepted")
    key = cache.key_for(jwks_uri, header.get("kid"))
    try:
        return jwt.decode(
            token,
            key.key,
            algorithms=ALLOWED_ALGORITHMS,
            audience=audience,
            leeway=leeway,
            options={"require": list(required), "verify_aud": audience is not None},
        )
    except jwt.PyJWTError as error:
        raise ToolJwtError(f"{type(error).__name__}: {error}") from error
