"""The Canvas profile's endpoints, after the samples in shared/lms-samples/canvas (file names below).

    GET|POST /api/lti/authorize_redirect              302 to the school's /api/lti/authorize (launch-student.json)
    GET|POST /api/lti/authorize                       answers with an auto-posted id_token form
    GET  /api/lti/security/jwks                       the platform's keys (jwks.json)
    POST /login/oauth2/token                          client_credentials; scopes all or nothing (token-response.json)
    /api/lti/courses/<id>/line_items[/<item>[/scores|/results]]   AGS (ags-lineitems.json, ags-score-post.json)
    GET  /api/lti/courses/<id>/names_and_roles        NRPS, paged by Link headers (nrps-members.json)
    POST /courses/<id>/deep_linking_response          the tool's deep-linking answer (deep-linking-response.json)
    GET  /api/lti/security/openid-configuration, POST /api/lti/registrations   dynamic registration
    POST /accounts/site_admin/developer_keys          install a tool from its JSON configuration URL

Service errors are Canvas's JSON: {"errors": {"type": ..., "message": ...}}.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from flask import Blueprint, Response, redirect, request, url_for

from .. import canvas_ids
from ..canvas_claims import context_id, membership_roles
from ..gradebook import FULLY_GRADED
from ..jws import unverified_claims
from ..model import INACTIVE, LEARNER, Grade, LineItem, PendingLaunch, Tool, User
from ..runtime import platform_state, platform_urls, tool_keys
from ..scopes import (
    MEDIA_LINEITEM,
    MEDIA_LINEITEMS,
    MEDIA_MEMBERSHIPS,
    MEDIA_RESULTS,
    MEDIA_SCORE,
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_NRPS,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
)
from ..state import ACCESS_TOKEN_LIFETIME, PlatformState
from ..tool_jwt import ToolJwtError, verify_tool_jwt
from .error_page import error_page

bp = Blueprint("canvas", __name__)

CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"
STORAGE_TARGET = "post_message_forwarding"
MESSAGE_HINT_LIFESPAN = 300
NOT_A_STUDENT = "User not found in course or is not a student"
LINE_ITEMS_PER_PAGE = 10
MEMBERS_PER_PAGE = 50  # Canvas's default and maximum
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
AUTH_REQUIRED = ("client_id", "login_hint", "lti_message_hint", "nonce", "prompt", "redirect_uri",
                 "response_mode", "response_type", "scope")


class CanvasError(Exception):
    def __init__(self, status: int, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind or {400: "bad_request", 401: "unauthorized", 404: "not_found",
                             422: "unprocessable_entity"}.get(status, "error")


def _json(value: Any, media_type: str = "application/json", status: int = 200) -> Response:
    return Response(json.dumps(value), status=status, content_type=f"{media_type}; charset=utf-8")


def _error(error: CanvasError) -> Response:
    return _json({"errors": {"type": error.kind, "message": error.message}}, status=error.status)


# -- login initiation and authorization ---------------------------------------------------------


def _hint_secret(state: PlatformState) -> bytes:
    # Canvas signs lti_message_hint with an internal secret; the platform key's bytes serve here.
    return state.key.private_pem()[-64:]


def login_initiation(tool: Tool, pending: PendingLaunch, target_link_uri: str) -> Response:
    """The login initiation: a GET to the tool's login URL with lti_storage_target (web launches)."""
    from .oidc import _autosubmit

    state = platform_state()
    now = int(state.now())
    domain = state.settings.root_url.split("://", 1)[-1].split("/", 1)[0]
    hint = jwt.encode(
        {"verifier": pending.launch_id, "canvas_domain": domain, "context_type": "Course",
         "context_id": state.course.id, "canvas_locale": pending.locale, "include_storage_target": True,
         "exp": now + MESSAGE_HINT_LIFESPAN},
        _hint_secret(state), algorithm="HS256")
    fields = [
        ("iss", platform_urls().issuer),
        ("login_hint", canvas_ids.opaque_id("user", pending.user_id)),
        ("client_id", tool.client_id),
        ("deployment_id", tool.deployment_id),
        ("target_link_uri", target_link_uri),
        ("lti_message_hint", hint),
        ("canvas_environment", "prod"),
        ("canvas_region", "not_configured"),
        ("lti_storage_target", STORAGE_TARGET),
    ]
    return _autosubmit(tool.initiate_login_uri, "tool_form", fields, method="get")


