"""The time zone a person's pages show times in: the one their LMS names, if Kontor knows it."""
from __future__ import annotations

from datetime import datetime, timezone, tzinfo

from pytz import all_timezones_set

# The longest IANA name is 32 characters (America/Argentina/ComodRivadavia); anything much longer
# is not a zone and is not looked at further.
MAX_TIME_ZONE_CHARS = 64


def launch_time_zone(value) -> str | None:
    """The IANA zone `value` names (e.g. 'Europe/Berlin'), or None for the configured default.

    What an LMS sends for the custom parameter timezone=$Person.address.timezone: Canvas the
    user's IANA name (the account's when the user set none); Moodle the user's profile value, which
    is '99' for 'the server's time zone' (Moodle knows which zone that is, Kontor does not); an LMS
    that does not know the variable sends it literally. Only a zone in the database that Flask-Babel
    reads (pytz) is kept, spelled as there; every other value means the default, without an error."""
    if not isinstance(value, str):
        return None
    name = value.strip()
    if not name or len(name) > MAX_TIME_ZONE_CHARS or name not in all_timezones_set:
        return None
    return name


# --- dates typed into a form ---------------------------------------------------------------------
# Every date an instructor types (an activity's closing date, a student's own closing date) is a
# wall time in the page's zone (Flask-Babel's get_timezone(): the launch's, else
# BABEL_DEFAULT_TIMEZONE); it is stored as the moment in UTC and shown back in the same zone. These
# two functions are the only conversion between the two, so a date reads the same on every form.

LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows


class NonexistentLocalTime(ValueError):
    """A wall time that the zone skips (02:30 on the night the clocks go forward in Berlin)."""


def local_input_value(moment: datetime, zone: tzinfo) -> str:
    """`moment` (aware) as a datetime-local value in `zone`: '2031-01-15T15:30'."""
    return moment.astimezone(zone).strftime(LOCAL_INPUT_FORMAT)


def moment_from_local(wall: datetime, zone: tzinfo, unchanged: datetime | None = None) -> datetime:
    """The moment (aware, UTC) that the wall time `wall` (naive) in `zone` names.

    - A time the zone skips when the clocks go forward (Europe/Berlin, 28 March 2027, 02:00 to
      02:59) names no moment: NonexistentLocalTime, which the form shows at the field.
    - A time the zone has twice when the clocks go back (Europe/Berlin, 31 October 2027, 02:00 to
      02:59) names the first of the two (summer time, as Python's fold=0): the earlier deadline.
    - `unchanged`, the moment stored before: when `wall` is what the form pre-filled for it, that
      moment is kept, so saving a form without changes never moves a stored time (not by the
      seconds the form does not show, nor to the other of two ambiguous hours)."""
    if wall.tzinfo is not None:
        return wall.astimezone(timezone.utc)
    if unchanged is not None and local_input_value(unchanged, zone) == wall.strftime(LOCAL_INPUT_FORMAT):
        return unchanged.astimezone(timezone.utc)
    candidates = {_wall_in(wall, zone, fold) for fold in (0, 1)}
    # Keep only the readings that show `wall` again in the zone: in a skipped hour none does.
    real = [moment for moment in candidates
            if moment.astimezone(zone).replace(tzinfo=None) == wall]
    if not real:
        raise NonexistentLocalTime(wall.isoformat())
    return min(real)


def _wall_in(wall: datetime, zone: tzinfo, fold: int) -> datetime:
    localize = getattr(zone, "localize", None)  # pytz zones (Flask-Babel's); zoneinfo takes tzinfo
    if localize is not None:
        return zone.normalize(localize(wall, is_dst=not fold)).astimezone(timezone.utc)
    return wall.replace(tzinfo=zone, fold=fold).astimezone(timezone.utc)
