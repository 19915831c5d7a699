"""LTI Dynamic Registration as Moodle 4.5 runs it (see dynamic-registration.json)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlsplit

import jwt
from flask import Blueprint, Response, request

from .. import php_json
from ..jws import unverified_header
from ..model import Tool
from ..runtime import platform_state, platform_urls
from ..scopes import (
    REGISTRATION_SCOPE_ORDER,
    SCOPE_BASICOUTCOME,
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_NRPS,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
    SCOPE_TOOLSETTING,
)
from ..state import REGISTRATION_TOKEN_LIFETIME

bp = Blueprint("registration", __name__)

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
MOODLE_RELEASE = "4.5.6 (Build: 20250811)"
# The substitution variables Moodle 4.5 advertises.
VARIABLES = [
    "basic-lti-launch-request", "ContentItemSelectionRequest", "ToolProxyRegistrationRequest",
    "Context.id", "Context.title", "Context.label", "Context.id.history", "Context.sourcedId",
    "Context.longDescription", "Context.timeFrame.begin", "CourseSection.title", "CourseSection.label",
    "CourseSection.sourcedId", "CourseSection.longDescription", "CourseSection.timeFrame.begin",
    "CourseSection.timeFrame.end", "ResourceLink.id", "ResourceLink.title", "ResourceLink.description",
    "User.id", "User.username", "Person.name.full", "Person.name.given", "Person.name.family",
    "Person.email.primary", "Person.sourcedId", "Person.name.middle", "Person.address.street1",
    "Person.address.locality", "Person.address.country", "Person.address.timezone", "Person.phone.primary",
    "Person.phone.mobile", "Person.webaddress", "Membership.role", "Result.sourcedId", "Result.autocreate",
    "BasicOutcome.sourcedId", "BasicOutcome.url", "Moodle.Person.userGroupIds",
]
CLAIM_ORDER = ("sub", "iss", "name", "family_name", "given_name", "email")


class RegistrationError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error


@bp.get("/.well-known/openid-configuration")
def openid_configuration() -> Response:
    urls = platform_urls()
    if platform_state().settings.is_canvas:
        return canvas_openid_configuration()
    document = {
        "issuer": urls.issuer,
        "token_endpoint": urls.external("token.token"),
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "jwks_uri": urls.external("token.certs"),
        "authorization_endpoint": urls.external("oidc.auth"),
        "registration_endpoint": urls.external("registration.register"),
        "scopes_supported": [
            SCOPE_BASICOUTCOME, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE,
            SCOPE_LINEITEM, SCOPE_NRPS, SCOPE_TOOLSETTING, "openid",
        ],
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
        PLATFORM_CONFIGURATION: {
            "product_family_code": "moodle",
            "version": MOODLE_RELEASE,
            "messages_supported": [
                {"type": "LtiResourceLinkRequest"},
                {"type": "LtiDeepLinkingRequest", "placements": ["ContentArea"]},
            ],
            "variables": VARIABLES,
        },
    }
    body = php_json.encode(document, pretty=True, escape_slashes=False)
    return Response(body, content_type="application/json; charset=utf-8")


@bp.get("/registration/start")
def start() -> Response:
    """startltiadvregistration.php: 302 to the tool with a one-time registration token."""
    state = platform_state()
    urls = platform_urls()
    client_id = state.new_registration_client_id()
    now = int(state.now())
    with state.lock:
        token = state.key.sign({"sub": client_id, "scope": "reg", "iat": now, "exp": now + REGISTRATION_TOKEN_LIFETIME})
    target = request.args.get("url", state.settings.tool_register_url)
    separator = "&" if "?" in target else "?"
    canvas = state.settings.is_canvas
    config_url = quote(urls.external("canvas.openid_configuration" if canvas else "registration.openid_configuration"),
                       safe="")
    location = f"{target}{separator}openid_configuration={config_url}&registration_token={token}"
    state.log_line(f"registration started for future client_id {client_id}")
    return Response(
        "",
        status=302,
        headers=[
            ("Location", location),
            ("Cache-Control", "no-store, no-cache, must-revalidate"),
            ("Pragma", "no-cache"),
            ("Content-type", "text/html; charset=utf-8"),
        ],
    )


@bp.post("/registration")
def register() -> Response:
    """openid-registration.php: validate the tool's metadata and create a (pending) tool type."""
    state = platform_state()
    try:
        client_id = _registration_token_subject()
        metadata = request.get_json(silent=True)
        if not isinstance(metadata, dict):
            raise RegistrationError(400, "invalid_client_metadata", "the body must be a JSON object")
        _validate(metadata)
        tool = state.register_tool(client_id, lambda type_id: _tool_from(client_id, type_id, metadata))
        if tool is None:
            raise RegistrationError(401, "invalid_token", "the registration token was used before or expired")
    except RegistrationError as problem:
        state.log_line(f"registration refused: {problem}")
        body = php_json.encode({"error": problem.error, "error_description": str(problem)})
        return Response(body, status=problem.status, content_type="application/json; charset=utf-8")
    body = php_json.encode(_registration_response(tool, metadata))
    return Response(body, content_type="application/json; charset=utf-8")


