"""How LMSs learn about Kontor: LTI Dynamic Registration and the Canvas developer key JSON."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for
from pylti1p3.dynamic_registration import DynamicRegistration
from pylti1p3.exception import LtiException
from requests import RequestException
from sqlalchemy import select

from ..extensions import db
from .http import LmsSession
from .models import Deployment, Platform

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


class RegistrationFailed(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


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

    def __init__(self, openid_configuration_url: str, registration_token: str | None, timeout: float) -> None:
        self._openid_configuration_url = openid_configuration_url
        self._registration_token = registration_token
        self._timeout = timeout
        self._urls = tool_urls()

    def get_request_session(self):
        return LmsSession(timeout=self._timeout)

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
        configuration = super().get_openid_configuration()
        if not isinstance(configuration, dict):
            raise RegistrationFailed("bad_openid_configuration", "not a JSON object")
        issuer = configuration.get("issuer")
        # The spec binds the configuration to its issuer: the URL we were given must live under it.
        if not isinstance(issuer, str) or not self._openid_configuration_url.startswith(issuer.rstrip("/")):
            raise RegistrationFailed("issuer_mismatch", f"{issuer!r} vs {self._openid_configuration_url!r}")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint"):
            if not isinstance(configuration.get(key), str):
                raise RegistrationFailed("bad_openid_configuration", f"{key} missing")
        return configuration

    def complete_registration(self, openid_configuration, openid_registration):
        tool_conf = openid_registration.get("https://purl.imsglobal.org/spec/lti-tool-configuration") or {}
        client_id = openid_registration.get("client_id")
        if not isinstance(client_id, str) or not client_id:
            raise RegistrationFailed("bad_registration_response", "client_id missing")
        platform_conf = openid_configuration.get("https://purl.imsglobal.org/spec/lti-platform-configuration") or {}
        name = platform_conf.get("product_family_code") or openid_configuration["issuer"]
        deployment_id = tool_conf.get("deployment_id")
        return save_platform(
            issuer=openid_configuration["issuer"],
            client_id=client_id,
            deployment_id=str(deployment_id) if deployment_id not in (None, "") else None,
            auth_login_url=openid_configuration["authorization_endpoint"],
            auth_token_url=openid_configuration["token_endpoint"],
            key_set_url=openid_configuration["jwks_uri"],
            name=str(name)[:255],
        )


def register_dynamically(openid_configuration_url: str, registration_token: str | None, timeout: float) -> Platform:
    if urlsplit(openid_configuration_url).scheme not in ("http", "https"):
        raise RegistrationFailed("bad_openid_configuration_url", openid_configuration_url)
    try:
        return KontorRegistration(openid_configuration_url, registration_token, timeout).register()
    except RegistrationFailed:
        raise
    except (LtiException, RequestException, AssertionError, ValueError, KeyError) as exc:
        raise RegistrationFailed("platform_error", str(exc)) from exc


def save_platform(
    *,
    issuer: str,
    client_id: str,
    deployment_id: str | None,
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
    name: str = "",
) -> Platform:
    """Create or update a platform; a deployment id given is added (active) to it."""
    platform = db.session.scalars(
        select(Platform).where(Platform.issuer == issuer, Platform.client_id == client_id)
    ).first()
    if platform is None:
        platform = Platform(issuer=issuer, client_id=client_id)
        db.session.add(platform)
    platform.auth_login_url = auth_login_url
    platform.auth_token_url = auth_token_url
    if platform.key_set_url != key_set_url:
        platform.key_set = None
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
