"""Course rosters from the LMS (Names and Role Provisioning Services), refreshed by the worker.

Report pages call `refresh_if_stale(course_id, max_age)` (no network: it records the wish and
returns what is stored); workers call `refresh_due()`. See sync.py for the design.
"""
from .sync import (
    RefreshResult,
    RosterSettings,
    RosterStatus,
    refresh_course,
    refresh_due,
    refresh_if_stale,
    request_refresh,
)

__all__ = [
    "RefreshResult",
    "RosterSettings",
    "RosterStatus",
    "refresh_course",
    "refresh_due",
    "refresh_if_stale",
    "request_refresh",
]