@bp.route("/api/lti/authorize_redirect", methods=["GET", "POST"])
def authorize_redirect() -> Response:
    """sso.canvaslms.com: only redirects to the school's host, keeping the parameters."""
    # As a query string of its own: handed to url_for as keywords, `_external` or `_anchor` were
    # taken as url_for's own arguments.
    return redirect(url_for("canvas.authorize") + "?" + urlencode(list(request.values.items(multi=True))), code=302)


@bp.route("/api/lti/authorize", methods=["GET", "POST"])
def authorize() -> Response:
    from .oidc import _autosubmit

    state = platform_state()
    params = request.values
    try:
        claims = jwt.decode(params.get("lti_message_hint", ""), _hint_secret(state), algorithms=["HS256"])
    except jwt.PyJWTError:
        claims = {}
    pending = state.pending_launch(str(claims.get("verifier", "")))
    tool = state.tool(params.get("client_id", ""))
    redirect_uri = params.get("redirect_uri", "")
    if tool is None or redirect_uri not in tool.redirect_uris:
        return error_page(400, "Invalid redirect_uri", "redirect_uri is not a redirect URI of this developer key.")

    def refuse(code: str, description: str) -> Response:
        state.log_line(f"authorize refused: {code} ({description})")
        fields = [("error", code), ("error_description", description)]
        if params.get("state"):
            fields.append(("state", params["state"]))
        return _autosubmit(redirect_uri, "authorization_redirect_form", fields)

    missing = [name for name in AUTH_REQUIRED if not params.get(name)]
    if missing:
        return refuse("invalid_request_object", f"The following parameters are missing: {', '.join(missing)}")
    if params["scope"] != "openid":
        return refuse("invalid_request_object", "The 'scope' must be 'openid'")
    if pending is None or pending.client_id != tool.client_id:
        return refuse("launch_no_longer_valid", "The launch has either expired or already been consumed")
    if params["login_hint"] != canvas_ids.opaque_id("user", pending.user_id):
        return refuse("login_required", "Must have an active user session")
    state.complete_launch(pending.launch_id)
    from ..claims import id_token_claims

    id_claims = id_token_claims(state, platform_urls(), pending, params["nonce"], int(state.now()))
    with state.lock:
        id_token = state.key.sign(id_claims)
    state.log_line(f"id_token issued: {pending.message_type} for user {pending.user_id}")
    fields = [("id_token", id_token)]
    if params.get("state"):
        fields.append(("state", params["state"]))
    if claims.get("include_storage_target"):
        fields.append(("lti_storage_target", STORAGE_TARGET))
    return _autosubmit(redirect_uri, "authorization_redirect_form", fields)


# -- keys and tokens -----------------------------------------------------------------------------


@bp.get("/api/lti/security/jwks")
def jwks() -> Response:
    return _json(platform_state().jwks())