def canvas_openid_configuration() -> Response:
    """Canvas's document (dynamic-registration.json): its issuer is https://canvas.instructure.com
    while the document and every endpoint live on the school's host."""
    urls = platform_urls()
    document = {
        "issuer": urls.issuer,
        "authorization_endpoint": urls.external("canvas.authorize_redirect"),
        "registration_endpoint": urls.external("canvas.registrations"),
        "jwks_uri": urls.external("canvas.jwks"),
        "token_endpoint": urls.external("canvas.token"),
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE,
                             SCOPE_NRPS],
        "response_types_supported": ["id_token"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "picture", "email", "name", "given_name", "family_name", "locale"],
        "subject_types_supported": ["public"],
        "authorization_server": "canvas.instructure.com",
        PLATFORM_CONFIGURATION: {
            "product_family_code": "canvas",
            "version": "vCloud",
            "messages_supported": [
                {"type": "LtiResourceLinkRequest", "placements": ["course_navigation"]},
                {"type": "LtiDeepLinkingRequest", "placements": ["link_selection", "assignment_selection"]},
            ],
            "variables": ["Canvas.course.id", "Canvas.user.id", "Canvas.user.loginId", "Canvas.api.domain"],
            "https://canvas.instructure.com/lti/account_name": "Kontor Demo University",
        },
    }
    return Response(json.dumps(document), content_type="application/json; charset=utf-8")


def _registration_token_subject() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise RegistrationError(401, "invalid_token", "missing registration token")
    token = token.strip()
    state = platform_state()
    kid = unverified_header(token).get("kid")
    keys = [key for key in state.verification_keys() if key.kid == kid]
    if not keys:
        raise RegistrationError(401, "invalid_token", "the registration token is not signed by this platform")
    try:
        claims = jwt.decode(
            token, keys[0].private_key.public_key(), algorithms=["RS256"], options={"require": ["exp", "sub", "scope"]}
        )
    except jwt.PyJWTError as problem:
        raise RegistrationError(401, "invalid_token", f"{type(problem).__name__}: {problem}") from problem
    if claims.get("scope") != "reg":
        raise RegistrationError(401, "invalid_token", "the token's scope must be reg")
    return str(claims["sub"])


