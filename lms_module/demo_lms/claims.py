"""The id_token payloads, in Moodle 4.5's claim order and shape (see launch-*.json samples)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from . import custom_params
from .model import Activity, PendingLaunch, Tool, User
from .scopes import AGS_SCOPES, SCOPE_NRPS
from .state import PlatformState
from .urls import PlatformUrls

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_SERVICE = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
BASIC_OUTCOME = "https://purl.imsglobal.org/spec/lti-bo/claim/basicoutcome"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"

MOODLE_VERSION = "2024100706"
ID_TOKEN_LIFETIME = 60


def id_token_claims(
    state: PlatformState, urls: PlatformUrls, launch: PendingLaunch, nonce: str, now: int
) -> dict[str, Any]:
    """The payload auth.php signs for `launch`, claims in the order Moodle emits them."""
    if state.settings.is_canvas:
        from . import canvas_claims

        return canvas_claims.id_token_claims(state, urls, launch, nonce, now)
    with state.lock:
        tool = state.tools[launch.client_id]
        user = state.users[launch.user_id]
        activity = state.activities[launch.cmid] if launch.cmid is not None else None
        claims: dict[str, Any] = {
            "nonce": nonce,
            "iat": now,
            "exp": now + ID_TOKEN_LIFETIME,
            "iss": urls.issuer,
            "aud": tool.client_id,
            LTI + "deployment_id": tool.deployment_id,
            LTI + "target_link_uri": activity.url if activity else tool.target_link_uri,
            "sub": user.id,
            LTI + "lis": {"person_sourcedid": "", "course_section_sourcedid": ""},
            LTI + "roles": [user.role_uri],
            LTI + "context": {
                "id": state.course.id,
                "label": state.course.label,
                "title": state.course.title,
                "type": ["CourseSection"],
            },
            LTI + "message_type": launch.message_type,
        }
        if activity is not None:
            _add_resource_link_claims(state, urls, claims, launch, tool, user, activity)
        else:
            _add_deep_linking_claims(state, urls, claims, launch, tool, user)
        return claims


def _add_resource_link_claims(
    state: PlatformState,
    urls: PlatformUrls,
    claims: dict[str, Any],
    launch: PendingLaunch,
    tool: Tool,
    user: User,
    activity: Activity,
) -> None:
    claims[LTI + "resource_link"] = {
        "title": activity.title,
        "description": activity.description,
        "id": str(activity.instance_id),
    }
    if activity.line_item_id is not None:
        claims[BASIC_OUTCOME] = {
            "lis_result_sourcedid": _sourcedid(activity, user, tool, launch.numeric_launch_id),
            "lis_outcome_service_url": urls.external("pages.basic_outcome_service"),
        }
    _add_person_claims(claims, user)
    claims[LTI + "launch_presentation"] = {
        "locale": launch.locale,
        "document_target": "iframe",
        "return_url": urls.external(
            "pages.tool_return",
            course=state.course.id,
            launch_container=3,
            instanceid=activity.instance_id,
            sesskey=launch.sesskey,
        ),
    }
    claims[LTI + "tool_platform"] = tool_platform(urls)
    claims[LTI + "version"] = "1.3.0"
    custom = _custom_claim(state, urls, tool, user, activity)
    if custom:
        claims[LTI + "custom"] = custom
    ags = _ags_claim(state, urls, tool, activity)
    if ags:
        claims[AGS_ENDPOINT] = ags
    if SCOPE_NRPS in tool.scopes:
        claims[NRPS_SERVICE] = _nrps_claim(state, urls, tool)


def _add_deep_linking_claims(
    state: PlatformState,
    urls: PlatformUrls,
    claims: dict[str, Any],
    launch: PendingLaunch,
    tool: Tool,
    user: User,
) -> None:
    _add_person_claims(claims, user)
    claims[LTI + "launch_presentation"] = {"locale": launch.locale}
    claims[LTI + "tool_platform"] = tool_platform(urls)
    claims[LTI + "version"] = "1.3.0"
    # Unlike a resource-link launch, Moodle puts AGS before custom here (see the sample).
    ags = _ags_claim(state, urls, tool, None)
    if ags:
        claims[AGS_ENDPOINT] = ags
    custom = _custom_claim(state, urls, tool, user, None)
    if custom:
        claims[LTI + "custom"] = custom
    if SCOPE_NRPS in tool.scopes:
        claims[NRPS_SERVICE] = _nrps_claim(state, urls, tool)
    settings: dict[str, Any] = {
        "accept_types": ["ltiResourceLink"],
        "accept_presentation_document_targets": ["frame", "iframe", "window"],
        "accept_copy_advice": False,
        "accept_multiple": True,
        "accept_unsigned": False,
        "auto_create": False,
        "can_confirm": False,
        "deep_link_return_url": urls.external(
            "deep_linking.deep_link_return", course=state.course.id, id=tool.type_id, sesskey=launch.sesskey
        ),
        "title": launch.dl_title,
        "text": launch.dl_text,
    }
    if launch.dl_data is not None:
        settings["data"] = launch.dl_data
    claims[DL_SETTINGS] = settings


def _add_person_claims(claims: dict[str, Any], user: User) -> None:
    # Sharing of names and e-mail set to "Always"; Moodle sends no picture.
    claims["given_name"] = user.given_name
    claims["family_name"] = user.family_name
    claims["name"] = user.name
    claims[LTI + "ext"] = {"user_username": user.username, "lms": "moodle-2"}
    claims["email"] = user.email


def tool_platform(urls: PlatformUrls) -> dict[str, str]:
    return {
        "product_family_code": "moodle",
        "version": MOODLE_VERSION,
        "guid": hashlib.md5(urls.issuer.encode("utf-8")).hexdigest(),
        "name": "demolms",
        "description": "Kontor demo LMS (Moodle 4.5 emulator)",
    }


def _custom_claim(
    state: PlatformState, urls: PlatformUrls, tool: Tool, user: User, activity: Activity | None
) -> dict[str, str]:
    # Tool-level parameters first, then the activity's, then the service URL Moodle adds.
    text = custom_params.to_lines(tool.custom_parameters)
    if activity is not None and activity.custom_parameters:
        text = f"{text}\n{activity.custom_parameters}" if text else activity.custom_parameters
    claim = custom_params.launch_custom_claim(text, _substitution_variables(state, user, activity))
    if SCOPE_NRPS in tool.scopes:
        claim["context_memberships_url"] = urls.memberships(state.course.id, tool.type_id)
    return claim


def _ags_claim(state: PlatformState, urls: PlatformUrls, tool: Tool, activity: Activity | None) -> dict[str, Any]:
    scopes = [scope for scope in AGS_SCOPES if scope in tool.scopes]
    if not scopes:
        return {}
    claim: dict[str, Any] = {"scope": scopes, "lineitems": urls.lineitems(state.course.id, tool.type_id)}
    if activity is not None and activity.line_item_id is not None:
        claim["lineitem"] = urls.lineitem(state.course.id, activity.line_item_id, tool.type_id)
    return claim


def _nrps_claim(state: PlatformState, urls: PlatformUrls, tool: Tool) -> dict[str, Any]:
    return {
        "context_memberships_url": urls.memberships(state.course.id, tool.type_id),
        "service_versions": ["1.0", "2.0"],
    }


def _sourcedid(activity: Activity, user: User, tool: Tool, launch_number: int) -> str:
    """lti_build_sourcedid: the LTI 1.1 outcome id, hashed with the activity's service salt."""
    data = {
        "instanceid": str(activity.instance_id),
        "userid": user.id,
        "typeid": str(tool.type_id),
        "launchid": launch_number,
    }
    encoded = json.dumps(data, separators=(",", ":"))
    digest = hashlib.sha256((encoded + activity.service_salt).encode("utf-8")).hexdigest()
    return json.dumps({"data": data, "hash": digest}, separators=(",", ":"))


def _substitution_variables(state: PlatformState, user: User, activity: Activity | None) -> dict[str, str]:
    variables = {
        "$Context.id": state.course.id,
        "$Context.title": state.course.title,
        "$Context.label": state.course.label,
        "$CourseSection.title": state.course.title,
        "$CourseSection.label": state.course.label,
        "$User.id": user.id,
        "$User.username": user.username,
        "$Person.name.full": user.name,
        "$Person.name.given": user.given_name,
        "$Person.name.family": user.family_name,
        "$Person.email.primary": user.email,
        # $USER->timezone as stored: "99" when the person keeps the server's zone (not resolved).
        "$Person.address.timezone": user.timezone,
        "$Membership.role": user.role_uri,
    }
    if activity is not None:
        variables["$ResourceLink.id"] = str(activity.instance_id)
        variables["$ResourceLink.title"] = activity.title
        variables["$ResourceLink.description"] = activity.description
    return variables
