"""The platforms' public keys (JWKS), cached in the database for every process.

Without a stored key set pylti1p3 fetches the platform's JWKS URL on every launch: a blocking call to
the LMS inside the launch and an extra request for the LMS (one per launch in a real Moodle's log).
Kontor stores the set with its fetch time on the platform row and fetches it again only
- when none is stored yet, or the stored one is older than KONTOR_PLATFORM_KEYS_MAX_AGE_HOURS
  (one process refreshes it; the others go on with the stored set meanwhile);
- when a token names a kid the stored set does not hold (the platform rotated its key), at most once
  per platform and REFETCH_INTERVAL, so that tokens with made-up kids cannot make Kontor hammer the LMS.
Every fetch is claimed with a compare-and-set on the platform row, committed at once: the claim holds
across processes even when the launch that caused it is refused (and rolled back), and no
transaction stays open while the LMS answers. The fetch goes through the platform's own session
(services_clients.platform_session), under the same address rules as its token endpoint and services:
a refused address is a failed fetch.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from jwt.algorithms import RSAAlgorithm
from jwt.exceptions import InvalidKeyError
from sqlalchemy import select, update

from ..extensions import db
from .address_guard import BlockedAddress
from .models import Platform, utcnow
from .services_clients import (
    REFUSED, CallLimits, PlatformEndpoint, ServiceFailure, call, platform_session, raise_for_status,
)

log = logging.getLogger(__name__)

REFETCH_INTERVAL = timedelta(minutes=1)
MAX_KEYS = 50  # a JWKS with more keys than this is not a platform's key set


@dataclass(frozen=True)
class KeyPolicy:
    max_age: timedelta = timedelta(hours=24)
    refetch_interval: timedelta = REFETCH_INTERVAL
    timeout: float = 10.0
    max_bytes: int = 1024 * 1024

    @classmethod
    def from_config(cls, config) -> KeyPolicy:
        return cls(
            max_age=timedelta(hours=float(config.get("KONTOR_PLATFORM_KEYS_MAX_AGE_HOURS", 24))),
            timeout=float(config.get("KONTOR_HTTP_TIMEOUT_SECONDS", 10)),
            max_bytes=int(config.get("KONTOR_LMS_MAX_RESPONSE_BYTES", 1024 * 1024)),
        )


class KeySetUnavailable(Exception):
    """No key set could be had for the platform (the fetch failed and none is stored)."""


# Parsed public keys by the JWK they came from (its JSON, keys sorted). A platform signs every launch
# with the same key for months, so the key is parsed once per process, not once per launch. Keyed by the
# key material itself, so one platform's JWK can never stand for another's; bounded.
_PARSED_KEYS: dict[str, RSAPublicKey] = {}
MAX_PARSED_KEYS = 256


def public_key(jwk: dict) -> RSAPublicKey:
    """The RSA public key of a JWK, to verify a token with; ValueError if it is not an RSA key."""
    text = json.dumps(jwk, sort_keys=True)
    key = _PARSED_KEYS.get(text)
    if key is None:
        try:
            key = RSAAlgorithm.from_jwk(jwk)
        except (InvalidKeyError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not an RSA public key: {exc}") from exc
        if isinstance(key, RSAPrivateKey):  # a platform that published its private part: verify only
            key = key.public_key()
        if len(_PARSED_KEYS) >= MAX_PARSED_KEYS:
            _PARSED_KEYS.clear()
        _PARSED_KEYS[text] = key
    return key


def has_kid(key_set: dict | None, kid: str | None) -> bool:
    return bool(key_set) and any(isinstance(k, dict) and k.get("kid") == kid for k in key_set.get("keys", []))


def key_set_for(platform_id: int, kid: str | None, policy: KeyPolicy, stored=None) -> dict:
    """The platform's key set to verify a token signed under `kid`, fetched only when needed.
    `stored`: (key_set, key_set_fetched_at) as the caller just read them with the platform.

    May commit the session (the claims must outlive a refused launch): call it before the launch
    writes anything. The answer may lack `kid`; the caller then refuses the token."""
    key_set, fetched_at = stored if stored is not None else _stored(platform_id)
    now = utcnow()
    fresh = fetched_at is not None and now - fetched_at < policy.max_age
    if key_set and fresh and has_kid(key_set, kid):
        return key_set
    if key_set is None or not fresh:
        # Nothing stored yet, or too old: one process fetches, the others use what is stored.
        if _claim(platform_id, _expired(Platform.key_set_fetched_at, now - _claim_age(key_set, policy)), now):
            key_set = _refresh(platform_id, policy, keep=key_set, now=now) or key_set
            if key_set is None:
                raise KeySetUnavailable(f"platform {platform_id}")
            return key_set
        if key_set is None:
            key_set = _wait_for_first(platform_id, policy)
            if key_set is None:
                raise KeySetUnavailable(f"platform {platform_id}: another process is fetching it")
            return key_set
        if has_kid(key_set, kid):
            return key_set
    # A kid the stored set does not hold: the platform may have rotated its key.
    if _claim(platform_id, _expired(Platform.key_set_refetched_at, now - policy.refetch_interval), now,
              column="key_set_refetched_at"):
        log.info("platform %s: token names unknown kid %r, fetching its key set again", platform_id, str(kid)[:80])
        key_set = _refresh(platform_id, policy, keep=key_set, now=now) or key_set
    else:
        log.warning("platform %s: token names unknown kid %r; key set refetched less than %s ago, not again",
                    platform_id, str(kid)[:80], policy.refetch_interval)
    if key_set is None:
        raise KeySetUnavailable(f"platform {platform_id}")
    return key_set


def _claim_age(key_set: dict | None, policy: KeyPolicy) -> timedelta:
    # A missing set is claimed for one refetch interval (a process that died while fetching is
    # replaced after it); a stored one until it is max_age old.
    return policy.refetch_interval if key_set is None else policy.max_age


def _expired(column, cutoff: datetime):
    return column.is_(None) | (column <= cutoff)


def _stored(platform_id: int) -> tuple[dict | None, datetime | None]:
    row = db.session.execute(
        select(Platform.key_set, Platform.key_set_fetched_at).where(Platform.id == platform_id)
    ).one()
    return row.key_set, row.key_set_fetched_at


def _claim(platform_id: int, condition, now: datetime, column: str = "key_set_fetched_at") -> bool:
    """Compare-and-set on the platform row, committed: True for the one process that may fetch."""
    result = db.session.execute(
        update(Platform).where(Platform.id == platform_id, condition).values({column: now})
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _refresh(platform_id: int, policy: KeyPolicy, *, keep: dict | None, now: datetime) -> dict | None:
    """Fetch the JWKS (no transaction open meanwhile) and store it; None if the fetch failed."""
    endpoint = PlatformEndpoint.read(platform_id)
    db.session.commit()
    if endpoint is None:  # removed since the claim (`platform remove`): no key set, a refused launch
        log.warning("platform %s: removed while its key set was to be fetched", platform_id)
        return None
    url = endpoint.key_set_url
    try:
        # The platform's own session: its key set host may have been rebound to an internal
        # address since the platform registered (anyone can start a launch and so this fetch).
        with platform_session(endpoint, policy.timeout) as session:
            key_set = fetch_key_set(url, policy, session)
    except (ServiceFailure, ValueError) as exc:
        log.warning("platform %s: fetching its key set from %s failed: %s", platform_id, url, exc)
        # Keep the stored set (an empty one if there is none: then nobody waits for a fetch that
        # failed, and unknown kids are refetched at the bounded rate); try again after one
        # refetch interval, not only after max_age.
        db.session.execute(
            update(Platform).where(Platform.id == platform_id)
            .values(key_set=keep or {"keys": []},
                    key_set_fetched_at=now - policy.max_age + policy.refetch_interval)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return None
    db.session.execute(
        update(Platform).where(Platform.id == platform_id)
        .values(key_set=key_set, key_set_fetched_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return key_set


def fetch_key_set(url: str, policy: KeyPolicy, session: requests.Session) -> dict:
    """GET the JWKS with a capped read through `session` (services_clients.platform_session);
    ValueError if the answer is not a key set, ServiceFailure if it cannot be had (an address
    Kontor does not call included)."""
    limits = CallLimits(timeout=policy.timeout, max_bytes=policy.max_bytes, deadline=policy.timeout * 2)
    try:
        response = call(session, "GET", url, limits=limits, headers={"Accept": "application/json"})
    except BlockedAddress as exc:
        raise ServiceFailure(REFUSED, f"platform key set: {exc}; Kontor does not call such addresses for an LMS") from exc
    raise_for_status(response, "platform key set")
    value = response.json()  # garbage (not UTF-8, not JSON, nested too deep) is a ServiceFailure
    if not isinstance(value, dict) or not isinstance(value.get("keys"), list) or len(value["keys"]) > MAX_KEYS:
        raise ValueError("the answer is not a JSON Web Key Set")
    return {"keys": [k for k in value["keys"] if isinstance(k, dict)]}


def _wait_for_first(platform_id: int, policy: KeyPolicy) -> dict | None:
    """Another process is fetching the first key set: wait for it (a few seconds at most)."""
    deadline = time.monotonic() + min(policy.timeout, 5.0)
    while time.monotonic() < deadline:
        time.sleep(0.1)
        key_set, _ = _stored(platform_id)
        db.session.commit()
        if key_set is not None:
            return key_set
    return None
