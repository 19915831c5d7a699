"""The id_token payloads of the Canvas profile, after launch-student.json, launch-instructor.json
and deep-linking-request.json (claim order as in those samples; order is not significant)."""

from __future__ import annotations

from typing import Any

from . import canvas_ids, custom_params
from .model import INSTRUCTOR, SERVER_TIME_ZONE, Activity, PendingLaunch, Tool, User
from .scopes import AGS_SCOPES, SCOPE_NRPS
from .state import PlatformState
from .urls import PlatformUrls

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_SERVICE = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
PLACEMENT = "https://www.instructure.com/placement"
ID_TOKEN_LIFETIME = 3600  # exp = iat + 1 h
DEEP_LINKING_PLACEMENT = "link_selection"
# The demo account's default time zone (Canvas: Account Settings). Canvas's $Person.address.timezone
# is the request's zone: the user's own, else the account's, always an IANA name.
ACCOUNT_TIME_ZONE = "Europe/Berlin"

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
TEST_USER_ROLE = "http://purl.imsglobal.org/vocab/lti/system/person#TestUser"
ROLES = {
    # Institution, membership and system roles (lib/lti/substitutions_helper.rb).
    "Learner": [LIS + "institution/person#Student", LIS + "membership#Learner", LIS + "system/person#User"],
    INSTRUCTOR: [LIS + "institution/person#Instructor", LIS + "membership#Instructor", LIS + "system/person#User"],
}


def role_uris(user: User) -> list[str]:
    if user.test_user:
        return [LIS + "membership#Learner", TEST_USER_ROLE]
    return list(ROLES.get(user.role, ROLES["Learner"]))


def membership_roles(user: User) -> list[str]:
    """NRPS lists full membership URIs only (nrps-members.json)."""
    return [LIS + ("membership#Instructor" if user.role == INSTRUCTOR else "membership#Learner")]


def context_id(state: PlatformState) -> str:
    return canvas_ids.opaque_id("course", state.course.id)


def tool_platform() -> dict[str, str]:
    return {"guid": "Kd3mOLmsEmu1atorGuid0000000000000000000:canvas-lms", "name": "Kontor Demo University",
            "version": "cloud", "product_family_code": "canvas"}


def id_token_claims(
    state: PlatformState, urls: PlatformUrls, launch: PendingLaunch, nonce: str, now: int
) -> dict[str, Any]:
    with state.lock:
        tool = state.tools[launch.client_id]
        user = state.users[launch.user_id]
        activity = state.activities[launch.cmid] if launch.cmid is not None else None
        claims: dict[str, Any] = {
            LTI + "message_type": launch.message_type,
            LTI + "version": "1.3.0",
        }
        if activity is not None:
            claims[LTI + "resource_link"] = {
                "id": canvas_ids.resource_link_id(activity.instance_id),
                "description": activity.description,
                "title": activity.title,
            }
        else:
            claims[DL_SETTINGS] = {
                "deep_link_return_url": urls.external(
                    "canvas.deep_linking_response", course_id=state.course.id, modal="true",
                    placement=DEEP_LINKING_PLACEMENT),
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_media_types": "application/vnd.ims.lti.v1.ltilink",
                "auto_create": False,
                "accept_multiple": True,
            }
        ags = _ags_claim(state, urls, tool, activity)
        if ags:
            claims[AGS_ENDPOINT] = ags
        claims.update({
            "aud": tool.client_id,
            "azp": tool.client_id,
            LTI + "deployment_id": tool.deployment_id,
            "exp": now + ID_TOKEN_LIFETIME,
            "iat": now,
            "iss": urls.issuer,
            "nonce": nonce,
            "sub": canvas_ids.lti_id(user.id),
            LTI + "target_link_uri": activity.url if activity else tool.target_link_uri,
            # Privacy level "public", as Kontor's developer key JSON asks.
            "picture": "http://canvas.instructure.com/images/messages/avatar-50.png",
            "email": user.email,
            "name": user.name,
            "given_name": user.given_name,
            "family_name": user.family_name,
            # No SIS ids in the demo course: Canvas sends the variable names literally.
            LTI + "lis": {"person_sourcedid": "$Person.sourcedId", "course_offering_sourcedid": "$CourseSection.sourcedId"},
            LTI + "context": {
                "id": context_id(state),
                "label": state.course.label,
                "title": state.course.title,
                "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
            },
            LTI + "tool_platform": tool_platform(),
            LTI + "launch_presentation": {
                "document_target": "iframe",
                "return_url": urls.external("pages.tool_return"),
                "locale": launch.locale,
            },
            "locale": launch.locale,
            LTI + "roles": role_uris(user),
        })
        custom = _custom_claim(state, tool, user, activity)
        if custom:
            claims[LTI + "custom"] = custom
        if SCOPE_NRPS in tool.scopes:
            claims[NRPS_SERVICE] = {"context_memberships_url": urls.memberships(state.course.id, tool.type_id),
                                    "service_versions": ["2.0"]}
        legacy = canvas_ids.opaque_id("user", user.id)
        claims[LTI + "lti11_legacy_user_id"] = legacy
        claims[LTI + "lti1p1"] = {"user_id": legacy}
        claims[PLACEMENT] = None if activity is not None else DEEP_LINKING_PLACEMENT
        return claims


def _ags_claim(state: PlatformState, urls: PlatformUrls, tool: Tool, activity: Activity | None) -> dict[str, Any]:
    scopes = [scope for scope in AGS_SCOPES if scope in tool.scopes]
    if not scopes:
        return {}
    claim: dict[str, Any] = {}
    if activity is not None and activity.line_item_id is not None:
        # Only an assignment launch (a link with a line item) names its line item.
        claim["lineitem"] = urls.lineitem(state.course.id, activity.line_item_id, tool.type_id)
    claim["scope"] = scopes
    claim["lineitems"] = urls.lineitems(state.course.id, tool.type_id)
    return claim


def _custom_claim(state: PlatformState, tool: Tool, user: User, activity: Activity | None) -> dict[str, str]:
    """The developer key's custom fields, then the link's, with Canvas's $ variables expanded;
    keys are kept as given and an unknown variable is sent literally."""
    fields = dict(tool.custom_parameters)
    if activity is not None and activity.custom_parameters:
        fields.update(custom_params.split_lines(activity.custom_parameters))
    variables = {
        "$Canvas.course.id": state.course.id,
        "$Canvas.user.id": user.id,
        "$Canvas.user.loginId": user.username,
        "$Canvas.api.domain": state.settings.root_url.split("://", 1)[-1].split("/", 1)[0],
        "$Person.name.full": user.name,
        "$Person.name.given": user.given_name,
        "$Person.name.family": user.family_name,
        "$Person.email.primary": user.email,
        "$Person.address.timezone": ACCOUNT_TIME_ZONE if user.timezone == SERVER_TIME_ZONE else user.timezone,
        "$Context.id": context_id(state),
        "$Context.title": state.course.title,
    }
    if activity is not None:
        variables["$Canvas.assignment.id"] = str(activity.instance_id)
        variables["$ResourceLink.id"] = canvas_ids.resource_link_id(activity.instance_id)
    return {key: variables.get(value, value) if value.startswith("$") else value for key, value in fields.items()}
