"""Validating an LTI 1.3 launch with pylti1p3, plus the checks pylti1p3 2.0 leaves out.

pylti1p3 does the protocol work (JWT format, registration lookup, the platform's JWKS, signature,
deployment, message validators). Kontor closes its known gaps in this thin subclass:
- `aud`/`azp` are verified (pylti1p3 decodes with verify_aud off);
- the nonce must be the one issued for this state and is usable once, across all worker processes
  (a unique row in the database, never process memory);
- `exp`/`iat` get a small leeway for clock skew (PyJWT alone rejects an iat one second ahead);
- the platform's JWKS is kept in the database, not fetched per launch; an unknown `kid` refetches it
  (platforms rotate keys), at most once a minute per platform (platform_keys.py);
- only RS256 is accepted, so `alg: none` and HMAC-with-the-public-key tokens never reach a decoder;
- oversized tokens are refused before any parsing.
State and nonce live in the database so that any worker can finish a login another one started.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

import jwt
from pylti1p3.exception import LtiException
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.request import Request
from sqlalchemy import Row, bindparam, delete, select

from ..extensions import db, upsert_insert
from ..web.json_bodies import unstorable_character
from . import platform_keys
from .http import LmsSession
from .models import Deployment, OidcLogin, Platform, UsedNonce, utcnow
from .tool_config import DatabaseToolConf

log = logging.getLogger(__name__)

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE_CLAIM = LTI + "message_type"
VERSION_CLAIM = LTI + "version"
DEPLOYMENT_CLAIM = LTI + "deployment_id"
DEEP_LINKING_SETTINGS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
# The custom parameter Kontor's registration asks for (registration.CUSTOM_PARAMETERS): the LMS puts
# the person's time zone in it at each launch (docs/lti.md).
TIME_ZONE_PARAMETER = "timezone"
ACCEPTED_MESSAGE_TYPES = {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}
MAX_ID_CHARS = 255  # the columns that hold subject, context, link and deployment ids


class LaunchRejected(Exception):
    """A launch that must not open a session. `reason` is a stable code for logs, tests and messages."""

    def __init__(self, reason: str, detail: str = "", status: int = 400, after_rollback=None) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.status = status
        # Work to keep although the launch is rolled back (recording an unknown deployment).
        self.after_rollback = after_rollback


class FormRequest(Request):
    """pylti1p3's view of the launch POST: just its form fields."""

    def __init__(self, params: dict[str, str], secure: bool) -> None:
        self._params = params
        self._secure = secure

    @property
    def session(self):  # pragma: no cover - Kontor never lets pylti1p3 touch a session
        raise LtiException("session storage is not used by Kontor")

    def is_secure(self) -> bool:
        return self._secure

    def get_param(self, key: str):
        return self._params.get(key)


class _NoCookies:
    """pylti1p3 wants a cookie service; Kontor checks the state cookie itself."""

    def get_cookie(self, name):
        return None

    def set_cookie(self, *args, **kwargs):
        return None


@dataclass(frozen=True)
class _Login:
    """The login a launch finishes, as taken out of the database (the launch ends it either way)."""

    state: str
    nonce: str
    platform_id: int
    storage_target: str | None
    expires_at: datetime


@dataclass(frozen=True)
class ValidatedLaunch:
    claims: dict
    state: str
    storage_target: str | None
    browser_bound: bool
    # The platform as the validation read it (tool_config.find_platform's row): its frame origins,
    # which recording the launch may add to, and its sign-in URL.
    platform: Row

    @property
    def platform_id(self) -> int:
        return self.platform.id


