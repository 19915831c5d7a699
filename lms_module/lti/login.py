"""The OIDC third-party initiated login, through pylti1p3's OIDCLogin.

pylti1p3 validates the login request and builds the authentication request (including the fix for
auth URLs that already carry a query string, which pylti1p3next has). Kontor keeps the state and
nonce it generates in the database instead of pylti1p3's session storage, so that any worker process
can finish the launch and so that platform storage can stand in for cookies.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from pylti1p3.exception import LtiException
from pylti1p3.oidc_login import OIDCLogin
from pylti1p3.request import Request
from sqlalchemy import insert

from ..extensions import db
from .launch import login_lifetime
from .models import OidcLogin, utcnow
from .registration import url_origin
from .tool_config import DatabaseToolConf


class LoginRejected(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class _ParamsRequest(Request):
    def __init__(self, params: dict[str, str], secure: bool) -> None:
        self._params = params
        self._secure = secure

    @property
    def session(self):  # pragma: no cover - never used, see module docstring
        raise LtiException("session storage is not used by Kontor")

    def is_secure(self) -> bool:
        return self._secure

    def get_param(self, key: str):
        return self._params.get(key)


class _Recorder:
    """Stands in for pylti1p3's cookie and session services and remembers what it was given."""

    def __init__(self) -> None:
        self.state: str | None = None
        self.nonce: str | None = None

    # cookie service
    def set_cookie(self, key, value, exp=None):
        self.state = value

    def get_cookie(self, key):
        return None

    # session service
    def save_nonce(self, nonce):
        self.nonce = nonce

    def save_state_params(self, state, params):
        pass


class _Redirect:
    def __init__(self, url: str) -> None:
        self.url = url


class _KontorOIDCLogin(OIDCLogin):
    def get_redirect(self, url):
        return _Redirect(url)


@dataclass(frozen=True)
class LoginStart:
    auth_url: str
    state: str
    storage_target: str | None
    platform_id: int


# Built once per process (its cache key too): each login binds its values.
_INSERT_LOGIN = insert(OidcLogin.__table__)


# All of a login initiation's parameters together, names included (Canvas's, the largest seen, are
# under 1,500: a signed lti_message_hint, a 40-character login_hint, its region and environment).
MAX_LOGIN_CHARS = 16384


def start_login(params: dict[str, str], *, launch_url: str, tool_origins: set[str], secure: bool) -> LoginStart:
    """Validate a login initiation and record the state and nonce of the auth request we answer with."""
    if sum(len(name) + len(value) for name, value in params.items()) > MAX_LOGIN_CHARS:
        # Each parameter is echoed (the redirect to the LMS, the cookie check's new-window link):
        # a real login is under 2,000 characters, a stranger's could be the whole request body.
        raise LoginRejected("login_too_large", f"{len(params)} parameters")
    for required in ("iss", "login_hint", "target_link_uri"):
        if not params.get(required):
            raise LoginRejected("missing_login_parameter", required)
    # The target must be this tool; otherwise the flow could be steered to somebody else's URL.
    # Compared as origins (scheme and host in any case, the default port written out or not), not as
    # text: an LMS that spells Kontor's address another way still names Kontor.
    try:
        target = url_origin(params["target_link_uri"])
    except ValueError as exc:  # not http(s), user information, a broken IPv6 host ("http://[::1"), a bad port
        raise LoginRejected("foreign_target_link_uri", params["target_link_uri"]) from exc
    if target not in {url_origin(origin) for origin in tool_origins}:
        raise LoginRejected("foreign_target_link_uri", params["target_link_uri"])
    tool_conf = DatabaseToolConf()  # pylti1p3 asks it for this platform again: read once
    platform = tool_conf.platform(params["iss"], params.get("client_id") or None)
    if platform is None:
        raise LoginRejected("unknown_issuer", f"{params['iss']} {params.get('client_id')}")
    recorder = _Recorder()
    login = _KontorOIDCLogin(
        _ParamsRequest(params, secure), tool_conf, session_service=recorder, cookie_service=recorder
    )
    try:
        redirect = login.get_redirect_object(launch_url)
    except LtiException as exc:
        raise LoginRejected("invalid_login", str(exc)) from exc
    assert recorder.state and recorder.nonce, "pylti1p3 always makes a state and a nonce"
    storage_target = params.get("lti_storage_target") or None
    # A plain INSERT: nothing reads the row back in this request (the unit of work costs more).
    db.session.execute(_INSERT_LOGIN, {
        "state": recorder.state,
        "nonce": recorder.nonce,
        "platform_id": platform.id,
        "storage_target": storage_target[:255] if storage_target else None,
        "expires_at": utcnow() + login_lifetime(),
    })
    return LoginStart(
        auth_url=redirect.url, state=recorder.state, storage_target=storage_target, platform_id=platform.id
    )


def platform_origin(auth_url: str) -> str:
    parts = urlsplit(auth_url)
    return f"{parts.scheme}://{parts.netloc}"
