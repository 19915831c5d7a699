"""Assignment and Grade Services as Moodle 4.5's gradebookservices answers them.

URLs: ``/mod/lti/services.php/<course>/lineitems?type_id=N`` and
``.../lineitems/<item>/lineitem[/scores|/results]?type_id=N``. Every handler follows
services.php's order: media-type routing (400 "No handler found"), method, bearer token and
scope (401), course (404), line item (404/403), then the resource's own rules.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, request

from .. import php_json
from ..gradebook import apply_score, lineitem_json, result_json
from ..model import LEARNER, LineItem
from ..runtime import platform_state, platform_urls
from ..scopes import (
    MEDIA_LINEITEM,
    MEDIA_LINEITEMS,
    MEDIA_RESULTS,
    MEDIA_SCORE,
    MEDIA_SCORES,
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
)
from ..service_http import bearer_token, body_response, error_response, negotiation_fails, no_handler_response
from ..state import PlatformState

bp = Blueprint("ags", __name__, url_prefix="/mod/lti/services.php")

ALL_METHODS = ["GET", "POST", "PUT", "DELETE"]


class ServiceError(Exception):
    def __init__(self, status: int, reason: str = "") -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@bp.route("/<course_id>/lineitems", methods=ALL_METHODS)
def lineitems(course_id: str) -> Response:
    return _serve(_lineitems, course_id, None, (MEDIA_LINEITEMS, MEDIA_LINEITEM), ("GET", "POST"))


@bp.route("/<course_id>/lineitems/<int:item_id>/lineitem", methods=ALL_METHODS)
def lineitem(course_id: str, item_id: int) -> Response:
    return _serve(_lineitem, course_id, item_id, (MEDIA_LINEITEM,), ("GET", "PUT", "DELETE"))


@bp.route("/<course_id>/lineitems/<int:item_id>/lineitem/scores", methods=ALL_METHODS)
def scores(course_id: str, item_id: int) -> Response:
    return _serve(_scores, course_id, item_id, (MEDIA_SCORES, MEDIA_SCORE), ("POST",))


@bp.route("/<course_id>/lineitems/<int:item_id>/lineitem/results", methods=ALL_METHODS)
def results(course_id: str, item_id: int) -> Response:
    return _serve(_results, course_id, item_id, (MEDIA_RESULTS,), ("GET",))


def _serve(handler, course_id: str, item_id: int | None, formats: tuple[str, ...], methods: tuple[str, ...]):
    if negotiation_fails(formats):
        return no_handler_response()
    if request.method not in methods:
        return error_response(405)
    try:
        return handler(platform_state(), course_id, item_id)
    except ServiceError as error:
        return error_response(error.status, error.reason)


def _authorize(state: PlatformState, scopes: tuple[str, ...]) -> int:
    """The type id the bearer token is good for; 401 otherwise."""
    type_id = request.args.get("type_id")
    if bearer_token(state, type_id, scopes) is None:
        raise ServiceError(401)
    return int(type_id or 0)


def _check_course(state: PlatformState, course_id: str) -> None:
    if course_id != state.course.id:
        raise ServiceError(404, f"Not Found: Course {course_id} doesn't exist")


def _item(state: PlatformState, item_id: int, type_id: int, not_yours: int) -> LineItem:
    item = state.line_item(item_id)
    if item is None:
        raise ServiceError(404, f"Not Found: Grade item {item_id} doesn't exist")
    if item.type_id != type_id:
        raise ServiceError(not_yours, "Line item does not exist")
    return item


def _lineitems(state: PlatformState, course_id: str, _item_id: None) -> Response:
    is_get = request.method == "GET"
    type_id = _authorize(state, (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY) if is_get else (SCOPE_LINEITEM,))
    # lineitems.php: a GET must accept the container type (or send no Accept): "*/*" alone
    # is routed here but then refused; a POST must send a single line item.
    media = request.headers.get("Accept", "") if is_get else request.headers.get("Content-Type", "")
    container = media in ("", MEDIA_LINEITEMS)
    if container == (not is_get) or (media and media not in (MEDIA_LINEITEMS, MEDIA_LINEITEM)):
        raise ServiceError(400, "No context or unsupported content type")
    _check_course(state, course_id)
    return _list_lineitems(state, course_id, type_id) if is_get else _create_lineitem(state, course_id, type_id)


def _list_lineitems(state: PlatformState, course_id: str, type_id: int) -> Response:
    urls = platform_urls()
    args = request.args
    resource_id = args.get("resource_id")
    link_id = args.get("resource_link_id", args.get("lti_link_id"))
    tag = args.get("tag")
    limit = _int_arg("limit")
    start = _int_arg("from")
    with state.lock:
        items = [
            item
            for item in sorted(state.line_items.values(), key=lambda i: i.id)
            if item.type_id == type_id
            and (resource_id is None or item.resource_id == resource_id)
            and (link_id is None or str(item.lti_link_id) == link_id)
            and (tag is None or item.tag == tag)
        ]
    total = len(items)
    if limit > 0:
        items = items[start : start + limit]
    body = php_json.encode([lineitem_json(item, urls.lineitem(course_id, item.id, type_id)) for item in items])
    response = body_response(body, MEDIA_LINEITEMS)
    if limit > 0:
        response.headers["Link"] = _broken_link_header(
            urls.lineitems_base(course_id), resource_id, link_id, tag, type_id, limit, start, total
        )
    return response


def _broken_link_header(
    endpoint: str,
    resource_id: str | None,
    link_id: str | None,
    tag: str | None,
    type_id: int,
    limit: int,
    start: int,
    total: int,
) -> str:
    """lineitems.php's Link header, bugs kept: typographic quotes, &amp; in the URLs, and a
    `last` of total - limit + 1 (one page past the end for limit 1)."""
    params = [(name, value) for name, value in
              (("resource_id", resource_id), ("resource_link_id", link_id), ("tag", tag)) if value is not None]
    params += [("type_id", str(type_id)), ("limit", str(limit))]

    def page(offset: int) -> str:
        query = "&amp;".join(f"{name}={_moodle_url_value(value)}" for name, value in [*params, ("from", str(offset))])
        return f"<{endpoint}?{query}>"

    out_of_range = start >= total or start < 0
    links = [f"{page(0)}; rel=\u201cfirst\u201d"]
    if start > 0 and not out_of_range:
        links.append(f"{page(max(start - limit, 0))}; rel=\u201cprev\u201d")
    links.append(f"{page(start)}; rel=\u201ccanonical\u201d")
    if start + limit <= total - 1 and not out_of_range:
        links.append(f"{page(start + limit)}; rel=\u201cnext\u201d")
    links.append(f"{page(max(total - limit + 1, 0))}; rel=\u201clast\u201d")
    # HTTP headers are latin-1 on the wire; Moodle sends the quotes as UTF-8 bytes, so encode
    # to UTF-8 and let werkzeug pass the bytes through unchanged.
    return ", ".join(links).encode("utf-8").decode("latin-1")


def _create_lineitem(state: PlatformState, course_id: str, type_id: int) -> Response:
    body = _json_body()
    if not isinstance(body, dict) or body.get("scoreMaximum") is None or body.get("label") is None:
        raise ServiceError(400, "No label or Score Maximum")
    if not _numeric(body["scoreMaximum"]):
        raise ServiceError(400)
    link = body.get("resourceLinkId", body.get("ltiLinkId"))
    if link is not None:
        activity = state.activity_by_instance(int(link)) if str(link).isdigit() else None
        tool = state.tool_by_type(type_id)
        if activity is None or tool is None or activity.tool_client_id != tool.client_id:
            raise ServiceError(403)
    item = state.add_line_item(
        type_id,
        str(body["label"]),
        float(body["scoreMaximum"]),
        resource_id=str(body.get("resourceId") or ""),
        tag=str(body.get("tag") or ""),
        lti_link_id=int(link) if link is not None else None,
    )
    body["id"] = platform_urls().lineitem(course_id, item.id, type_id)
    state.log_line(f"line item {item.id} '{item.label}' created by the tool")
    # Moodle echoes the request body with the new id, slashes unescaped this time.
    return body_response(php_json.encode(body, escape_slashes=False), MEDIA_LINEITEM, 201)


def _lineitem(state: PlatformState, course_id: str, item_id: int) -> Response:
    is_get = request.method == "GET"
    type_id = _authorize(state, (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY) if is_get else (SCOPE_LINEITEM,))
    _check_course(state, course_id)
    item = _item(state, item_id, type_id, not_yours=404)
    urls = platform_urls()
    if is_get:
        return body_response(php_json.encode(lineitem_json(item, urls.lineitem(course_id, item.id, type_id))),
                             MEDIA_LINEITEM)
    if request.method == "DELETE":
        with state.mutating():
            if any(a.line_item_id == item.id for a in state.activities.values()):
                raise ServiceError(403)
            state.line_items.pop(item.id, None)
            for key in [key for key in state.grades if key[0] == item.id]:
                del state.grades[key]
        return Response(status=204)
    return _update_lineitem(state, course_id, item, type_id)


def _update_lineitem(state: PlatformState, course_id: str, item: LineItem, type_id: int) -> Response:
    body = _json_body()
    if not isinstance(body, dict) or body.get("scoreMaximum") is None or body.get("label") is None:
        raise ServiceError(400)
    if not _numeric(body["scoreMaximum"]):
        raise ServiceError(400)
    with state.mutating():
        old_maximum = item.score_maximum
        item.label = str(body["label"])
        item.score_maximum = float(body["scoreMaximum"])
        item.resource_id = str(body.get("resourceId") or "")
        if "tag" in body:
            item.tag = str(body.get("tag") or "")
        if old_maximum != item.score_maximum and old_maximum:
            # rescale_grades_keep_percentage
            for grade in state.grades.values():
                if grade.item_id == item.id and grade.raw_grade is not None:
                    grade.raw_grade = round(grade.raw_grade * item.score_maximum / old_maximum, 5)
    body["id"] = platform_urls().lineitem(course_id, item.id, type_id)
    # No content type is set for a PUT answer, so PHP's default goes out.
    return Response(php_json.encode(body, escape_slashes=False), headers=[("Content-type", "text/html; charset=utf-8")])


def _scores(state: PlatformState, course_id: str, item_id: int) -> Response:
    type_id = _authorize(state, (SCOPE_SCORE,))
    _check_course(state, course_id)
    item = _item(state, item_id, type_id, not_yours=403)
    raw_body = request.get_data(as_text=True)
    with state.mutating():
        user_id = _user_id_of(raw_body)
        result = apply_score(
            raw_body,
            item,
            state.grades.get((item.id, user_id)) if user_id else None,
            lambda candidate: _is_gradable(state, candidate),
            state.now(),
        )
        if result.grade is not None:
            state.grades[(item.id, result.grade.user_id)] = result.grade
    state.log_line(f"score for item {item.id} user {user_id or '?'}: {result.status} {result.reason[:80]}")
    if result.status == 200:
        return body_response("", MEDIA_SCORE)
    # Refusals carry "[]" and the score media type, as in the samples (b, d).
    return body_response("[]", MEDIA_SCORE, result.status, result.reason)


def _results(state: PlatformState, course_id: str, item_id: int) -> Response:
    type_id = _authorize(state, (SCOPE_RESULT_READONLY,))
    _check_course(state, course_id)
    item = _item(state, item_id, type_id, not_yours=403)
    urls = platform_urls()
    user_filter = request.args.get("user_id")
    limit = _int_arg("limit")
    start = _int_arg("from")
    with state.lock:
        # Only grades with a timemodified are listed; an emptied one shows id and userId only.
        grades = [
            grade
            for (grade_item, user_id), grade in sorted(state.grades.items(), key=lambda entry: int(entry[0][1]))
            if grade_item == item.id and grade.timemodified and (not user_filter or user_id == user_filter)
        ]
    if limit > 0:
        grades = grades[start : start + limit]
    lineitem_url = urls.lineitem(course_id, item.id, type_id)
    results_url = urls.results(course_id, item.id, type_id)
    body = php_json.encode([result_json(grade, item, lineitem_url, results_url) for grade in grades])
    return body_response(body, MEDIA_RESULTS)


def _is_gradable(state: PlatformState, user_id: str) -> bool:
    user = state.users.get(user_id)
    return user is not None and user.role == LEARNER


def _user_id_of(raw_body: str) -> str | None:
    try:
        value = json.loads(raw_body)
    except ValueError:
        return None
    user_id = value.get("userId") if isinstance(value, dict) else None
    return None if user_id is None or isinstance(user_id, (dict, list)) else str(user_id)


def _json_body() -> Any:
    try:
        return json.loads(request.get_data(as_text=True))
    except ValueError:
        return None


def _int_arg(name: str) -> int:
    try:
        return int(request.args.get(name, "0"))
    except ValueError:
        return 0


def _numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _moodle_url_value(value: str) -> str:
    # moodle_url::out() rawurlencodes parameter values.
    return quote(value, safe="")
