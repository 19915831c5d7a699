"""How LMSs learn about Kontor: LTI Dynamic Registration and the Canvas developer key JSON."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import url_for
from flask_babel import lazy_gettext as _l
from pylti1p3.dynamic_registration import DynamicRegistration
from pylti1p3.exception import LtiException
from requests import RequestException
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .address_guard import BlockedAddress, checked_address, outbound_session
from .ags import is_canvas_issuer
from .launch import TIME_ZONE_PARAMETER
from .models import Deployment, Platform
from .services_clients import CallLimits, ServiceFailure, call

TOOL_NAME = "Kontor"
TOOL_DESCRIPTION = "Quizzes for back-office administrators: accuracy, software, billing, trade papers, compliance."
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
CLAIMS = ["iss", "sub", "name", "given_name", "family_name", "email", "locale"]
# Custom parameters of every launch: the LMS substitutes the person's time zone (Moodle: the
# profile's zone, "99" for the server's; Canvas: the user's or the account's IANA name), which
# Kontor's pages show times in. The dynamic registration's lti-tool-configuration, the Canvas
# developer key JSON and the manual setup (docs/lti.md, the home page) all ask for these.
CUSTOM_PARAMETERS = {TIME_ZONE_PARAMETER: "$Person.address.timezone"}


class RegistrationFailed(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# What the person at the LMS's registration dialog reads, and the status, per reason.
FAILURES = {
    "invite_required": (403, _l(
        "Kontor accepts registrations only with an invitation from its administrator. Ask them to run "
        "\"flask --app wsgi platform invite\" and paste the registration URL it prints into your LMS. "
        "Nothing was registered.")),
    # The registration URL opened on its own (in a browser tab, not by the LMS).
    "missing_openid_configuration": (400, _l(
        "This is a registration URL for your LMS, not a page to open on its own. Paste it into your "
        "LMS where it adds an LTI 1.3 tool (Moodle: Site administration, Plugins, External tool, Manage "
        "tools, \"Tool URL\", then \"Add LTI Advantage\"); the LMS opens it with its own details. "
        "Nothing was registered, and the invitation can still be used.")),
    "invite_invalid": (403, _l(
        "This invitation is unknown, has expired or was already used. Ask Kontor's administrator for a "
        "new registration URL. Nothing was registered.")),
    "platform_exists": (409, _l(
        "This LMS (issuer and client id) is already registered with Kontor. A registration never changes "
        "an existing platform; Kontor's administrator changes it on the command line. Nothing was changed.")),
    "issuer_mismatch": (400, _l(
        "The LMS's configuration names another address (issuer) than the one it was fetched from. "
        "Nothing was registered.")),
    # %(url)s: Kontor's developer key JSON (the route fills it in).
    "hosted_canvas": (400, _l(
        "This is Instructure-hosted Canvas, which Kontor cannot register dynamically: Canvas names "
        "https://canvas.instructure.com as its address but serves its configuration from your school's "
        "host. Please register it with the developer key instead: in Canvas, Admin, Developer Keys, "
        "+ Developer Key, LTI Key, method \"Enter URL\", URL %(url)s. Nothing was registered.")),
    "private_address": (400, _l(
        "The LMS's address lies in a private or local network, which Kontor does not call. "
        "Nothing was registered.")),
    "bad_openid_configuration_url": (400, _l(
        "The LMS sent no usable configuration address (an http or https URL without user name or "
        "password). Nothing was registered.")),
}


DEFAULT_PORTS = {"http": 80, "https": 443}


def url_origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, lower-cased with the default port filled in.
    ValueError for anything else, and for user information (`https://lms.example@evil.example/`
    names evil.example, whatever a reader of the text sees first)."""
    if not isinstance(url, str):
        raise ValueError("not a string")
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise ValueError(f"user information is not allowed in {url!r}")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise ValueError(f"no host in {url!r}")
    port = parts.port  # ValueError for a port that is not a number in range
    return scheme, host, port if port is not None else DEFAULT_PORTS[scheme]


def same_origin(issuer: str, url: str) -> bool:
    """The issuer and the URL name the same scheme, host and port (no prefix or suffix matching)."""
    try:
        return url_origin(issuer) == url_origin(url)
    except ValueError:
        return False