@bp.post("/login/oauth2/token")
def token() -> Response:
    state = platform_state()
    form = request.form
    try:
        missing = [n for n in ("grant_type", "client_assertion_type", "client_assertion", "scope") if not form.get(n)]
        if missing:
            raise CanvasError(400, f"{', '.join(missing)} missing", "invalid_request")
        if form["grant_type"] != "client_credentials" or form["client_assertion_type"] != JWT_BEARER:
            raise CanvasError(400, "unsupported grant_type or client_assertion_type", "invalid_request")
        client_id = str(unverified_claims(form["client_assertion"]).get("sub") or "")
        tool = state.tool(client_id)
        if tool is None:
            raise CanvasError(401, "Unknown client", "invalid_client")
        try:
            # aud must be exactly the token URL of the host posted to (canvas-lms issue 1925).
            claims = verify_tool_jwt(form["client_assertion"], tool.jwks_uri, tool_keys(),
                                     audience=platform_urls().external("canvas.token"),
                                     required=("sub", "aud", "exp", "iat", "jti", "iss"))
        except ToolJwtError as problem:
            raise CanvasError(400, str(problem), "invalid_request") from problem
        if not state.use_jti(client_id, str(claims["jti"]), float(claims["exp"])):
            raise CanvasError(400, "JTI is not unique", "invalid_request")
        requested = form["scope"].split()
        # All or nothing: any scope the developer key lacks refuses the request.
        lacking = [scope for scope in requested if scope not in tool.scopes]
        if lacking:
            raise CanvasError(400, f"Invalid scopes: {' '.join(lacking)}", "invalid_scope")
    except CanvasError as error:
        state.log_line(f"token refused: {error.kind} ({error.message})")
        return _json({"error": error.kind, "error_description": error.message}, status=error.status)
    access = state.issue_access_token(client_id, tuple(requested))
    state.log_line(f"token granted to {client_id}")
    return _json({"access_token": access.token, "token_type": "Bearer", "expires_in": ACCESS_TOKEN_LIFETIME,
                  "scope": form["scope"]})


def _tool_for(state: PlatformState, course_id: str, scopes: tuple[str, ...]) -> Tool:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise CanvasError(401, "Missing access token")
    token = state.valid_access_token(value.strip())
    if token is None:
        raise CanvasError(401, "Access token expired")
    if not set(token.scopes) & set(scopes):
        raise CanvasError(401, "Insufficient permissions")
    tool = state.tool(token.client_id)
    if tool is None:
        raise CanvasError(401, "Unknown or inactive Developer Key")
    if course_id != state.course.id:
        raise CanvasError(404, "The specified resource does not exist.")
    return tool


def _serve(handler, *args) -> Response:
    try:
        return handler(platform_state(), *args)
    except CanvasError as error:
        return _error(error)


def _page_links(base: str, params: dict[str, str], page: int, per_page: int, total: int) -> str:
    last = max(1, math.ceil(total / per_page))

    def url(number: int) -> str:
        return f"{base}?{urlencode({**params, 'page': number, 'per_page': per_page})}"

    links = [f'<{url(page)}>; rel="current"']
    if page < last:
        links.append(f'<{url(page + 1)}>; rel="next"')
    if page > 1:
        links.append(f'<{url(page - 1)}>; rel="prev"')
    links += [f'<{url(1)}>; rel="first"', f'<{url(last)}>; rel="last"']
    return ",".join(links)


def _paging(default: int, maximum: int) -> tuple[int, int]:
    """Canvas's `page` and `per_page` (`limit` is read as per_page)."""
    def number(name: str, fallback: int) -> int:
        try:
            return max(1, int(request.args.get(name, fallback)))
        except ValueError:
            return fallback

    per_page = min(number("per_page", number("limit", default)), maximum)
    return number("page", 1), per_page


# -- Assignment and Grade Services ------------------------------------------------------------------


def _lineitem_json(state: PlatformState, item: LineItem) -> dict[str, Any]:
    value: dict[str, Any] = {
        "id": platform_urls().lineitem(state.course.id, item.id, item.type_id),
        "scoreMaximum": item.score_maximum,
        "label": item.label,
    }
    if item.resource_id:
        value["resourceId"] = item.resource_id
    if item.tag:
        value["tag"] = item.tag
    if item.lti_link_id is not None:
        value["resourceLinkId"] = canvas_ids.resource_link_id(item.lti_link_id)
    if item.start_date_time:
        value["startDateTime"] = item.start_date_time
    if item.end_date_time:
        value["endDateTime"] = item.end_date_time
    return value


