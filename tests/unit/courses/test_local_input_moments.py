"""courses.time_zone: the one conversion between a date typed into a form (a wall time in the page's
zone) and the stored UTC moment, with pytz zones (Flask-Babel's) and zoneinfo zones alike."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import pytz

from lms_module.courses.time_zone import NonexistentLocalTime, local_input_value, moment_from_local

ZONES = [pytz.timezone("Europe/Berlin"), ZoneInfo("Europe/Berlin")]


def _utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.mark.parametrize("zone", ZONES, ids=["pytz", "zoneinfo"])
@pytest.mark.parametrize("wall, moment", [
    (datetime(2031, 1, 15, 15, 30), _utc(2031, 1, 15, 14, 30)),
    (datetime(2031, 7, 15, 15, 30), _utc(2031, 7, 15, 13, 30)),
    (datetime(2027, 3, 28, 1, 59), _utc(2027, 3, 28, 0, 59)),   # the last minute before the clocks go forward
    (datetime(2027, 3, 28, 3, 0), _utc(2027, 3, 28, 1, 0)),     # the first after
    (datetime(2027, 10, 31, 2, 30), _utc(2027, 10, 31, 0, 30)),  # twice that night: the first
    (datetime(2027, 10, 31, 3, 0), _utc(2027, 10, 31, 2, 0)),
])
def test_a_wall_time_in_berlin_is_its_utc_moment(zone, wall, moment):
    assert moment_from_local(wall, zone) == moment
    if wall != datetime(2027, 10, 31, 2, 30):
        assert local_input_value(moment, zone) == wall.strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize("zone", ZONES, ids=["pytz", "zoneinfo"])
@pytest.mark.parametrize("minute", [0, 30, 59])
def test_a_skipped_wall_time_is_refused(zone, minute):
    with pytest.raises(NonexistentLocalTime):
        moment_from_local(datetime(2027, 3, 28, 2, minute), zone)


@pytest.mark.parametrize("zone", ZONES, ids=["pytz", "zoneinfo"])
@pytest.mark.parametrize("stored", [_utc(2027, 10, 31, 1, 30), _utc(2031, 1, 15, 14, 30, 45), _utc(2031, 7, 15, 13, 30)])
def test_the_pre_filled_value_keeps_the_stored_moment(zone, stored):
    shown = datetime.fromisoformat(local_input_value(stored, zone))
    assert moment_from_local(shown, zone, unchanged=stored) == stored


def test_utc_is_the_wall_time_itself():
    assert moment_from_local(datetime(2027, 3, 28, 2, 30), pytz.utc) == _utc(2027, 3, 28, 2, 30)