def tool_urls() -> dict[str, str]:
    return {
        "login": url_for("lti.login", _external=True),
        "launch": url_for("lti.launch", _external=True),
        "jwks": url_for("lti.jwks", _external=True),
        "logo": url_for("static", filename="kontor-logo.svg", _external=True),
        "root": url_for("lti.launch", _external=True).rsplit("/lti/", 1)[0] + "/",
    }


class KontorRegistration(DynamicRegistration):
    client_name = TOOL_NAME
    description = TOOL_DESCRIPTION

    def __init__(self, openid_configuration_url: str, registration_token: str | None, *,
                 limits: CallLimits, allow_private: bool) -> None:
        self._openid_configuration_url = openid_configuration_url
        self._registration_token = registration_token
        self._limits = limits
        self._allow_private = allow_private
        self._urls = tool_urls()

    def get_request_session(self):
        return outbound_session(timeout=self._limits.timeout, allow_private=self._allow_private)

    def _call(self, method: str, url: str, what: str, **kwargs) -> object:
        """One bounded call (timeout, size cap, no redirects, guarded addresses); the answer as JSON."""
        try:
            url_origin(url)
        except ValueError as exc:
            raise RegistrationFailed("bad_openid_configuration", f"{what}: {exc}") from exc
        with self.get_request_session() as session:
            try:
                response = call(session, method, url, limits=self._limits, **kwargs)
            except BlockedAddress as exc:
                raise RegistrationFailed("private_address", str(exc)) from exc
            except ServiceFailure as exc:
                raise RegistrationFailed("platform_error", f"{what}: {exc.message}") from exc
        if not 200 <= response.status < 300:
            raise RegistrationFailed("platform_error", f"{what} answered {response.status} {response.reason}")
        try:
            return response.json()
        except ServiceFailure as exc:
            raise RegistrationFailed("platform_error", f"{what}: {exc.message}") from exc

    def _refuse_internal(self, url: str, what: str) -> None:
        """A URL stored for later calls must not lead into Kontor's own network either. Checked
        now; a host that resolves elsewhere later (DNS rebinding) is refused when Kontor connects
        (a registered platform's hosts are not trusted: services_clients.platform_session)."""
        if self._allow_private:
            return
        _, host, port = url_origin(url)
        try:
            checked_address(host, port)
        except BlockedAddress as exc:
            reason = "private_address" if exc.address else "bad_openid_configuration"
            raise RegistrationFailed(reason, f"{what}: {exc}") from exc

    def register(self):
        """The spec's two steps, each through `_call` (pylti1p3's own reads are unbounded)."""
        configuration = self.get_openid_configuration()
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if self._registration_token is not None:
            headers["Authorization"] = "Bearer " + self._registration_token
        registration = self._call("POST", configuration["registration_endpoint"], "the registration endpoint",
                                  headers=headers, data=json.dumps(self.lti_registration_data()))
        if not isinstance(registration, dict):
            raise RegistrationFailed("bad_registration_response", "not a JSON object")
        if not isinstance(configuration.get("https://purl.imsglobal.org/spec/lti-platform-configuration"), dict):
            raise RegistrationFailed("bad_openid_configuration", "not an LTI platform configuration")
        return self.complete_registration(configuration, registration)

    def get_openid_configuration_endpoint(self) -> str:
        return self._openid_configuration_url

    def get_registration_token(self) -> str | None:
        return self._registration_token

    def get_initiate_login_uri(self) -> str:
        return self._urls["login"]

    def get_jwks_uri(self) -> str:
        return self._urls["jwks"]

    def get_redirect_uris(self) -> list[str]:
        return [self._urls["launch"]]

    def get_scopes(self) -> list[str]:
        return [*AGS_SCOPES, NRPS_SCOPE]

    def get_domain(self) -> str:
        return urlsplit(self._urls["launch"]).netloc

    def get_target_link_uri(self) -> str:
        return self._urls["launch"]

    def get_claims(self) -> list[str]:
        return CLAIMS

    def lti_registration_data(self) -> dict:
        data = super().lti_registration_data()
        data["https://purl.imsglobal.org/spec/lti-tool-configuration"]["custom_parameters"] = dict(CUSTOM_PARAMETERS)
        return data

    def get_logo_uri(self) -> str:
        return self._urls["logo"]

    def get_messages(self) -> list[dict]:
        return [
            {"type": "LtiResourceLinkRequest", "target_link_uri": self._urls["launch"], "label": TOOL_NAME},
            {
                "type": "LtiDeepLinkingRequest",
                "target_link_uri": self._urls["launch"],
                "label": f"{TOOL_NAME}: add a quiz",
                "placements": ["ContentArea"],
                "supported_types": ["ltiResourceLink"],
            },
        ]

    def get_openid_configuration(self):
        configuration = self._call("GET", self._openid_configuration_url, "the openid configuration")
        if not isinstance(configuration, dict):
            raise RegistrationFailed("bad_openid_configuration", "not a JSON object")
        issuer = configuration.get("issuer")
        # The spec binds the configuration to its issuer: both must name the same origin. A prefix
        # test let `https://lms.example@evil.example/` and `https://lms.example.evil.example/` pass.
        if not isinstance(issuer, str) or len(issuer) > 255 or not same_origin(issuer, self._openid_configuration_url):
            if isinstance(issuer, str) and is_canvas_issuer(issuer):
                # Hosted Canvas always looks so (issue 10); the way in is the developer key JSON.
                raise RegistrationFailed("hosted_canvas", f"{issuer!r} vs {self._openid_configuration_url!r}")
            raise RegistrationFailed("issuer_mismatch", f"{issuer!r} vs {self._openid_configuration_url!r}")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint"):
            if not isinstance(configuration.get(key), str):
                raise RegistrationFailed("bad_openid_configuration", f"{key} missing")
        return configuration

    def complete_registration(self, openid_configuration, openid_registration):
        tool_conf = openid_registration.get("https://purl.imsglobal.org/spec/lti-tool-configuration") or {}
        if not isinstance(tool_conf, dict):
            raise RegistrationFailed("bad_registration_response", "the tool configuration is not a JSON object")
        client_id = openid_registration.get("client_id")
        if not isinstance(client_id, str) or not client_id:
            raise RegistrationFailed("bad_registration_response", "client_id missing")
        platform_conf = openid_configuration.get("https://purl.imsglobal.org/spec/lti-platform-configuration") or {}
        name = platform_conf.get("product_family_code") or openid_configuration["issuer"]
        deployment_id = tool_conf.get("deployment_id")
        if len(client_id) > 255 or len(str(deployment_id or "")) > 255:
            raise RegistrationFailed("bad_registration_response", "client_id or deployment_id too long")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            url = openid_configuration[key]
            if len(url) > 1024:
                raise RegistrationFailed("bad_openid_configuration", f"{key} too long")
            try:
                url_origin(url)
            except ValueError as exc:
                raise RegistrationFailed("bad_openid_configuration", f"{key}: {exc}") from exc
        for key in ("token_endpoint", "jwks_uri"):  # Kontor calls these later: the worker, every launch
            self._refuse_internal(openid_configuration[key], key)
        values = dict(
            issuer=openid_configuration["issuer"],
            client_id=client_id,
            deployment_id=str(deployment_id) if deployment_id not in (None, "") else None,
            auth_login_url=openid_configuration["authorization_endpoint"],
            auth_token_url=openid_configuration["token_endpoint"],
            key_set_url=openid_configuration["jwks_uri"],
            name=str(name)[:255],
        )
        # No value Kontor keeps holds a NUL (PostgreSQL refuses it in text: the query would fail).
        for key, value in values.items():
            if value is not None and "\x00" in value:
                raise RegistrationFailed("bad_registration_response", f"{key} holds a NUL character")
        return create_platform(**values)


