"""The deep-linking return (Moodle's contentitem_return.php)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for

from ..jws import unverified_claims
from ..model import DeepLinkingReturn, PendingLaunch, Tool
from ..runtime import platform_state, platform_urls, tool_keys
from ..tool_jwt import ToolJwtError, verify_tool_jwt
from .error_page import error_page
from .pages import activity_card, launch_buttons

bp = Blueprint("deep_linking", __name__)

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


class ReturnError(Exception):
    pass


@bp.route("/deeplink/return", methods=["GET", "POST"])
def deep_link_return() -> Response:
    """Verify the tool's LtiDeepLinkingResponse and add the returned links to the course.

    Simplification: Moodle's contentitem_return.php creates nothing. It hands the item to the
    add-activity form, and the activity exists once the teacher saves that form (see
    deep-linking-response-accepted.json). The emulator saves at once: for each ltiResourceLink
    it creates the activity (name = title, the item's url and custom parameters) and its line
    item (from `lineItem`, else 100 points, as Moodle does with grades accepted "Always").
    """
    state = platform_state()
    try:
        launch, tool = _session()
        claims = verified_claims(launch, tool)
    except ReturnError as problem:
        state.log_line(f"deep linking return refused: {problem}")
        return error_page(400, "The content selection was not accepted", str(problem))
    return accept_content_items(launch, tool, claims)


def accept_content_items(launch: PendingLaunch, tool: Tool, claims: dict[str, Any]) -> Response:
    """Add the returned links to the course and show what was added (both profiles)."""
    state = platform_state()
    items = claims.get(DL + "content_items") or []
    created, ignored = [], []
    for item in items:
        if isinstance(item, dict) and item.get("type") == "ltiResourceLink":
            created.append(_add_activity(tool, item))
        else:
            ignored.append(str(item.get("type")) if isinstance(item, dict) else "?")
    with state.lock:
        state.deep_linking_returns.append(
            DeepLinkingReturn(state.now(), tool.client_id, claims, [a.cmid for a in created],
                              [i for i in items if not (isinstance(i, dict) and i.get("type") == "ltiResourceLink")])
        )
        state.deep_linking_sessions.pop(launch.sesskey, None)
        number = len(state.deep_linking_returns)
    state.log_line(f"deep linking return: {len(created)} activities added, {len(ignored)} items ignored")
    # This answer arrives in the tool's frame. Like Moodle (contentitem_return.php closes the
    # dialog), the LMS then leaves the frame: the page replaces the whole window with the result,
    # so the course never shows up inside the tool's frame.
    body = _result_page(state, created, ignored, claims,
                        leave_frame_url=url_for("deep_linking.deep_link_result", number=number))
    return Response(body, content_type="text/html; charset=utf-8")


@bp.get("/deeplink/result/<int:number>")
def deep_link_result(number: int) -> Response:
    """What a deep-linking return added, in the whole window (where the framed return leads)."""
    state = platform_state()
    with state.lock:
        if not 1 <= number <= len(state.deep_linking_returns):
            abort(404)
        done = state.deep_linking_returns[number - 1]
        created = [state.activities[cmid] for cmid in done.created_cmids if cmid in state.activities]
    ignored = [str(i.get("type")) if isinstance(i, dict) else "?" for i in done.ignored_items]
    return Response(_result_page(state, created, ignored, done.claims), content_type="text/html; charset=utf-8")


def _result_page(state, created, ignored, claims: dict[str, Any], leave_frame_url: str | None = None) -> str:
    buttons = launch_buttons(state)
    with state.lock:
        cards = [activity_card(state, activity, buttons) for activity in created]
    return render_template(
        "demo_lms/deep_linking_result.html",
        page_title="Content added" if created else "No content added",
        course=state.course,
        created=cards,
        ignored=ignored,
        message=claims.get(DL + "msg", ""),
        error_message=claims.get(DL + "errormsg", ""),
        leave_frame_url=leave_frame_url,
    )


def _session() -> tuple[PendingLaunch, Tool]:
    """contentitem_return.php?course=..&id=<type id>&sesskey=..: all three must match a request."""
    state = platform_state()
    sesskey = request.args.get("sesskey", "")
    with state.lock:
        launch = state.deep_linking_sessions.get(sesskey)
    if launch is None:
        raise ReturnError("invalid sesskey: no deep-linking request is waiting for this return URL")
    tool = state.tool(launch.client_id)
    if tool is None or request.args.get("id") != str(tool.type_id) or request.args.get("course") != state.course.id:
        raise ReturnError("the return URL's course or tool id does not match the deep-linking request")
    return launch, tool


def verified_claims(launch: PendingLaunch, tool: Tool) -> dict[str, Any]:
    token = request.form.get("JWT", "")
    if not token:
        raise ReturnError("missing JWT form field")
    if unverified_claims(token).get("iss") != tool.client_id:
        raise ReturnError("iss must be the tool's client_id")
    try:
        claims = verify_tool_jwt(token, tool.jwks_uri, tool_keys(), audience=platform_urls().issuer)
    except ToolJwtError as problem:
        raise ReturnError(str(problem)) from problem
    expected = {
        LTI + "message_type": "LtiDeepLinkingResponse",
        LTI + "version": "1.3.0",
        LTI + "deployment_id": tool.deployment_id,
    }
    for name, value in expected.items():
        if claims.get(name) != value:
            raise ReturnError(f"{name.rsplit('/', 1)[-1]} must be {value!r}, not {claims.get(name)!r}")
    if not claims.get("nonce"):
        raise ReturnError("missing nonce")
    items = claims.get(DL + "content_items", [])
    if not isinstance(items, list):
        raise ReturnError("content_items must be an array")
    if launch.dl_data is not None and claims.get(DL + "data") != launch.dl_data:
        raise ReturnError("the data claim must echo deep_linking_settings.data")
    return claims


def _add_activity(tool: Tool, item: dict[str, Any]):
    state = platform_state()
    has_line_item = isinstance(item.get("lineItem"), dict)
    line_item = item["lineItem"] if has_line_item else {}
    custom = item.get("custom") if isinstance(item.get("custom"), dict) else {}
    title = str(item.get("title") or "Untitled activity")
    return state.add_activity(
        title,
        custom,
        # Canvas makes an assignment (with its line item) only for an item with a lineItem; a
        # plain link becomes a module item. Moodle's form accepts grades "Always".
        with_line_item=has_line_item or not state.settings.is_canvas,
        tool_client_id=tool.client_id,
        url=str(item.get("url") or tool.target_link_uri),
        description=str(item.get("text") or ""),
        score_maximum=_score_maximum(line_item.get("scoreMaximum")),
        line_item_label=str(line_item.get("label") or title),
        resource_id=str(line_item.get("resourceId") or ""),
        tag=str(line_item.get("tag") or ""),
    )


def _score_maximum(value: Any) -> float:
    try:
        maximum = float(value)
    except (TypeError, ValueError):
        return 100.0
    return maximum if maximum > 0 else 100.0
