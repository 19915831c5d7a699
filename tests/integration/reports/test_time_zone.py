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