def register_dynamically(
    openid_configuration_url: str, registration_token: str | None, *, limits: CallLimits, allow_private: bool
) -> Platform:
    """Register with the LMS whose configuration lives at the URL; adds a new platform, never changes one."""
    try:
        url_origin(openid_configuration_url)
    except ValueError as exc:
        raise RegistrationFailed("bad_openid_configuration_url", str(exc)) from exc
    registration = KontorRegistration(openid_configuration_url, registration_token,
                                      limits=limits, allow_private=allow_private)
    try:
        return registration.register()
    except RegistrationFailed:
        raise
    except (LtiException, RequestException, AssertionError, ValueError, KeyError, TypeError) as exc:
        raise RegistrationFailed("platform_error", str(exc)) from exc


def create_platform(*, issuer: str, client_id: str, **values) -> Platform:
    """A new platform from a registration. An existing issuer + client id is refused: a registration
    is anonymous, and changing a platform's URLs would hand its launches to whoever registered
    (changes go through `flask platform add`, which an administrator runs). Its hosts are not
    trusted: registration checked them once, and whoever registered owns their DNS names."""
    exists = db.session.scalars(
        select(Platform.id).where(Platform.issuer == issuer, Platform.client_id == client_id)
    ).first()
    if exists is not None:
        raise RegistrationFailed("platform_exists", f"{issuer} {client_id}")
    try:
        with db.session.begin_nested():
            return save_platform(issuer=issuer, client_id=client_id, hosts_trusted=False, **values)
    except IntegrityError as exc:  # a registration of the same platform in a parallel request won
        raise RegistrationFailed("platform_exists", f"{issuer} {client_id}") from exc


