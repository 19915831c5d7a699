"""Access to the emulator's per-app objects from inside a request."""

from __future__ import annotations

from flask import current_app

from .state import PlatformState
from .tool_jwt import ToolKeyCache
from .urls import PlatformUrls

STATE_KEY = "demo_lms"
URLS_KEY = "demo_lms.urls"
TOOL_KEYS_KEY = "demo_lms.tool_keys"


def platform_state() -> PlatformState:
    return current_app.extensions[STATE_KEY]


def platform_urls() -> PlatformUrls:
    return current_app.extensions[URLS_KEY]


def tool_keys() -> ToolKeyCache:
    return current_app.extensions[TOOL_KEYS_KEY]
