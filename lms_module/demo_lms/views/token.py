"""certs.php and token.php: the platform's keys and its OAuth2 client_credentials endpoint."""

from __future__ import annotations

from flask import Blueprint, Response, request

from .. import php_json
from ..jws import unverified_claims
from ..runtime import platform_state, platform_urls, tool_keys
from ..state import ACCESS_TOKEN_LIFETIME
from ..tool_jwt import ToolJwtError, verify_tool_jwt

bp = Blueprint("token", __name__)

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# token.php sets no content type, so PHP's default goes out, spelled "Content-type".
TOKEN_HEADERS = [("Content-type", "text/html; charset=utf-8")]


@bp.get("/certs")
def certs() -> Response:
    body = php_json.encode(platform_state().jwks(), pretty=True)
    return Response(body, content_type="application/json; charset=utf-8")


class TokenError(Exception):
    def __init__(self, error: str, why: str) -> None:
        super().__init__(why)
        self.error = error


@bp.post("/token")
def token() -> Response:
    state = platform_state()
    try:
        client_id, scopes = _grant()
    except TokenError as problem:
        state.log_line(f"token refused: {problem.error} ({problem})")
        return Response(php_json.moodle_token_json({"error": problem.error}), status=400, headers=TOKEN_HEADERS)
    access = state.issue_access_token(client_id, scopes)
    state.log_line(f"token granted to {client_id}: {' '.join(s.rsplit('/', 1)[-1] for s in scopes)}")
    body = php_json.moodle_token_json(
        {
            "access_token": access.token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "scope": " ".join(scopes),
        }
    )
    return Response(body, status=200, headers=TOKEN_HEADERS)


def _grant() -> tuple[str, tuple[str, ...]]:
    """token.php's checks in its order, plus the aud/jti checks a careful platform makes."""
    state = platform_state()
    content_type = request.headers.get("Content-Type", "").split(";", 1)[0].strip()
    form = request.form
    if content_type != "application/x-www-form-urlencoded":
        raise TokenError("invalid_request", "body must be application/x-www-form-urlencoded")
    if not all(form.get(name) for name in ("client_assertion", "client_assertion_type", "grant_type", "scope")):
        raise TokenError("invalid_request", "missing parameter")
    if form["client_assertion_type"] != JWT_BEARER or form["grant_type"] != "client_credentials":
        raise TokenError("unsupported_grant_type", "client_credentials with a jwt-bearer assertion only")
    assertion = form["client_assertion"]
    unverified = unverified_claims(assertion)
    client_id = unverified.get("sub")
    if not isinstance(client_id, str) or not client_id:
        raise TokenError("invalid_request", "the client assertion is not a JWT with a sub")
    tool = state.tool(client_id)
    if tool is None:
        raise TokenError("invalid_client", f"no tool with client_id {client_id}")
    token_url = platform_urls().external("token.token")
    try:
        claims = verify_tool_jwt(
            assertion, tool.jwks_uri, tool_keys(), audience=token_url, required=("exp", "iat", "iss", "sub", "jti")
        )
    except ToolJwtError as problem:
        raise TokenError("invalid_client", str(problem)) from problem
    if claims["iss"] != client_id:
        raise TokenError("invalid_client", "iss and sub must both be the client_id")
    if not state.use_jti(client_id, str(claims["jti"]), float(claims["exp"])):
        raise TokenError("invalid_client", "the assertion's jti was used before")
    requested = form["scope"].split()
    # The permitted subset, in the requested order; others are dropped silently.
    granted = tuple(dict.fromkeys(scope for scope in requested if scope in tool.scopes))
    if not granted:
        raise TokenError("invalid_scope", "none of the requested scopes is permitted")
    return client_id, granted