def _item(state: PlatformState, tool: Tool, item_id: int) -> LineItem:
    item = state.line_item(item_id)
    if item is None or item.type_id != tool.type_id:
        raise CanvasError(404, "The specified resource does not exist.")
    return item


@bp.route("/api/lti/courses/<course_id>/line_items", methods=["GET", "POST"])
def line_items(course_id: str) -> Response:
    return _serve(_line_items, course_id)


def _line_items(state: PlatformState, course_id: str) -> Response:
    if request.method == "POST":
        tool = _tool_for(state, course_id, (SCOPE_LINEITEM,))
        return _create_line_item(state, tool)
    tool = _tool_for(state, course_id, (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY))
    filters = {name: request.args[name] for name in ("tag", "resource_id", "resource_link_id") if name in request.args}
    with state.lock:
        items = [
            item for item in sorted(state.line_items.values(), key=lambda i: i.id)
            if item.type_id == tool.type_id
            and ("tag" not in filters or item.tag == filters["tag"])
            and ("resource_id" not in filters or item.resource_id == filters["resource_id"])
            and ("resource_link_id" not in filters or (item.lti_link_id is not None and
                 canvas_ids.resource_link_id(item.lti_link_id) == filters["resource_link_id"]))
        ]
    page, per_page = _paging(LINE_ITEMS_PER_PAGE, 100)
    shown = items[(page - 1) * per_page: page * per_page]
    response = _json([_lineitem_json(state, item) for item in shown], MEDIA_LINEITEMS)
    base = platform_urls().lineitems(course_id, tool.type_id)
    response.headers["Link"] = _page_links(base, filters, page, per_page, len(items))
    return response


def _create_line_item(state: PlatformState, tool: Tool) -> Response:
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict) or body.get("label") in (None, "") or body.get("scoreMaximum") is None:
        raise CanvasError(400, "label and scoreMaximum are required")
    try:
        maximum = float(body["scoreMaximum"])
    except (TypeError, ValueError):
        raise CanvasError(400, "scoreMaximum must be a number") from None
    link = body.get("resourceLinkId")
    instance_id = None
    if link:
        activity = next((a for a in state.activities.values()
                         if canvas_ids.resource_link_id(a.instance_id) == link), None)
        if activity is None or activity.tool_client_id != tool.client_id:
            raise CanvasError(404, "The specified resource does not exist.")
        instance_id = activity.instance_id
    item = state.add_line_item(tool.type_id, str(body["label"]), maximum, resource_id=str(body.get("resourceId") or ""),
                               tag=str(body.get("tag") or ""), lti_link_id=instance_id)
    state.log_line(f"line item {item.id} '{item.label}' created by the tool")
    return _json(_lineitem_json(state, item), MEDIA_LINEITEM, 201)


@bp.route("/api/lti/courses/<course_id>/line_items/<int:item_id>", methods=["GET", "PUT", "DELETE"])
def line_item(course_id: str, item_id: int) -> Response:
    return _serve(_line_item, course_id, item_id)


def _line_item(state: PlatformState, course_id: str, item_id: int) -> Response:
    reading = request.method == "GET"
    tool = _tool_for(state, course_id, (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY) if reading else (SCOPE_LINEITEM,))
    item = _item(state, tool, item_id)
    if request.method == "DELETE":
        with state.mutating():
            if any(a.line_item_id == item.id for a in state.activities.values()):
                raise CanvasError(401, "Line item is coupled to an assignment")
            state.line_items.pop(item.id, None)
        return Response(status=204)
    if request.method == "PUT":
        body = request.get_json(silent=True, force=True) or {}
        with state.mutating():
            item.label = str(body.get("label") or item.label)
            if body.get("scoreMaximum") is not None:
                item.score_maximum = float(body["scoreMaximum"])
            item.resource_id = str(body.get("resourceId") or item.resource_id)
            item.tag = str(body.get("tag") or item.tag)
    return _json(_lineitem_json(state, item), MEDIA_LINEITEM)


