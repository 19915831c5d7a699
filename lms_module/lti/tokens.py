"""OAuth2 access tokens for an LMS's services (client credentials with a JWT client assertion).

The assertion is signed with the tool's key (RS256, PyJWT): iss = sub = client_id, aud = the
token URL, a fresh jti, iat and exp. Tokens are kept in the AccessToken table per platform and
scope set and reused by every thread and process until shortly before they expire, so a class of
500 submissions costs one token request. Within a process a lock per (platform, scope set) keeps
threads from fetching the same token at once; on PostgreSQL an advisory lock does the same across
processes and machines (N worker processes that all need a token at once make one request); on
SQLite at most one fetch per process can happen when a token runs out, which is harmless.

Token rows are read and written in their own short transaction (a separate session), never in
the caller's: a token is worth keeping even when the call that needed it fails. Callers must not
hold a write transaction of their own while they call out (they never should anyway).
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
import weakref
from contextlib import contextmanager
from datetime import datetime, timedelta

import jwt
import requests
from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db_types import utcnow
from ..extensions import db
from . import keys
from .models import AccessToken
from .services_clients import (
    REFUSED, RETRY, CallLimits, PlatformEndpoint, ServiceFailure, call, excerpt, raise_for_status,
)

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 300
# Clocks differ; an iat a few seconds in the past keeps a platform from calling it "not yet valid".
CLOCK_SKEW = 5
# A token is given up this long before the LMS says it expires (at most half its lifetime).
RENEW_BEFORE = 60

_locks: dict[tuple[int, str], threading.Lock] = {}
_locks_guard = threading.Lock()
# The last token each (platform, scope set) had in this process, to spare a query per call; kept
# per application, because platform ids only mean something within one app's database (two apps in
# one process, as in the tests, must never hand each other a token).
_memos: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _memo() -> dict[tuple[int, str, str, str, str], tuple[str, datetime]]:
    return _memos.setdefault(current_app._get_current_object(), {})


def scope_key(scopes) -> str:
    return hashlib.sha256(" ".join(sorted(set(scopes))).encode("utf-8")).hexdigest()


def client_assertion(endpoint: PlatformEndpoint, now: float | None = None) -> str:
    """The signed JWT that authenticates Kontor at the platform's token endpoint."""
    private_pem, kid = keys.private_pem_and_kid()
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": endpoint.client_id,
        "sub": endpoint.client_id,
        "aud": endpoint.token_url,
        "iat": issued - CLOCK_SKEW,
        "exp": issued + ASSERTION_LIFETIME,
        "jti": f"kontor-{uuid.uuid4()}",
    }
    return jwt.encode(claims, private_pem, algorithm="RS256", headers={"kid": kid})


def access_token(endpoint: PlatformEndpoint, scopes, *, session: requests.Session, limits: CallLimits,
                 replace: str | None = None) -> str:
    """A valid token for `scopes`, from the cache or fetched. `replace` is a token the LMS just
    refused (401): it is not returned again, unless another worker already replaced it."""
    key = scope_key(scopes)
    # The issuer too: SQLite gives a removed platform's id to the next one, and the memo outlives
    # the stored rows that the removal deleted.
    memo_key = (endpoint.platform_id, endpoint.issuer, endpoint.client_id, endpoint.token_url, key)
    memos = _memo()
    memo = memos.get(memo_key)
    if memo is not None and memo[1] > utcnow() and memo[0] != replace:
        return memo[0]
    with _lock_for(endpoint.platform_id, key), _fetch_lock(endpoint.platform_id, key):
        cached = _cached(endpoint.platform_id, key)
        if cached is not None and cached[0] != replace:
            memos[memo_key] = cached
            return cached[0]
        token, lifetime = _fetch(endpoint, sorted(set(scopes)), session, limits)
        memos[memo_key] = (token, _store(endpoint.platform_id, key, token, lifetime))
        return token


ADVISORY_CLASS = 0x4B4F544B  # "KOTK"


