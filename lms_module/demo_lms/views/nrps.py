"""Names and Role Provisioning Services (Moodle's contextmemberships resource)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from .. import php_json
from ..model import INSTRUCTOR, LEARNER, ROLE_URI_PREFIX, User
from ..runtime import platform_state, platform_urls
from ..scopes import MEDIA_MEMBERSHIPS, MEDIA_MEMBERSHIPS_LIS, SCOPE_NRPS
from ..service_http import bearer_token, body_response, error_response, negotiation_fails, no_handler_response

bp = Blueprint("nrps", __name__, url_prefix="/mod/lti/services.php")


@bp.route("/CourseSection/<course_id>/bindings/<int:type_id>/memberships", methods=["GET", "POST", "PUT", "DELETE"])
def memberships(course_id: str, type_id: int) -> Response:
    if negotiation_fails((MEDIA_MEMBERSHIPS_LIS, MEDIA_MEMBERSHIPS)):
        return no_handler_response()
    if request.method != "GET":
        return error_response(405)
    state = platform_state()
    if course_id != state.course.id:
        return error_response(404)
    if state.tool_by_type(type_id) is None:
        return error_response(404)
    if bearer_token(state, str(type_id), (SCOPE_NRPS,)) is None:
        return error_response(401)

    role = request.args.get("role", "")
    limit = _int_arg("limit")
    start = _int_arg("from") if limit > 0 else 0
    with state.lock:
        people = sorted(state.users.values(), key=lambda u: (u.family_name, u.given_name, int(u.id)))
    selected = [user for user in people if _has_role(user, role)]

    # Moodle walks the list, skips `from` people, and stops one past `limit` to know there is more.
    page = selected[start : start + limit] if limit > 0 else selected
    more = limit > 0 and len(selected) > start + limit
    endpoint = platform_urls().external("nrps.memberships", course_id=course_id, type_id=type_id)
    body = {
        "id": endpoint,
        "context": {"id": state.course.id, "label": state.course.label, "title": state.course.title},
        "members": [_member(user) for user in page],
    }
    response = body_response(php_json.encode(body), MEDIA_MEMBERSHIPS)
    if more:
        # A proper RFC 8288 link, unlike lineitems; like Moodle it drops the role filter.
        response.headers["Link"] = f'<{endpoint}?limit={limit}&from={start + limit}>; rel="next"'
    return response


def _has_role(user: User, role: str) -> bool:
    if not role:
        return True
    if not role.startswith(("http://", "https://")):
        role = ROLE_URI_PREFIX + role
    if role == ROLE_URI_PREFIX + INSTRUCTOR:
        return user.role == INSTRUCTOR
    if role == ROLE_URI_PREFIX + LEARNER:
        return user.role != INSTRUCTOR
    return True  # Moodle filters only these two roles; any other value lists everyone.


def _member(user: User) -> dict[str, object]:
    # Short role names here, although the id_token carries full URIs. Moodle lists only active
    # enrolments, always as "Active"; the emulator also lists people a test marked Inactive,
    # with that status, so the tool's handling of the NRPS status can be tested.
    return {
        "status": user.status,
        "roles": [user.role],
        "user_id": user.id,
        "lis_person_sourcedid": "",
        "name": user.name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "email": user.email,
        "ext_user_username": user.username,
    }


def _int_arg(name: str) -> int:
    try:
        return int(request.args.get(name, "0"))
    except ValueError:
        return 0