class KontorMessageLaunch(MessageLaunch):
    def __init__(self, params: dict[str, str], *, secure: bool, leeway: int, timeout: float,
                 key_policy: platform_keys.KeyPolicy | None = None) -> None:
        super().__init__(
            FormRequest(params, secure),
            DatabaseToolConf(),
            session_service=object(),  # never used: state, nonce and launch data are ours
            cookie_service=_NoCookies(),
            requests_session=LmsSession(timeout=timeout),
        )
        self._leeway = leeway
        self._key_policy = key_policy or platform_keys.KeyPolicy(timeout=timeout)
        self._kontor_platform: Row | None = None
        self._kontor_deployment: Row | None = None
        self._platform_read = False
        # Kontor runs the validation steps itself, in its own order (see validate_kontor).
        self.set_auto_validation(False)

    def _get_request_param(self, key: str):
        return self._request.get_param(key)

    # --- pylti1p3 hooks ---------------------------------------------------------------------------

    def get_client_id(self) -> str:
        body = self._jwt.get("body", {})
        aud = body.get("aud")
        if isinstance(aud, list):
            # With several audiences, OIDC names the intended client in azp.
            return body.get("azp") or (aud[0] if aud else "")
        return aud

    def get_public_key(self):
        # The key set stored in the database (fetched only when missing, old, or for an unknown kid,
        # rate-limited), never pylti1p3's fetch on every launch. The key is chosen by pylti1p3's rule
        # (same kid, same alg, RS256 when the JWK names none), but handed to PyJWT as the parsed key
        # object cached per process instead of pylti1p3's JWK -> PEM -> key on every launch.
        platform = self._platform()
        header = self._jwt["header"]
        kid, alg = header.get("kid"), header.get("alg")
        if not kid:
            raise LtiException("JWT KID not found")
        try:
            key_set = platform_keys.key_set_for(platform.id, kid, self._key_policy,
                                                stored=(platform.key_set, platform.key_set_fetched_at))
        except platform_keys.KeySetUnavailable as exc:
            raise LtiException(f"the platform's key set could not be fetched ({exc})") from exc
        for key in key_set.get("keys", []):
            key_alg = key.get("alg", "RS256")
            if key.get("kid") == kid and key_alg == alg:
                try:
                    return platform_keys.public_key(key), key_alg
                except ValueError as exc:
                    raise LtiException("Can't convert JWT key to a public key") from exc
        raise LtiException("Unable to find public key")

    def validate_jwt_signature(self):
        public_key, alg = self.get_public_key()
        try:
            jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=["RS256"] if alg == "RS256" else [],
                audience=self.get_client_id(),
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise LaunchRejected("expired_token", str(exc)) from exc
        except jwt.ImmatureSignatureError as exc:
            raise LaunchRejected("token_from_the_future", str(exc)) from exc
        except jwt.InvalidAudienceError as exc:
            raise LaunchRejected("wrong_audience", str(exc)) from exc
        except jwt.MissingRequiredClaimError as exc:
            raise LaunchRejected("missing_claim", str(exc)) from exc
        except jwt.InvalidTokenError as exc:
            raise LaunchRejected("bad_signature", str(exc)) from exc
        return self

    def save_launch_data(self):
        return self  # Kontor records the launch in its own tables (see services.record_launch)

    # --- Kontor's sequence -----------------------------------------------------------------------

    def _platform(self) -> Row | None:
        if not self._platform_read:
            # The platform and the row of the token's deployment id in one query (checked later, in
            # _validate_deployment); pylti1p3's lookups of the platform then hit the tool config's cache.
            body = self._jwt["body"]
            deployment_id = body.get(DEPLOYMENT_CLAIM)
            self._kontor_platform, self._kontor_deployment = self._tool_config.platform_and_deployment(
                body.get("iss", ""), self.get_client_id(), deployment_id if isinstance(deployment_id, str) else None
            )
            self._platform_read = True
        return self._kontor_platform

    def validate_kontor(self, state_cookie: str | None, max_bytes: int) -> ValidatedLaunch:
        id_token = self._request.get_param("id_token")
        if not id_token:
            raise LaunchRejected("missing_id_token")
        if len(id_token) > max_bytes:
            raise LaunchRejected("oversized_token", f"{len(id_token)} bytes", status=413)
        self._validate_format()
        self._validate_header()
        self._validate_issuer_and_audience()
        self._run(self.validate_registration, "unknown_issuer")
        self._run(self.validate_jwt_signature, "bad_signature")
        login = self._validate_state(state_cookie)
        self._validate_message_claims()
        self._validate_deployment()
        self._run(self.validate_message, "invalid_message")
        self._consume_nonce(login)
        return ValidatedLaunch(
            claims=dict(self._jwt["body"]),
            state=login.state,
            storage_target=login.storage_target,
            browser_bound=state_cookie == login.state,
            platform=self._platform(),
        )

    def _run(self, step, reason: str) -> None:
        try:
            step()
        except LaunchRejected:
            raise
        except (LtiException, AssertionError, KeyError, TypeError, ValueError) as exc:
            raise LaunchRejected(reason, str(exc)) from exc

    def _validate_format(self) -> None:
        try:
            self.validate_jwt_format()
        except LtiException as exc:
            raise LaunchRejected("malformed_token", str(exc)) from exc
        if not isinstance(self._jwt.get("header"), dict) or not isinstance(self._jwt.get("body"), dict):
            raise LaunchRejected("malformed_token", "header and payload must be JSON objects")
        if unstorable_character(self._jwt["header"]) or unstorable_character(self._jwt["body"]):
            # Before any query: PostgreSQL refuses a NUL in text (the platform's look-up would fail),
            # and a lone surrogate would be stored where no page can show it.
            raise LaunchRejected("malformed_token", "a claim holds a NUL or a lone surrogate")

    def _validate_header(self) -> None:
        header = self._jwt["header"]
        if header.get("alg") != "RS256":
            # LTI 1.3 requires RS256; this refuses 'none' and HS256 signed with the public key.
            raise LaunchRejected("wrong_algorithm", f"alg={header.get('alg')!r}")
        if not header.get("kid"):
            raise LaunchRejected("missing_kid")

    def _validate_issuer_and_audience(self) -> None:
        body = self._jwt["body"]
        if not isinstance(body.get("iss"), str) or not body.get("iss"):
            raise LaunchRejected("missing_claim", "iss")
        aud = body.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if not audiences or not all(isinstance(a, str) and a for a in audiences):
            raise LaunchRejected("wrong_audience", "aud is missing or not a string")
        azp = body.get("azp")
        if len(audiences) > 1 and not azp:
            raise LaunchRejected("wrong_audience", "several audiences without azp")
        if azp is not None and azp not in audiences:
            raise LaunchRejected("wrong_audience", "azp is not one of the audiences")
        if self._platform() is None:
            detail = f"iss={body['iss']!r} client_id={self.get_client_id()!r}"
            # A known issuer with a client id we were not registered under: the token is for someone else.
            known_issuer = db.session.scalar(select(Platform.id).where(Platform.issuer == body["iss"]).limit(1))
            raise LaunchRejected("wrong_audience" if known_issuer else "unknown_issuer", detail)

    def _validate_state(self, state_cookie: str | None) -> _Login:
        state = self._request.get_param("state")
        if not state:
            raise LaunchRejected("missing_state")
        login = take_login(state)
        if login is None or login.platform_id != self._platform().id:
            raise LaunchRejected("unknown_state")
        if login.expires_at < utcnow():
            raise LaunchRejected("expired_state")
        if state_cookie != state and not login.storage_target:
            # Neither our cookie nor platform storage can tie this browser to the login it started.
            raise LaunchRejected("state_not_bound", "state cookie missing or different")
        return login

    def _validate_message_claims(self) -> None:
        body = self._jwt["body"]
        message_type = body.get(MESSAGE_TYPE_CLAIM)
        if not message_type:
            raise LaunchRejected("missing_message_type")
        # Only a string can be one of them (a list or an object in the claim is unhashable: `in` a set raised).
        if not isinstance(message_type, str) or message_type not in ACCEPTED_MESSAGE_TYPES:
            raise LaunchRejected("wrong_message_type", str(message_type)[:200])
        version = body.get(VERSION_CLAIM)
        if not version:
            raise LaunchRejected("missing_version")
        if version != "1.3.0":
            raise LaunchRejected("wrong_version", str(version))
        if not body.get("sub") or not isinstance(body.get("sub"), str):
            raise LaunchRejected("missing_sub")
        if not isinstance(body.get(LTI + "roles"), list):
            raise LaunchRejected("missing_roles")
        if message_type == "LtiResourceLinkRequest":
            link = body.get(LTI + "resource_link")
            if not isinstance(link, dict) or not link.get("id"):
                raise LaunchRejected("missing_resource_link")
        if message_type == "LtiDeepLinkingRequest":
            settings = body.get(DEEP_LINKING_SETTINGS_CLAIM)
            if not isinstance(settings, dict) or not settings.get("deep_link_return_url"):
                raise LaunchRejected("missing_deep_linking_settings")
            # Kontor's answer is a form posted to this URL: only a web address, never javascript: or data:.
            return_url = settings.get("deep_link_return_url")
            if not _is_web_url(return_url):
                raise LaunchRejected("bad_deep_link_return_url", str(return_url)[:200])

    def _validate_deployment(self) -> None:
        deployment_id = self._jwt["body"].get(DEPLOYMENT_CLAIM)
        if not deployment_id or not isinstance(deployment_id, str):
            raise LaunchRejected("missing_deployment_id")
        if len(deployment_id) > MAX_ID_CHARS:
            # Refused, never cut (two ids that differ after the cut would name one deployment), and
            # not recorded for an administrator: no LMS mints such ids.
            raise LaunchRejected("invalid_message", f"deployment id longer than {MAX_ID_CHARS} characters")
        platform = self._platform()
        row = self._kontor_deployment  # read with the platform (_platform)
        if row is None:
            # LMSs mint new deployment ids per course or install: keep it for an admin to activate.
            platform_id = platform.id
            raise LaunchRejected(
                "unknown_deployment",
                deployment_id,
                status=403,
                after_rollback=lambda: record_inactive_deployment(platform_id, deployment_id),
            )
        if not row.active:
            raise LaunchRejected("unknown_deployment", f"{deployment_id} (inactive)", status=403)

    def _consume_nonce(self, login: _Login) -> None:
        nonce = self._jwt["body"].get("nonce")
        if not nonce or nonce != login.nonce:
            raise LaunchRejected("wrong_nonce")
        # The unique row makes a replay fail in every process; a nonce already used inserts nothing
        # (and a concurrent launch with the same nonce waits for this one's commit, then does so too).
        statement = _use_nonce_statement(db.session.get_bind().dialect.name)
        if db.session.execute(statement, {"platform_id": login.platform_id, "nonce": nonce}).first() is None:
            raise LaunchRejected("replayed_nonce")


