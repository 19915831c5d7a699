"""The small, frozen view of a launch that the rest of Kontor works with (it never sees LTI claims)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LaunchContext:
    launch_id: str
    platform_id: int
    user_id: int
    course_id: int | None
    resource_link_id: int | None
    role: str  # roles.STUDENT or roles.INSTRUCTOR
    locale: str
    message_type: str
    quiz_slug: str | None

    @property
    def is_instructor(self) -> bool:
        return self.role == "instructor"

    @property
    def is_deep_linking(self) -> bool:
        return self.message_type == "LtiDeepLinkingRequest"
