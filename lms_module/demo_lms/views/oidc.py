"""OIDC launch: login initiation (launch.php / contentitem.php) and auth.php."""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request

from ..claims import DEEP_LINKING_REQUEST, RESOURCE_LINK_REQUEST, id_token_claims
from ..model import INSTRUCTOR, TOOL_ACTIVE, PendingLaunch, Tool
from ..runtime import platform_state, platform_urls
from .error_page import error_page

bp = Blueprint("oidc", __name__)

STORAGE_TARGET = "post_message_forwarding"


class AuthError(Exception):
    """An OIDC error for a trusted redirect_uri: (error code, description)."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@bp.get("/launch/<int:cmid>")
def launch(cmid: int) -> Response:
    """Start a resource-link launch: Moodle's auto-submitted ltiInitiateLoginForm."""
    state = platform_state()
    activity = state.activity(cmid)
    if activity is None:
        return error_page(404, "No such activity", f"There is no activity {cmid} in this course.")
    user = state.user(request.args.get("user", "4"))
    if user is None:
        return error_page(400, "Unknown user", "Launch as one of the course's members.")
    tool = state.tool(activity.tool_client_id)
    problem = _unusable(tool)
    if problem or tool is None:
        return error_page(400, "The tool cannot be launched", problem)
    locale = request.args.get("locale", user.locale)
    pending = state.start_launch(user.id, tool.client_id, RESOURCE_LINK_REQUEST, locale, cmid=cmid)
    hint = {"cmid": cmid, "launchid": pending.launch_id}
    state.log_line(f"login initiation: user {user.id} -> activity {cmid} ({locale})")
    return _login_form(tool, pending, activity.url, hint)


@bp.get("/deeplink/start")
def deep_linking_start() -> Response:
    """contentitem.php: the same login form for an LtiDeepLinkingRequest, no cmid in the hint."""
    state = platform_state()
    user = state.user(request.args.get("user", "3"))
    if user is None or user.role != INSTRUCTOR:
        return error_page(403, "Not allowed", "Only the course's instructors may add activities.")
    tool = state.tool(request.args.get("tool", state.settings.client_id))
    problem = _unusable(tool)
    if problem or tool is None:
        return error_page(400, "The tool cannot be used", problem)
    pending = state.start_launch(
        user.id,
        tool.client_id,
        DEEP_LINKING_REQUEST,
        request.args.get("locale", user.locale),
        dl_title=request.args.get("title", ""),
        dl_text=request.args.get("text", ""),
    )
    state.log_line(f"login initiation: user {user.id} -> deep linking with {tool.name}")
    return _login_form(tool, pending, tool.target_link_uri, {"launchid": pending.launch_id})


@bp.route("/auth", methods=["GET", "POST"])
def auth() -> Response:
    """auth.php: answer the tool's OIDC authentication request with a form_post id_token."""
    state = platform_state()
    params = request.values
    try:
        hint = json.loads(params.get("lti_message_hint", ""))
    except ValueError:
        hint = None
    launch_id = hint.get("launchid") if isinstance(hint, dict) else None
    pending = state.pending_launch(launch_id) if isinstance(launch_id, str) else None
    if pending is None:
        return error_page(400, "Invalid request", "No launch is waiting for this lti_message_hint.", "invalid_request")
    tool = state.tool(pending.client_id)
    if tool is None or params.get("client_id") != tool.client_id:
        return error_page(400, "Invalid request", "client_id does not match the launch.", "unauthorized_client")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in tool.redirect_uris:
        return error_page(400, "Invalid request", "redirect_uri is not registered for this tool.", redirect_uri)
    try:
        _check_auth_request(params, pending)
    except AuthError as error:
        state.log_line(f"auth refused: {error.code} ({error.description})")
        if state.auth_error_mode == "form_post":
            fields = [("error", error.code), ("error_description", error.description)]
            if params.get("state"):
                fields.append(("state", params["state"]))
            return _autosubmit(redirect_uri, "ltiAuthForm", fields)
        return error_page(400, "Invalid authentication request", error.description, error.code)

    state.complete_launch(pending.launch_id)
    claims = id_token_claims(state, platform_urls(), pending, params["nonce"], int(state.now()))
    with state.lock:
        id_token = state.key.sign(claims)
    state.log_line(f"id_token issued: {pending.message_type} for user {pending.user_id}")
    return _autosubmit(redirect_uri, "ltiAuthForm", [("id_token", id_token), ("state", params["state"])])


def _check_auth_request(params, pending: PendingLaunch) -> None:
    """auth.php's checks, in its order, once the redirect_uri can be trusted."""
    for name in ("scope", "response_type", "login_hint", "nonce"):
        if not params.get(name):
            raise AuthError("invalid_request", f"Missing {name}")
    if params["scope"] != "openid":
        raise AuthError("invalid_scope", "scope must be openid")
    if params["response_type"] != "id_token":
        raise AuthError("unsupported_response_type", "response_type must be id_token")
    if params["login_hint"] != pending.user_id:
        raise AuthError("access_denied", "login_hint is not the user who started the launch")
    if params.get("response_mode") != "form_post":
        raise AuthError("invalid_request", "Invalid response_mode")
    # Moodle accepts a missing prompt and refuses anything but "none".
    if params.get("prompt") and params["prompt"] != "none":
        raise AuthError("invalid_request", "Invalid prompt")
    if not params.get("state"):
        raise AuthError("invalid_request", "Missing state")


def _unusable(tool: Tool | None) -> str:
    if tool is None:
        return "The tool of this activity is not registered."
    if tool.status != TOOL_ACTIVE:
        return f"The tool {tool.name} is pending: an administrator has to activate it first."
    return ""


def _login_form(tool: Tool, pending: PendingLaunch, target_link_uri: str, hint: dict) -> Response:
    state = platform_state()
    if state.settings.is_canvas:
        from .canvas import login_initiation

        return login_initiation(tool, pending, target_link_uri)
    fields = [
        ("iss", platform_urls().issuer),
        ("target_link_uri", target_link_uri),
        ("login_hint", pending.user_id),
        ("lti_message_hint", json.dumps(hint, separators=(",", ":"))),
        ("client_id", tool.client_id),
        ("lti_deployment_id", tool.deployment_id),
    ]
    if state.settings.platform_storage:
        fields.append(("lti_storage_target", STORAGE_TARGET))
    return _autosubmit(tool.initiate_login_uri, "ltiInitiateLoginForm", fields)


def _autosubmit(action: str, form_name: str, fields: list[tuple[str, str]], method: str = "post") -> Response:
    body = render_template(
        "demo_lms/autosubmit.html", page_title="Redirecting", action=action, form_name=form_name, fields=fields,
        method=method,
    )
    return Response(body, content_type="text/html; charset=utf-8")