@lru_cache(maxsize=2)
def _use_nonce_statement(dialect: str):
    used = UsedNonce.__table__
    return (upsert_insert(used, dialect).on_conflict_do_nothing(index_elements=[used.c.platform_id, used.c.nonce])
            .returning(used.c.id))


_LOGIN = OidcLogin.__table__
# Built once: a launch binds only its state.
_TAKE_LOGIN = (
    delete(_LOGIN).where(_LOGIN.c.state == bindparam("state"))
    .returning(_LOGIN.c.nonce, _LOGIN.c.platform_id, _LOGIN.c.storage_target, _LOGIN.c.expires_at)
)


def take_login(state: str) -> _Login | None:
    """Read and delete the login of `state` in one statement. The login is finished whatever the
    launch's outcome, so a second post of the same form fails: an accepted launch commits the
    delete, a refused one is rolled back and ends the login again (services.end_refused_login)."""
    if len(state) > 128:  # longer than any state Kontor issues
        return None
    row = db.session.execute(_TAKE_LOGIN, {"state": state}).first()
    if row is None:
        return None
    return _Login(state=state, nonce=row.nonce, platform_id=row.platform_id, storage_target=row.storage_target,
                  expires_at=row.expires_at)


def _is_web_url(url) -> bool:
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def record_inactive_deployment(platform_id: int, deployment_id: str) -> None:
    """Remember an unknown deployment id, inactive, for an administrator to activate."""
    exists = db.session.scalars(
        select(Deployment.id).where(
            Deployment.platform_id == platform_id, Deployment.deployment_id == deployment_id
        )
    ).first()
    if exists is None:
        db.session.add(Deployment(platform_id=platform_id, deployment_id=deployment_id, active=False))
        db.session.flush()


def validate_launch(
    form: dict[str, str], *, state_cookie: str | None, secure: bool, config: dict
) -> ValidatedLaunch:
    launch = KontorMessageLaunch(
        form,
        secure=secure,
        leeway=int(config["KONTOR_JWT_LEEWAY_SECONDS"]),
        timeout=float(config["KONTOR_HTTP_TIMEOUT_SECONDS"]),
        key_policy=platform_keys.KeyPolicy.from_config(config),
    )
    return launch.validate_kontor(state_cookie, int(config["KONTOR_MAX_ID_TOKEN_BYTES"]))


def login_lifetime() -> timedelta:
    return timedelta(minutes=10)


def describe_claims_for_log(claims: dict) -> str:
    keep = {k: claims.get(k) for k in ("iss", "aud", "sub", MESSAGE_TYPE_CLAIM, DEPLOYMENT_CLAIM)}
    return json.dumps(keep, default=str)
