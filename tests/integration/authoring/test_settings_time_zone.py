"""The activity settings form reads and pre-fills its closing date in the page's time zone (the one
the launch's LMS names, else BABEL_DEFAULT_TIMEZONE) and stores it in UTC, as the accommodation
form does: an instructor in Berlin types the deadline as she reads it on every report."""
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from lms_module.attempts.models import LinkSettings
from lms_module.courses.models import LaunchSession
from lms_module.extensions import db
from lms_module.library.services import import_path
from support.apps import csrf_from

ALL_TYPES = Path(__file__).resolve().parents[2] / "unit" / "engine" / "fixtures" / "all_types.yaml"
EMPTY = {"attempts": "", "time_limit_minutes": "", "feedback": "", "mode": "", "graded": "", "grading": "",
         "pass_mark_percent": "", "layout": ""}


@pytest.fixture
def library(app):
    with app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()


@pytest.fixture
def instructor(app, make_launch, library):
    """Factory: an instructor's launch of the all-types activity, in `zone` (None: the LMS named none)."""
    def _make(zone=None, locale="en"):
        launch = make_launch("instructor", quiz_slug="all-types", locale=locale)
        with app.app_context():
            db.session.get(LaunchSession, launch).time_zone = zone
            db.session.commit()
        return launch
    return _make


def _save(client, launch, close_at, **fields):
    page = client.get(f"/l/{launch}/instructor").get_data(as_text=True)
    return client.post(f"/l/{launch}/instructor/settings",
                       data={**EMPTY, "csrf_token": csrf_from(page), "close_at": close_at, **fields})


def _stored_close_at(app):
    with app.app_context():
        row = db.session.scalars(select(LinkSettings)).one_or_none()
        return (row.overrides if row else {}).get("close_at")


def _store_close_at(app, value):
    with app.app_context():
        row = db.session.scalars(select(LinkSettings)).one_or_none()
        if row is None:
            from lms_module.courses.models import ResourceLink
            row = LinkSettings(resource_link_id=db.session.scalars(select(ResourceLink.id)).one(), overrides={})
            db.session.add(row)
        row.overrides = {**row.overrides, "close_at": value}
        db.session.commit()


def _close_at_field(page: str) -> str:
    tag = next(t for t in re.findall(r"<input[^>]*>", page) if 'name="close_at"' in t)
    found = re.search(r'value="([^"]*)"', tag)
    return found.group(1) if found else ""


def _close_at_label(page: str) -> str:
    return re.search(r'<label for="close_at">([^<]*)</label>', page).group(1)


# The label is the same in both seasons: it named the stored date's season (CEST after a summer
# date was saved), which misled whoever then typed a winter date.
@pytest.mark.parametrize("typed, stored, zone_name", [
    ("2031-01-15T15:30", "2031-01-15T14:30:00+00:00", "Central European Time"),  # winter: UTC+1
    ("2031-07-15T15:30", "2031-07-15T13:30:00+00:00", "Central European Time"),  # summer: UTC+2
])
def test_berlin_instructor_enters_and_reads_the_closing_date_in_berlin_time(
        app, client, instructor, typed, stored, zone_name):
    launch = instructor("Europe/Berlin")
    assert _save(client, launch, typed).status_code == 302
    assert _stored_close_at(app) == stored
    page = client.get(f"/l/{launch}/instructor").get_data(as_text=True)
    assert _close_at_field(page) == typed
    assert _close_at_label(page) == f"Closes at ({zone_name})"
    assert "(UTC)" not in page


def test_the_label_names_the_zone_in_german(app, client, instructor):
    launch = instructor("Europe/Berlin", locale="de")
    assert _save(client, launch, "2031-01-15T15:30").status_code == 302
    page = client.get(f"/l/{launch}/instructor").get_data(as_text=True)
    assert _close_at_label(page) == "Schließt am (Mitteleuropäische Zeit)"


def test_a_launch_without_a_zone_keeps_utc(app, client, instructor):
    launch = instructor(None)
    assert _save(client, launch, "2031-01-15T15:30").status_code == 302
    assert _stored_close_at(app) == "2031-01-15T15:30:00+00:00"
    page = client.get(f"/l/{launch}/instructor").get_data(as_text=True)
    assert _close_at_field(page) == "2031-01-15T15:30"
    assert _close_at_label(page) == "Closes at (UTC)"


@pytest.mark.parametrize("locale, message", [
    ("en", "This time does not exist in your time zone"),
    ("de", "Diese Uhrzeit gibt es in Ihrer Zeitzone nicht, weil die Uhr in dieser Nacht vorgestellt wird."),
])
def test_a_time_skipped_in_spring_is_refused_at_the_field(app, client, instructor, locale, message):
    """02:30 on 28 March 2027 does not happen in Berlin (02:00 becomes 03:00): refused, not guessed."""
    launch = instructor("Europe/Berlin", locale=locale)
    response = _save(client, launch, "2027-03-28T02:30", attempts="3")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'<p class="form-error" id="close_at-error" role="alert">' + re.escape(message), page)
    assert 'aria-invalid="true"' in next(t for t in re.findall(r"<input[^>]*>", page) if 'name="close_at"' in t)
    assert _stored_close_at(app) is None
    with app.app_context():
        assert db.session.scalars(select(LinkSettings)).one_or_none() is None  # nothing saved
    # The hour around it exists: 01:59 is UTC+1, 03:00 UTC+2.
    assert _save(client, launch, "2027-03-28T03:00").status_code == 302
    assert _stored_close_at(app) == "2027-03-28T01:00:00+00:00"


def test_a_time_doubled_in_autumn_is_the_first_of_the_two(app, client, instructor):
    """02:30 on 31 October 2027 happens twice in Berlin (at 00:30 and 01:30 UTC): the first, summer time."""
    launch = instructor("Europe/Berlin")
    assert _save(client, launch, "2027-10-31T02:30").status_code == 302
    assert _stored_close_at(app) == "2027-10-31T00:30:00+00:00"


@pytest.mark.parametrize("zone, stored, shown", [
    ("Europe/Berlin", "2031-01-15T14:30:00+00:00", "2031-01-15T15:30"),
    ("Europe/Berlin", "2031-07-15T13:30:00+00:00", "2031-07-15T15:30"),
    # The second 02:30 of the autumn night (winter time): saved unchanged it stays the second.
    ("Europe/Berlin", "2027-10-31T01:30:00+00:00", "2027-10-31T02:30"),
    # Seconds the form does not show (an older or imported setting) are not cut off by a save.
    ("Europe/Berlin", "2031-01-15T14:30:45+00:00", "2031-01-15T15:30"),
    (None, "2031-01-15T14:30:00+00:00", "2031-01-15T14:30"),
])
def test_saving_the_form_unchanged_keeps_the_stored_closing_date(app, client, instructor, zone, stored, shown):
    launch = instructor(zone)
    _store_close_at(app, stored)
    page = client.get(f"/l/{launch}/instructor").get_data(as_text=True)
    assert _close_at_field(page) == shown
    assert _save(client, launch, _close_at_field(page)).status_code == 302
    assert _stored_close_at(app) == stored
    # A changed date is read anew: one minute later is 14:31 / 13:31 UTC etc.
    later = shown[:-1] + str(int(shown[-1]) + 1)
    assert _save(client, launch, later).status_code == 302
    assert _stored_close_at(app) != stored