@contextmanager
def _fetch_lock(platform_id: int, key: str):
    """One fetch at a time per (platform, scope set) across processes (PostgreSQL): the others
    wait, then find the token stored. The lock's transaction holds a connection for the length of
    one token request (bounded by the HTTP timeout; the wait by lock_timeout)."""
    if db.engine.dialect.name != "postgresql":
        yield
        return
    objid = int.from_bytes(hashlib.sha256(f"{platform_id}:{key}".encode()).digest()[:4], "big", signed=True)
    with Session(db.engine) as s:
        s.execute(select(func.pg_advisory_xact_lock(ADVISORY_CLASS, objid)))
        try:
            yield
        finally:
            s.rollback()  # ends the transaction, and with it the lock


def forget_tokens(platform_id: int | None = None) -> None:
    """Drop cached tokens (all, or one platform's), e.g. after the platform's keys changed."""
    memos = _memo()
    for memo_key in [k for k in memos if platform_id is None or k[0] == platform_id]:
        memos.pop(memo_key, None)
    with Session(db.engine) as s:
        query = delete(AccessToken)
        if platform_id is not None:
            query = query.where(AccessToken.platform_id == platform_id)
        s.execute(query)
        s.commit()


def _lock_for(platform_id: int, key: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault((platform_id, key), threading.Lock())


def _cached(platform_id: int, key: str) -> tuple[str, datetime] | None:
    with Session(db.engine) as s:
        row = s.scalars(
            select(AccessToken).where(AccessToken.platform_id == platform_id, AccessToken.scope_key == key)
        ).first()
        if row is not None and row.expires_at > utcnow():
            return row.token, row.expires_at
    return None


def _store(platform_id: int, key: str, token: str, lifetime: float) -> datetime:
    renew = min(RENEW_BEFORE, lifetime / 2)
    expires_at = utcnow() + timedelta(seconds=max(0.0, lifetime - renew))
    for _ in range(2):
        with Session(db.engine) as s:
            row = s.scalars(
                select(AccessToken).where(AccessToken.platform_id == platform_id, AccessToken.scope_key == key)
            ).first()
            if row is None:
                s.add(AccessToken(platform_id=platform_id, scope_key=key, token=token, expires_at=expires_at))
            else:
                row.token, row.expires_at = token, expires_at
            try:
                s.commit()
                return expires_at
            except IntegrityError:
                s.rollback()  # another process stored one at the same moment: overwrite it
    return expires_at


def _fetch(endpoint: PlatformEndpoint, scopes: list[str], session: requests.Session,
           limits: CallLimits) -> tuple[str, float]:
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": JWT_BEARER,
        "client_assertion": client_assertion(endpoint),
        "scope": " ".join(scopes),
    }
    response = call(session, "POST", endpoint.token_url, limits=limits, headers={"Accept": "application/json"},
                    data=form)
    what = "access token request"
    if response.status >= 500 or response.status in (408, 429):
        raise_for_status(response, what)
    if response.status != 200:
        error = _oauth_error(response.body)
        hint = {
            "invalid_scope": "the LMS grants none of the requested scopes; enable the service for the tool",
            "invalid_client": "the LMS does not accept Kontor's signature or client id; check the registration",
            "unauthorized_client": "the LMS does not let this tool use the service",
        }.get(error or "", "")
        detail = f"{response.status} {response.reason}".strip()
        raise ServiceFailure(
            REFUSED,
            f"the LMS refused Kontor's {what} ({error or detail})" + (f": {hint}" if hint else f": {excerpt(response.body)}"),
            status=response.status,
        )
    data = response.json()
    token = data.get("access_token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token:
        raise ServiceFailure(RETRY, f"the LMS's answer to the {what} has no access_token: {excerpt(response.body)!r}")
    expires_in = data.get("expires_in", 3600)
    try:
        lifetime = float(expires_in)
    except (TypeError, ValueError):
        lifetime = 3600.0
    return token, max(0.0, lifetime)


def _oauth_error(body: bytes) -> str | None:
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested too deep
        return None
    error = value.get("error") if isinstance(value, dict) else None
    return error if isinstance(error, str) else None
