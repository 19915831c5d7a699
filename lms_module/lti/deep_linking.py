"""The LtiDeepLinkingResponse, built and signed by pylti1p3 with Kontor's key."""
from __future__ import annotations

from dataclasses import dataclass

from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from ..extensions import db
from ..courses.models import LaunchSession
from .models import Platform
from .tool_config import to_registration


@dataclass(frozen=True)
class ContentItem:
    title: str
    text: str
    url: str
    custom: dict[str, str]
    # For graded activities: the line item the platform should create with the link.
    score_maximum: float | None = None
    resource_id: str = ""
    tag: str = ""


class _ResourceWithText(DeepLinkResource):
    """pylti1p3's resource link plus the spec's optional `text` (shown by the LMS as a description)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def to_dict(self):
        data = super().to_dict()
        if self._text:
            data["text"] = self._text
        return data


def response_jwt(launch: LaunchSession, items: list[ContentItem]) -> tuple[str, str]:
    """(signed JWT, return URL) answering the deep linking request of `launch`."""
    settings = launch.deep_linking or {}
    platform = db.session.get(Platform, launch.platform_id)
    resources = []
    for item in items:
        resource = (
            _ResourceWithText(item.text)
            .set_title(item.title)
            .set_url(item.url)
            .set_custom_params(item.custom)
        )
        if item.score_maximum is not None:
            resource.set_lineitem(
                LineItem()
                .set_score_maximum(item.score_maximum)
                .set_label(item.title)
                .set_resource_id(item.resource_id)
                .set_tag(item.tag)
            )
        resources.append(resource)
    deep_link = DeepLink(to_registration(platform), launch.deployment_id, settings)
    return deep_link.get_response_jwt(resources), settings["deep_link_return_url"]