@bp.post("/api/lti/courses/<course_id>/line_items/<int:item_id>/scores")
def scores(course_id: str, item_id: int) -> Response:
    return _serve(_scores, course_id, item_id)


def _scores(state: PlatformState, course_id: str, item_id: int) -> Response:
    tool = _tool_for(state, course_id, (SCOPE_SCORE,))
    item = _item(state, tool, item_id)
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict):
        raise CanvasError(400, "The request body must be a JSON object")
    missing = [n for n in ("userId", "activityProgress", "gradingProgress", "timestamp") if body.get(n) is None]
    if missing:
        raise CanvasError(400, f"Missing required parameter(s): {', '.join(missing)}")
    user = state.user_by_subject(str(body["userId"]))
    if not _is_student(state, user):
        state.log_line(f"score for item {item.id} user {body['userId']}: 422 {NOT_A_STUDENT}")
        raise CanvasError(422, NOT_A_STUDENT)
    assert user is not None
    given, grading = body.get("scoreGiven"), body["gradingProgress"]
    applies = grading in (FULLY_GRADED, "PendingManual") and given is not None
    if applies and body.get("scoreMaximum") is None:
        raise CanvasError(422, "ScoreMaximum not supplied when ScoreGiven present.")
    posted = _timestamp(body["timestamp"])
    if posted is None:
        raise CanvasError(400, f"Provided timestamp of {body['timestamp']} not a valid timestamp")
    existing = state.grade_for_item(item.id, user.id)
    if existing is not None and existing.timemodified is not None and posted < existing.timemodified:
        raise CanvasError(400, f"Provided timestamp of {body['timestamp']} before last updated timestamp of "
                               f"{datetime.fromtimestamp(existing.timemodified, timezone.utc).isoformat()}")
    extension = body.get(CANVAS_SUBMISSION) if isinstance(body.get(CANVAS_SUBMISSION), dict) else {}
    raw_grade = None
    if applies:
        maximum = float(body["scoreMaximum"])
        raw_grade = float(given) * item.score_maximum / maximum if maximum else float(given)
    elif extension.get("preserve_score") and existing is not None:
        raw_grade = existing.raw_grade
    comment = body.get("comment")
    with state.mutating():
        state.grades[(item.id, user.id)] = Grade(item.id, user.id, raw_grade, str(comment) if comment else None,
                                                 posted, str(grading), str(body["activityProgress"]))
    state.log_line(f"score for item {item.id} user {user.id}: 200 ({raw_grade})")
    results_url = platform_urls().results(state.course.id, item.id, tool.type_id)
    return _json({"resultUrl": f"{results_url}/{user.id}", CANVAS_SUBMISSION: {"content_items": []}}, MEDIA_SCORE)


def _is_student(state: PlatformState, user: User | None) -> bool:
    """An active student of the course; the Test Student only where this Canvas accepts it."""
    if user is None or user.role != LEARNER or user.status == INACTIVE:
        return False
    return not user.test_user or state.accept_test_student_scores


