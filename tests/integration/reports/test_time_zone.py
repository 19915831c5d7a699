"""Times are shown in the locale's format with their time zone named (issue 13: '12/6/26, 2:31 AM'
said nothing about the zone while the forms said UTC), by one helper: the configured zone
(BABEL_DEFAULT_TIMEZONE), else UTC."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from lms_module.attempts.models import Attempt
from lms_module.extensions import db
from support.apps import make_app

RIGHT = {"choice": "a"}
SUBMITTED = datetime(2026, 12, 6, 2, 31, tzinfo=timezone.utc)


def _submitted_at_fixed(app, public_id):
    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == public_id)).one()
        attempt.submitted_at = SUBMITTED
        db.session.commit()


@pytest.mark.parametrize("locale, shown", [("de", "06.12.2026, 02:31 UTC"), ("en", "6 Dec 2026, 02:31 UTC")])
def test_times_name_their_zone(app, client, make_launch, teacher, student, attempt_for, locale, shown):
    public_id = attempt_for(student("tim", name="Tim Taler"), {"q1": RIGHT, "q2": RIGHT, "q3": RIGHT})
    _submitted_at_fixed(app, public_id)
    launch = make_launch("instructor", user_sub="teacher", locale=locale)
    page = client.get(f"/l/{launch}/reports/attempts/{public_id}").get_data(as_text=True)
    assert shown in page


def test_a_configured_zone_is_used_and_named(database_url, tmp_path):
    from flask import render_template_string
    from flask_babel import force_locale

    app = make_app(database_url, tmp_path, BABEL_DEFAULT_TIMEZONE="Europe/Berlin")
    with app.test_request_context("/"), force_locale("de"):
        assert render_template_string("{{ datetime_text(t) }}", t=SUBMITTED) == "06.12.2026, 03:31 MEZ"
    with app.test_request_context("/"), force_locale("en"):
        assert render_template_string("{{ datetime_text(t) }}", t=SUBMITTED) == "6 Dec 2026, 03:31 CET"


def test_an_instructor_whose_lms_names_berlin_reads_and_enters_times_in_berlin_time(
        app, client, make_launch, teacher, student, attempt_for):
    """The launch's own zone (lti_launch.time_zone, from the LMS's $Person.address.timezone) is the
    page's: the report shows the stored UTC time in Berlin time, and the accommodation's closing
    date is read in it (the form names the zone)."""
    from lms_module.attempts.models import Accommodation
    from lms_module.courses.models import LaunchSession
    from support.apps import csrf_from

    tim = student("tim", name="Tim Taler")
    public_id = attempt_for(tim, {"q1": RIGHT, "q2": RIGHT, "q3": RIGHT})
    _submitted_at_fixed(app, public_id)
    with app.app_context():
        db.session.get(LaunchSession, teacher).time_zone = "Europe/Berlin"
        db.session.commit()
    page = client.get(f"/l/{teacher}/reports/attempts/{public_id}").get_data(as_text=True)
    assert "6 Dec 2026, 03:31 CET" in page and "02:31" not in page
    form = client.get(f"/l/{teacher}/reports/students/{tim}").get_data(as_text=True)
    assert "time zone Central European Time" in form  # by its name for all year (web.time_zone)
    response = client.post(f"/l/{teacher}/reports/students/{tim}/accommodation",
                           data={"csrf_token": csrf_from(form), "extra_attempts": "0", "extra_minutes": "0",
                                 "close_at": "2031-01-15T15:30"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Accommodation.close_at)).one().isoformat() == "2031-01-15T14:30:00+00:00"
    saved = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="2031-01-15T15:30"' in saved


def test_a_kept_zone_that_pytz_no_longer_knows_falls_back_to_the_configured_one(
        app, client, teacher, student, attempt_for):
    """A launch keeps its zone by name (lti_launch.time_zone). An update of pytz that drops a name
    (as 2020's dropped US/Pacific-New) left running launches with a zone Flask-Babel cannot load:
    every page of such a launch was a 500 until the person launched again. It reads in the
    configured zone instead."""
    from lms_module.courses.models import LaunchSession

    public_id = attempt_for(student("tim", name="Tim Taler"), {"q1": RIGHT, "q2": RIGHT, "q3": RIGHT})
    _submitted_at_fixed(app, public_id)
    with app.app_context():
        db.session.get(LaunchSession, teacher).time_zone = "US/Pacific-New"
        db.session.commit()
    response = client.get(f"/l/{teacher}/reports/attempts/{public_id}")
    assert response.status_code == 200
    assert "6 Dec 2026, 02:31 UTC" in response.get_data(as_text=True)
