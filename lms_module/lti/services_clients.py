"""Calls to an LMS's services (token endpoint, AGS, NRPS): bounded, classified, with one token refresh.

Every answer is read with a size cap and an overall deadline, so a huge page or an LMS that
drips bytes cannot hold a worker. Every problem becomes a `ServiceFailure` whose `kind` tells the
caller what to do: "retry" (5xx, 429, 409, timeouts, dropped connections, garbage), "refused"
(400/403/404, redirects, anything that will not work without a change on either side). A 401 is
answered once by fetching a new access token; a second 401 is a "retry" (the LMS may be
misconfigured for a moment, or the token endpoint handed out a token the services do not know).
"""
from __future__ import annotations

import email.utils
import html
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from .address_guard import BlockedAddress, outbound_session
from .http import LmsSession

log = logging.getLogger("kontor.lti.services")

RETRY = "retry"
REFUSED = "refused"
# What a failure message quotes from the LMS's answer.
EXCERPT_CHARS = 300
# Statuses that say "not now" rather than "never".
RETRYABLE_STATUSES = {408, 409, 425, 429, 500, 502, 503, 504}


class ServiceFailure(Exception):
    """A service call that did not work; `kind` is RETRY or REFUSED, `message` is for people."""

    def __init__(self, kind: str, message: str, *, status: int | None = None, retry_after: float | None = None,
                 lms_message: str | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.retry_after = retry_after
        # The LMS's own words, when its error body carries a message (Canvas: errors.message).
        self.lms_message = lms_message

    @property
    def retryable(self) -> bool:
        return self.kind == RETRY


@dataclass(frozen=True)
class ServiceResponse:
    status: int
    reason: str
    headers: CaseInsensitiveDict
    body: bytes
    url: str

    def json(self) -> Any:
        """The body as JSON, whatever the content type says (Moodle's token.php sends text/html)."""
        try:
            return json.loads(self.body.decode("utf-8"))
        # RecursionError: arrays or objects nested deeper than Python's recursion limit.
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise ServiceFailure(RETRY, f"the LMS answered {self.url_for_log} with something that is not JSON: "
                                        f"{excerpt(self.body)!r}", status=self.status) from exc

    @property
    def url_for_log(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}{parts.path}"


@dataclass(frozen=True)
class CallLimits:
    timeout: float = 10.0  # per connect/read, as requests understands it
    max_bytes: int = 5 * 1024 * 1024
    # The whole call, however slowly the bytes arrive.
    deadline: float = 30.0


def excerpt(body: bytes | str, limit: int = EXCERPT_CHARS) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def call(
    session: requests.Session,
    method: str,
    url: str,
    *,
    limits: CallLimits,
    headers: dict[str, str] | None = None,
    data: Any = None,
    truncate: bool = False,
    templates: RequestTemplates | None = None,
) -> ServiceResponse:
    """One HTTP request with a capped read. Network trouble raises ServiceFailure(RETRY).

    With `truncate`, a body over the cap is cut (for answers Kontor does not need, such as the
    body of a score POST); without it, an oversized body is a REFUSED failure. With `templates`
    (a client that calls the same URLs again and again), what requests would work out anew for
    every call is taken from there."""
    started = time.monotonic()
    try:
        if templates is not None and not session.cookies:
            response = templates.send(session, method, url, headers or {}, data, limits.timeout)
        else:
            response = session.request(method, url, headers=headers, data=data, stream=True, timeout=limits.timeout)
    except requests.Timeout as exc:
        raise ServiceFailure(RETRY, f"the LMS did not answer {_short(url)} within {limits.timeout:g} s") from exc
    except requests.ConnectionError as exc:
        raise ServiceFailure(RETRY, f"could not connect to the LMS at {_short(url)}: {_first_line(exc)}") from exc
    except requests.RequestException as exc:
        raise ServiceFailure(REFUSED, f"cannot call {_short(url)}: {_first_line(exc)}") from exc
    try:
        body = _read_capped(response, limits, started, truncate, url)
    finally:
        response.close()
    return ServiceResponse(response.status_code, response.reason or "", response.headers, body, url)


class RequestTemplates:
    """Prepared requests per (method, URL, headers other than Authorization) for one session.

    `Session.request` merges the session's headers, cookies and hooks into every call and reads
    the environment for proxies and a CA bundle (walking os.environ twice: a third of the worker's
    CPU per score). For one URL of one session that gives the same result every time, so it is
    worked out once and each call copies the template, adds its Authorization and body and goes
    through `Session.send` with the same proxies, TLS settings, adapters and hooks. Only used
    while the session holds no cookies (an LMS that sets one gets the ordinary path, which sends
    it back); never follows redirects (as LmsSession)."""

    MAX_TEMPLATES = 64  # URLs differ per line item and per page of a paged list

    def __init__(self) -> None:
        self._prepared: dict[tuple, tuple[requests.PreparedRequest, dict[str, Any]]] = {}

    def send(self, session: requests.Session, method: str, url: str, headers: dict[str, str], data: Any,
             timeout: float) -> requests.Response:
        fixed = tuple((name, value) for name, value in headers.items() if name.lower() != "authorization")
        key = (method, url, fixed)
        entry = self._prepared.get(key)
        if entry is None:
            template = session.prepare_request(requests.Request(method, url, headers=dict(fixed)))
            settings = session.merge_environment_settings(template.url, {}, True, None, None)
            if len(self._prepared) >= self.MAX_TEMPLATES:
                self._prepared.clear()
            entry = self._prepared[key] = (template, settings)
        template, settings = entry
        prepared = template.copy()
        for name, value in headers.items():
            if name.lower() == "authorization":
                prepared.headers[name] = value
        prepared.prepare_body(data, None)
        return session.send(prepared, timeout=timeout, allow_redirects=False, **settings)


def _read_capped(response: requests.Response, limits: CallLimits, started: float, truncate: bool, url: str) -> bytes:
    chunks: list[bytes] = []
    total = 0
    try:
        for chunk in response.iter_content(chunk_size=64 * 1024):
            total += len(chunk)
            if total > limits.max_bytes:
                if truncate:
                    chunks.append(chunk[: max(0, limits.max_bytes - (total - len(chunk)))])
                    break
                raise ServiceFailure(
                    REFUSED, f"the LMS's answer from {_short(url)} is larger than {limits.max_bytes} bytes; "
                             "Kontor stopped reading it", status=response.status_code)
            chunks.append(chunk)
            if time.monotonic() - started > limits.deadline:
                raise ServiceFailure(RETRY, f"the LMS's answer from {_short(url)} took longer than "
                                            f"{limits.deadline:g} s to arrive", status=response.status_code)
    except requests.RequestException as exc:
        raise ServiceFailure(RETRY, f"the connection to {_short(url)} broke off: {_first_line(exc)}") from exc
    return b"".join(chunks)


def raise_for_status(response: ServiceResponse, what: str) -> None:
    """Turn an unsuccessful answer into a ServiceFailure that says what the LMS answered."""
    status = response.status
    if 200 <= status < 300:
        return
    answer = f"{status} {response.reason}".strip()
    body = excerpt(response.body)
    detail = f"{answer}: {body}" if body and body not in ("[]", "{}") else answer
    if 300 <= status < 400:
        target = response.headers.get("Location", "")
        host = urlsplit(target).netloc if target else "?"
        raise ServiceFailure(REFUSED, f"{what}: the LMS answered with a redirect ({status}) to {host or target}; "
                                      "Kontor does not follow redirects with its access token", status=status)
    if status in RETRYABLE_STATUSES or status >= 500:
        raise ServiceFailure(RETRY, f"{what}: {detail}", status=status,
                             retry_after=retry_after_seconds(response.headers.get("Retry-After")))
    raise ServiceFailure(REFUSED, f"{what}: {detail}", status=status, lms_message=lms_message(response.body))


def lms_message(body: bytes) -> str | None:
    """The message of an LMS's JSON error body: Canvas's {"errors": {"message": …}} or
    {"errors": [{"message": …}]}, OAuth's error_description, Moodle's {"reason": …}."""
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested too deep
        return None
    if not isinstance(value, dict):
        return None
    errors = value.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        errors = errors[0]
    for holder, key in ((errors, "message"), (value, "error_description"), (value, "reason")):
        if isinstance(holder, dict) and isinstance(holder.get(key), str) and holder[key].strip():
            return excerpt(holder[key])
    return None


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


_LINK_PART = re.compile(r"<([^>]*)>([^<]*)")
_REL = re.compile(r"""rel\s*=\s*(?:["\u201c\u201d']([^"\u201c\u201d']*)["\u201c\u201d']|([^\s;,]+))""", re.IGNORECASE)


def next_link(header: str | None) -> str | None:
    """The rel="next" URL of a Link header. Tolerant of what Moodle's lineitems service sends
    (typographic quotes, &amp;-escaped URLs), strict about nothing else."""
    if not header:
        return None
    # Moodle sends UTF-8 bytes that arrive as latin-1 text; undo that so the quotes are recognisable.
    try:
        header = header.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    for url, params in _LINK_PART.findall(header):
        for match in _REL.finditer(params):
            rels = (match.group(1) or match.group(2) or "").lower().split()
            if "next" in rels:
                return html.unescape(url.strip()) if "&amp;" in url else url.strip()
    return None


def same_origin(url: str, other: str) -> bool:
    a, b = urlsplit(url), urlsplit(other)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def _short(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}" if parts.netloc else url[:100]


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


@dataclass(frozen=True)
class PlatformEndpoint:
    """Everything a platform's HTTP session and service clients are built from (plain values, no
    ORM object): its identity (issuer, client id), the URLs Kontor calls on its own (token, key
    set) and whether their hosts are trusted (platform_session). Read from the platform's row
    here only (`of`, `read`); ClientCache compares it with what a kept client was built from."""

    platform_id: int
    issuer: str
    client_id: str
    token_url: str
    key_set_url: str
    hosts_trusted: bool

    @classmethod
    def of(cls, platform) -> PlatformEndpoint:
        """From a Platform, or a row of the columns `read` selects."""
        return cls(platform.id, platform.issuer, platform.client_id, platform.auth_token_url, platform.key_set_url,
                   bool(platform.hosts_trusted))

    @classmethod
    def read(cls, platform_id: int) -> PlatformEndpoint | None:
        """The platform's row as it is now, in the caller's session: one select of six columns by
        primary key. None when the platform is gone."""
        from sqlalchemy import select

        from ..extensions import db
        from .models import Platform

        row = db.session.execute(
            select(Platform.id, Platform.issuer, Platform.client_id, Platform.auth_token_url, Platform.key_set_url,
                   Platform.hosts_trusted).where(Platform.id == platform_id)
        ).first()
        return None if row is None else cls.of(row)


class ServiceClient:
    """Calls one platform's services with an access token for one scope set.

    The token comes from the shared cache (lti.tokens): fetched once, reused by every process
    until shortly before it expires. A 401 fetches a new one once and repeats the call."""

    def __init__(self, endpoint: PlatformEndpoint, scopes: list[str] | tuple[str, ...], *, limits: CallLimits,
                 session: requests.Session | None = None) -> None:
        self.endpoint = endpoint
        self.scopes = tuple(sorted(set(scopes)))
        self.limits = limits
        self.session = session or LmsSession(timeout=limits.timeout)
        self.templates = RequestTemplates()

    def request(self, method: str, url: str, *, what: str, accept: str | None = None,
                content_type: str | None = None, body: str | None = None, truncate: bool = False) -> ServiceResponse:
        from . import tokens

        try:
            token = tokens.access_token(self.endpoint, self.scopes, session=self.session, limits=self.limits)
            response = self._send(method, url, token, accept, content_type, body, truncate)
            if response.status == 401:
                log.info("%s: 401 from %s, fetching a new access token", what, response.url_for_log)
                token = tokens.access_token(self.endpoint, self.scopes, session=self.session, limits=self.limits,
                                            replace=token)
                response = self._send(method, url, token, accept, content_type, body, truncate)
                if response.status == 401:
                    raise ServiceFailure(RETRY, f"{what}: the LMS refused Kontor's access token twice (401 "
                                                f"{response.reason}); is the service enabled for the tool?", status=401)
        except BlockedAddress as exc:
            raise ServiceFailure(REFUSED, f"{what}: {exc}; Kontor does not call such addresses for an LMS") from exc
        raise_for_status(response, what)
        return response

    def _send(self, method, url, token, accept, content_type, body, truncate) -> ServiceResponse:
        headers = {"Authorization": f"Bearer {token}"}
        if accept:
            headers["Accept"] = accept
        if content_type:
            headers["Content-Type"] = content_type
        data = body.encode("utf-8") if isinstance(body, str) else body
        return call(self.session, method, url, limits=self.limits, headers=headers, data=data, truncate=truncate,
                    templates=self.templates)


def platform_session(endpoint: PlatformEndpoint, timeout: float) -> requests.Session:
    """The HTTP session for every call to one platform: its token endpoint, its services (line
    items, scores, members: URLs from its signed launches) and its key set. Unless
    KONTOR_ALLOW_PRIVATE_LMS, every connection must lead to a public address, checked when it is
    opened. Only a platform whose hosts are trusted (`hosts_trusted`: one an administrator added
    with `platform add`, which may name an LMS in the school's own network) has the hosts of its
    issuer, token and key set URLs reached wherever they resolve. A registered platform's hosts were
    checked once, at its registration, and whoever registered owns their DNS names: pointed at
    169.254.169.254 later, they would have led the worker's token requests and the launches' key
    set fetches there. Never the sign-in URL's host: only the browser goes there, so a registration
    does not check it, and trusting it let a registered platform name 169.254.169.254 as its
    sign-in host and then as its members URL."""
    from flask import current_app

    hosts = []
    if endpoint.hosts_trusted:
        for url in (endpoint.issuer, endpoint.token_url, endpoint.key_set_url):
            try:
                hosts.append(urlsplit(url or "").hostname)
            except ValueError:
                continue
    return outbound_session(timeout=timeout, allow_private=bool(current_app.config.get("KONTOR_ALLOW_PRIVATE_LMS")),
                            trusted_hosts=hosts, via_proxies=True)


class ClientCache:
    """Service clients (and their HTTP connections) kept across calls by one worker thread, each for
    as long as its platform's row still says what it was built from. Every lookup reads the row
    (PlatformEndpoint.read: one select by primary key, per link and batch of scores in grade
    delivery, per course in a roster refresh; never per score): after an administrator's change
    (`platform trust-hosts --off`, a new token or key set URL with `platform add`) the next call
    builds a new client and session, and the old session is closed; no restart needed."""

    def __init__(self) -> None:
        self.clients: dict[tuple[int, tuple[str, ...]], ServiceClient] = {}

    def client(self, platform_id: int, scopes, limits: CallLimits) -> ServiceClient:
        key = (platform_id, tuple(sorted(set(scopes))))
        endpoint = PlatformEndpoint.read(platform_id)
        client = self.clients.get(key)
        if client is None or client.endpoint != endpoint:
            self._forget_platform(platform_id, keep=endpoint)
            if endpoint is None:
                raise ServiceFailure(REFUSED, f"platform {platform_id} is no longer registered in Kontor")
            client = self.clients[key] = ServiceClient(endpoint, key[1], limits=limits,
                                                       session=platform_session(endpoint, limits.timeout))
        return client

    def _forget_platform(self, platform_id: int, keep: PlatformEndpoint | None) -> None:
        """Close the platform's clients that were built from anything but `keep`."""
        for key in [k for k, c in self.clients.items() if k[0] == platform_id and c.endpoint != keep]:
            self.clients.pop(key).session.close()

    def close(self) -> None:
        for client in self.clients.values():
            client.session.close()
        self.clients.clear()