def _timestamp(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


@bp.get("/api/lti/courses/<course_id>/line_items/<int:item_id>/results")
def results(course_id: str, item_id: int) -> Response:
    return _serve(_results, course_id, item_id)


def _results(state: PlatformState, course_id: str, item_id: int) -> Response:
    tool = _tool_for(state, course_id, (SCOPE_RESULT_READONLY,))
    item = _item(state, tool, item_id)
    urls = platform_urls()
    with state.lock:
        grades = [g for (grade_item, _), g in state.grades.items() if grade_item == item.id]
    body = [{"id": f"{urls.results(course_id, item.id, tool.type_id)}/{g.user_id}",
             "scoreOf": urls.lineitem(course_id, item.id, tool.type_id),
             "userId": canvas_ids.lti_id(g.user_id), "resultScore": g.raw_grade,
             "resultMaximum": item.score_maximum, **({"comment": g.feedback} if g.feedback else {})}
            for g in grades]
    return _json(body, MEDIA_RESULTS)


# -- Names and Role Provisioning ------------------------------------------------------------------


@bp.get("/api/lti/courses/<course_id>/names_and_roles")
def names_and_roles(course_id: str) -> Response:
    return _serve(_names_and_roles, course_id)


def _names_and_roles(state: PlatformState, course_id: str) -> Response:
    _tool_for(state, course_id, (SCOPE_NRPS,))
    role = request.args.get("role")
    with state.lock:
        # The Test Student is not listed (assumption: Canvas lists real enrolments only).
        people = [u for u in sorted(state.users.values(), key=lambda u: (u.family_name, u.given_name, int(u.id)))
                  if not u.test_user and (role is None or role in membership_roles(u))]
    page, per_page = _paging(MEMBERS_PER_PAGE, MEMBERS_PER_PAGE)
    shown = people[(page - 1) * per_page: page * per_page]
    body = {
        "id": request.url,
        "context": {"id": context_id(state), "label": state.course.label, "title": state.course.title},
        "members": [_member(user) for user in shown],
    }
    response = _json(body, MEDIA_MEMBERSHIPS)
    base = platform_urls().memberships(course_id, 0)
    params = {"role": role} if role else {}
    # `limit` becomes per_page and is not repeated in the links.
    response.headers["Link"] = _page_links(base, params, page, per_page, len(people))
    return response


def _member(user: User) -> dict[str, Any]:
    return {
        "status": "Inactive" if user.status == INACTIVE else "Active",
        "name": user.name,
        "picture": "http://canvas.instructure.com/images/messages/avatar-50.png",
        "given_name": user.given_name,
        "family_name": user.family_name,
        "email": user.email,
        "user_id": canvas_ids.lti_id(user.id),
        "lti11_legacy_user_id": canvas_ids.opaque_id("user", user.id),
        "roles": membership_roles(user),
    }


# -- Deep linking ------------------------------------------------------------------------------------


@bp.post("/courses/<course_id>/deep_linking_response")
def deep_linking_response(course_id: str) -> Response:
    """Canvas checks iss = client_id and aud = its issuer, and ties the answer to the teacher's
    session (here: the tool's latest deep-linking request). Errors are 400 {"errors":{"jwt":[…]}}."""
    from .deep_linking import ReturnError, accept_content_items, verified_claims

    state = platform_state()
    token = request.form.get("JWT", "")
    client_id = str(unverified_claims(token).get("iss") or "") if token else ""
    launch = state.latest_deep_linking_session(client_id) if client_id else None
    tool = state.tool(client_id) if client_id else None
    try:
        if course_id != state.course.id or launch is None or tool is None:
            raise ReturnError("no deep-linking request of this developer key is waiting in this course")
        claims = verified_claims(launch, tool)
    except ReturnError as problem:
        state.log_line(f"deep linking response refused: {problem}")
        return _json({"errors": {"jwt": [str(problem)]}}, status=400)
    return accept_content_items(launch, tool, claims)


# -- Dynamic registration -------------------------------------------------------------------------------


@bp.get("/api/lti/security/openid-configuration")
def openid_configuration() -> Response:
    from .registration import canvas_openid_configuration

    return canvas_openid_configuration()


@bp.post("/api/lti/registrations")
def registrations() -> Response:
    from .registration import register

    return register()


# -- Installing a tool from its JSON configuration ----------------------------------------------------


@bp.post("/accounts/site_admin/developer_keys")
def install_developer_key() -> Response:
    """Developer Keys → + LTI Key → "Enter URL": fetch the JSON configuration and install the tool."""
    state = platform_state()
    url = request.form.get("url", "")
    try:
        answer = requests.get(url, timeout=state.settings.http_timeout)
        configuration = answer.json()
        tool = state.install_developer_key(configuration, client_id=request.form.get("client_id") or None)
    except (requests.RequestException, ValueError) as problem:
        return _json({"errors": [{"message": f"Invalid tool configuration: {problem}"}]}, status=422)
    return _json({"id": tool.client_id, "deployment_id": tool.deployment_id, "name": tool.name})