def save_platform(
    *,
    issuer: str,
    client_id: str,
    deployment_id: str | None,
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
    name: str = "",
    hosts_trusted: bool = False,
) -> Platform:
    """Create or update a platform; a deployment id given is added (active) to it. `hosts_trusted`
    is for a new platform (an administrator's, or a registration's): an existing one keeps what it
    has, which only `flask platform trust-hosts` changes. Adding a deployment to a registered
    platform must not hand its owner's DNS names the trust of the school's own LMS."""
    platform = db.session.scalars(
        select(Platform).where(Platform.issuer == issuer, Platform.client_id == client_id)
    ).first()
    if platform is None:
        platform = Platform(issuer=issuer, client_id=client_id, hosts_trusted=hosts_trusted)
        db.session.add(platform)
    platform.auth_login_url = auth_login_url
    platform.auth_token_url = auth_token_url
    if platform.key_set_url != key_set_url:
        platform.key_set = None
        platform.key_set_fetched_at = None
    platform.key_set_url = key_set_url
    platform.name = name or platform.name or issuer
    db.session.flush()
    if deployment_id:
        set_deployment_active(platform, deployment_id, True)
    return platform


def set_deployment_active(platform: Platform, deployment_id: str, active: bool) -> Deployment:
    deployment = db.session.scalars(
        select(Deployment).where(Deployment.platform_id == platform.id, Deployment.deployment_id == deployment_id)
    ).first()
    if deployment is None:
        deployment = Deployment(platform_id=platform.id, deployment_id=deployment_id)
        db.session.add(deployment)
    deployment.active = active
    db.session.flush()
    return deployment


def canvas_configuration() -> dict:
    """The developer key JSON that Canvas reads from a URL (Developer Keys → LTI Key → Enter URL)."""
    urls = tool_urls()
    domain = urlsplit(urls["launch"]).netloc
    deep_link = {
        "message_type": "LtiDeepLinkingRequest",
        "target_link_uri": urls["launch"],
        "text": "Kontor",
    }
    return {
        "title": TOOL_NAME,
        "description": TOOL_DESCRIPTION,
        "oidc_initiation_url": urls["login"],
        "target_link_uri": urls["launch"],
        "public_jwk_url": urls["jwks"],
        "scopes": [*AGS_SCOPES, NRPS_SCOPE],
        "privacy_level": "public",
        "custom_fields": dict(CUSTOM_PARAMETERS),
        "extensions": [
            {
                "domain": domain,
                "tool_id": "kontor",
                "platform": "canvas.instructure.com",
                "privacy_level": "public",
                "settings": {
                    "text": TOOL_NAME,
                    "icon_url": urls["logo"],
                    "placements": [
                        {"placement": "link_selection", **deep_link},
                        {"placement": "assignment_selection", **deep_link},
                    ],
                },
            }
        ],
    }
