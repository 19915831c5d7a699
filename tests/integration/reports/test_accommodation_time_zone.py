"""A student's own closing date is read in the page's zone by the same rules as the activity's
(courses.time_zone.moment_from_local): a time the zone skips is refused at the field, a doubled one
is the first, and the pre-filled value saved unchanged keeps the stored moment."""
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from lms_module.attempts.models import Accommodation
from lms_module.courses.models import LaunchSession
from lms_module.extensions import db
from support.apps import csrf_from


@pytest.fixture
def berlin(app, teacher):
    def _make(locale_launch=None):
        launch = locale_launch or teacher
        with app.app_context():
            db.session.get(LaunchSession, launch).time_zone = "Europe/Berlin"
            db.session.commit()
        return launch
    return _make


def _post(client, launch, user, close_at):
    form = client.get(f"/l/{launch}/reports/students/{user}").get_data(as_text=True)
    return client.post(f"/l/{launch}/reports/students/{user}/accommodation",
                       data={"csrf_token": csrf_from(form), "extra_attempts": "1", "extra_minutes": "0",
                             "close_at": close_at})


def _stored(app):
    with app.app_context():
        return db.session.scalars(select(Accommodation.close_at)).one_or_none()


def _close_at_tag(page):
    return next(t for t in re.findall(r"<input[^>]*>", page) if 'id="close-at"' in t)


def test_the_form_names_the_zone_by_its_name_for_all_year(app, client, berlin, student):
    tim = student("tim")
    launch = berlin()
    page = client.get(f"/l/{launch}/reports/students/{tim}").get_data(as_text=True)
    assert "Own closing date (time zone Central European Time)" in page  # not CET or CEST: either season is typed


@pytest.mark.parametrize("locale, message", [
    ("en", "This time does not exist in your time zone"),
    ("de", "Diese Uhrzeit gibt es in Ihrer Zeitzone nicht"),
])
def test_a_skipped_time_is_refused_at_the_field(app, client, make_launch, berlin, student, locale, message):
    tim = student("tim")
    launch = berlin(make_launch("instructor", user_sub="teacher", locale=locale))
    response = _post(client, launch, tim, "2027-03-28T02:30")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'id="close-at-error"[^>]*>' + re.escape(message), page)
    assert 'aria-invalid="true"' in _close_at_tag(page) and 'value="2027-03-28T02:30"' in _close_at_tag(page)
    assert _stored(app) is None


def test_a_doubled_time_is_the_first_and_an_unchanged_save_keeps_the_second(app, client, berlin, student):
    tim = student("tim")
    launch = berlin()
    assert _post(client, launch, tim, "2027-10-31T02:30").status_code == 302
    assert _stored(app) == datetime(2027, 10, 31, 0, 30, tzinfo=timezone.utc)
    with app.app_context():  # the second 02:30 (winter time), as another zone's instructor may have set it
        db.session.scalars(select(Accommodation)).one().close_at = datetime(2027, 10, 31, 1, 30, tzinfo=timezone.utc)
        db.session.commit()
    page = client.get(f"/l/{launch}/reports/students/{tim}").get_data(as_text=True)
    assert 'value="2027-10-31T02:30"' in _close_at_tag(page)
    assert _post(client, launch, tim, "2027-10-31T02:30").status_code == 302
    assert _stored(app) == datetime(2027, 10, 31, 1, 30, tzinfo=timezone.utc)
