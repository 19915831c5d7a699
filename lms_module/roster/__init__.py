"""Course rosters from the LMS (Names and Role Provisioning Services), refreshed by the worker.

Report pages call `refresh_if_stale(course_id, max_age)` (no network: it records the wish in the
database and returns what is stored); workers claim and call `refresh_due()`. See sync.py.
"""
from . import models  # noqa: F401  (the roster_refresh table is known to the metadata)
from .sync import (
    RefreshResult,
    RosterSettings,
    RosterStatus,
    fetch_first_roster,
    refresh_course,
    refresh_due,
    refresh_if_stale,
    request_refresh,
)

__all__ = [
    "RefreshResult",
    "RosterSettings",
    "RosterStatus",
    "fetch_first_roster",
    "refresh_course",
    "refresh_due",
    "refresh_if_stale",
    "request_refresh",
]