def _validate(metadata: dict[str, Any]) -> None:
    def fail(description: str) -> RegistrationError:
        return RegistrationError(400, "invalid_client_metadata", description)

    if metadata.get("application_type") != "web":
        raise fail("application_type must be web")
    if "id_token" not in (metadata.get("response_types") or []):
        raise fail("response_types must contain id_token")
    grants = metadata.get("grant_types") or []
    if "implicit" not in grants or "client_credentials" not in grants:
        raise fail("grant_types must contain implicit and client_credentials")
    for name in ("initiate_login_uri", "jwks_uri"):
        if not _is_url(metadata.get(name)):
            raise fail(f"{name} must be an http(s) URL")
    uris = metadata.get("redirect_uris")
    if not isinstance(uris, list) or not uris or not all(_is_url(uri) for uri in uris):
        raise fail("redirect_uris must be a non-empty list of URLs")
    if metadata.get("token_endpoint_auth_method") != "private_key_jwt":
        raise fail("token_endpoint_auth_method must be private_key_jwt")
    configuration = metadata.get(TOOL_CONFIGURATION)
    if not isinstance(configuration, dict):
        raise fail(f"{TOOL_CONFIGURATION} is missing")
    domain, target = configuration.get("domain"), configuration.get("target_link_uri")
    if not domain or not _is_url(target):
        raise fail("the tool configuration needs a domain and a target_link_uri")
    if urlsplit(str(target)).netloc != domain:
        raise fail("domain and target_link_uri do not match")
    if not isinstance(configuration.get("messages", []), list):
        raise fail("messages must be a list")


def _tool_from(client_id: str, type_id: int, metadata: dict[str, Any]) -> Tool:
    configuration = metadata[TOOL_CONFIGURATION]
    requested = str(metadata.get("scope", "")).split()
    custom = configuration.get("custom_parameters")
    return Tool(
        client_id=client_id,
        type_id=type_id,
        deployment_id=str(type_id),
        name=str(metadata.get("client_name") or configuration["domain"]),
        initiate_login_uri=metadata["initiate_login_uri"],
        redirect_uris=list(metadata["redirect_uris"]),
        jwks_uri=metadata["jwks_uri"],
        target_link_uri=configuration["target_link_uri"],
        domain=configuration["domain"],
        scopes=[scope for scope in REGISTRATION_SCOPE_ORDER if scope in requested],
        custom_parameters={str(k): str(v) for k, v in custom.items()} if isinstance(custom, dict) else {},
        description=str(configuration.get("description", "")),
        registration=metadata,
    )


def _registration_response(tool: Tool, metadata: dict[str, Any]) -> dict[str, Any]:
    """What Moodle answers: the metadata echoed in its own order, with client_id and deployment."""
    configuration = metadata[TOOL_CONFIGURATION]
    requested_claims = set(configuration.get("claims") or [])
    tool_configuration: dict[str, Any] = {
        "version": "1.3.0",
        "deployment_id": tool.deployment_id,
        "target_link_uri": tool.target_link_uri,
        "domain": tool.domain,
    }
    if "description" in configuration:
        tool_configuration["description"] = configuration["description"]
    # Moodle keeps the messages but drops their labels.
    tool_configuration["messages"] = [
        {key: value for key, value in message.items() if not key.startswith("label")}
        for message in configuration.get("messages", [])
        if isinstance(message, dict)
    ]
    if tool.custom_parameters:
        tool_configuration["custom_parameters"] = tool.custom_parameters
    # Moodle always lists sub and iss, then the person claims it will send, in its own order.
    tool_configuration["claims"] = [c for c in CLAIM_ORDER if c in requested_claims or c in ("sub", "iss")]
    return {
        "client_id": tool.client_id,
        "response_types": ["id_token"],
        "jwks_uri": tool.jwks_uri,
        "initiate_login_uri": tool.initiate_login_uri,
        "grant_types": ["client_credentials", "implicit"],
        "redirect_uris": tool.redirect_uris,
        "application_type": "web",
        "token_endpoint_auth_method": "private_key_jwt",
        "client_name": tool.name,
        "logo_uri": "",
        "scope": " ".join(tool.scopes),
        TOOL_CONFIGURATION: tool_configuration,
    }


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme in ("http", "https") and bool(urlsplit(value).netloc)
