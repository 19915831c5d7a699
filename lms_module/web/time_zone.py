"""How the page's time zone is named (the time labels and the forms' date fields say the same), and
what a form says about a time the zone does not have."""
from __future__ import annotations

from datetime import datetime, timezone

from babel.core import get_global
from babel.dates import format_datetime
from flask_babel import get_locale, to_user_timezone
from flask_babel import lazy_gettext as _l

from ..engine.display import babel_locale

# courses.time_zone.moment_from_local refuses a wall time the zone skips; every date field says this.
NONEXISTENT_LOCAL_TIME = _l("This time does not exist in your time zone: it is skipped when the clocks "
                            "are put forward that night. Please enter another time.")


def zone_name(local: datetime, formats: str) -> str:
    """The zone of `local` (an aware time in its zone) as the language names it at that time: MEZ or
    MESZ, CET, GMT, UTC; a zone without a short name by its id (America/New_York says where), except
    Etc/GMT+5, whose POSIX sign is the offset's opposite (UTC-5): that one by its offset, GMT-05:00."""
    name = format_datetime(local, "z", locale=formats)
    if not name.isalpha():
        name = format_datetime(local, "VV", locale=formats)
        # Judged by the canonical id Babel names, not by the id the launch gave: the aliases GMT,
        # GMT0, Greenwich (pytz's and so launch_time_zone's) read 'Etc/GMT' in German.
        if name.startswith("Etc/"):
            name = format_datetime(local, "ZZZZ", locale=formats)
    return name


def field_zone_name() -> str:
    """The page's zone (web.locale.select_timezone) as a date field's label names it: by the name it
    has all year ('Mitteleuropäische Zeit', 'Central European Time', 'Eastern Time'). A field takes a
    date in either season, so the season's name misled: the label said MESZ, taken from the stored
    summer date, while a winter date was typed (and converted, rightly, as MEZ). UTC and the Etc
    zones, which have no such name, are named as zone_name names them."""
    local = to_user_timezone(datetime.now(timezone.utc))
    formats = babel_locale(str(get_locale()))
    canonical = format_datetime(local, "VV", locale=formats)
    if canonical.startswith("Etc/"):
        return zone_name(local, formats)
    if canonical not in get_global("meta_zones"):
        # No name for all year in the languages' data (EST5EDT, CST6CDT, which pytz and so a launch
        # know): the generic format made 'world (EST5EDT) Time', 'Welt (EST5EDT) (Ortszeit)'. Its
        # id names it for all year.
        return canonical
    return format_datetime(local, "vvvv", locale=formats)
