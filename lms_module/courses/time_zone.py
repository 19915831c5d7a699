"""The time zone a person's pages show times in: the one their LMS names, if Kontor knows it."""
from __future__ import annotations

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
