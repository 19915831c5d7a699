"""Times in the person's own time zone: the LMS substitutes timezone=$Person.address.timezone (the
custom parameter Kontor's registration asks for), the launch keeps the zone, and the launch's pages
show times in it. A German school's student saw a deadline of 15:30 as '14:30 UTC'. Values that name
no zone Kontor knows (Moodle's '99' for 'the server's zone', an unsubstituted variable, garbage, a
huge value) mean the configured zone, BABEL_DEFAULT_TIMEZONE, without an error."""
from pathlib import Path

import pytest
from sqlalchemy import select

from lms_module.attempts.models import LinkSettings
from lms_module.courses.models import LaunchSession, ResourceLink
from lms_module.extensions import db
from lms_module.library.services import import_path
from support.lti_forgery import DROP, begin_login, claims_for, post_launch

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
ALL_TYPES = Path(__file__).resolve().parents[2] / "unit" / "engine" / "fixtures" / "all_types.yaml"
# The activity closes at 14:30 UTC on a winter day: 15:30 in Berlin (MEZ/CET), 14:30 in London (GMT).
CLOSES = "2031-01-15T14:30:00+00:00"


def _activity_that_closes(live):
    """The seeded activity with a quiz and a closing date (the instructor's saved setting)."""
    with live.app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()
    live.lms.set_custom_parameters(2, {"quiz": "all-types"})
    with live.browser() as browser:
        assert live.launch(browser, user="3").status_code == 200  # records the activity
    with live.app.app_context():
        link = db.session.scalars(select(ResourceLink)).one()
        db.session.add(LinkSettings(resource_link_id=link.id, overrides={"close_at": CLOSES}))
        db.session.commit()


def _closes_on_start_page(live, user: str) -> tuple[str, str | None]:
    """The start page's closing time of `user`'s launch, and the zone kept with the launch."""
    with live.browser() as browser:
        page = live.launch(browser, user=user)
    assert page.status_code == 200, page.text[:300]
    text = page.text.split("<dt>Closes</dt><dd>", 1)[1] if "<dt>Closes</dt>" in page.text \
        else page.text.split("<dt>Schließt</dt><dd>", 1)[1]
    launch_id = page.url.split("/l/", 1)[1].split("/", 1)[0]
    with live.app.app_context():
        zone = db.session.get(LaunchSession, launch_id).time_zone
    return text.split("<", 1)[0].split(" –", 1)[0], zone


@pytest.mark.parametrize("lms_profile", ["moodle"])
def test_moodle_names_the_persons_zone_and_the_page_shows_its_time(live):
    _activity_that_closes(live)
    # Stefan (German) chose Europe/Berlin in his Moodle profile.
    assert _closes_on_start_page(live, "6") == ("15.01.2031, 15:30 MEZ", "Europe/Berlin")
    # Sara chose Europe/London.
    assert _closes_on_start_page(live, "5") == ("15 Jan 2031, 14:30 GMT", "Europe/London")
    # Sam keeps Moodle's default: '99', the server's zone, which Kontor cannot know: the configured one.
    assert _closes_on_start_page(live, "4") == ("15 Jan 2031, 14:30 UTC", None)


@pytest.mark.parametrize("lms_profile", ["canvas"])
def test_canvas_names_the_users_zone_else_the_accounts(live):
    _activity_that_closes(live)
    assert _closes_on_start_page(live, "5") == ("15 Jan 2031, 14:30 GMT", "Europe/London")
    # Sam chose no zone: Canvas sends the account's default zone (the demo account's: Europe/Berlin).
    assert _closes_on_start_page(live, "4") == ("15 Jan 2031, 15:30 CET", "Europe/Berlin")


def _forged_launch(live, custom) -> LaunchSession:
    """A launch whose custom claim is `custom` (DROP: none at all); it must be accepted."""
    with live.browser() as browser:
        state, nonce = begin_login(live, browser)
        changes = {LTI + "custom": custom}
        response = post_launch(browser, live, live.kit.sign_id_token(claims_for(live, nonce, **changes)), state)
        assert response.status_code == 302, response.text[:300]
    with live.app.app_context():
        return db.session.scalars(select(LaunchSession).order_by(LaunchSession.created_at.desc())).first()


@pytest.mark.parametrize("custom, zone", [
    ({"timezone": "Europe/Berlin"}, "Europe/Berlin"),
    ({"timezone": " America/Argentina/ComodRivadavia "}, "America/Argentina/ComodRivadavia"),
    ({"timezone": "UTC"}, "UTC"),
    ({"timezone": "99"}, None),  # Moodle: the server's zone
    ({"timezone": ""}, None),
    ({"timezone": "$Person.address.timezone"}, None),  # an LMS that does not know the variable
    ({"timezone": "Mars/Olympus_Mons"}, None),
    ({"timezone": "europe/berlin"}, None),  # not a zone's spelling
    ({"timezone": "../../../etc/passwd"}, None),
    ({"timezone": "Europe/Berlin" + " " * 60 + "x"}, None),
    ({"timezone": "x" * 20000}, None),
    ({"timezone": 99}, None),
    ({"timezone": {"name": "Europe/Berlin"}}, None),
    ({"quiz": "all-types"}, None),  # an LMS set up without the parameter
    (DROP, None),  # no custom claim at all
    ("Europe/Berlin", None),  # a custom claim that is no object
])
def test_only_a_known_zone_is_kept_with_the_launch(live, custom, zone):
    assert _forged_launch(live, custom).time_zone == zone


def test_the_zone_is_the_launchs_not_the_activitys(live):
    """The link's custom parameters are the activity's: a zone there would change with every
    launcher (and rewrite the link's row on every launch by someone in another zone)."""
    _forged_launch(live, {"quiz": "all-types", "timezone": "Europe/Berlin"})
    _forged_launch(live, {"quiz": "all-types", "timezone": "Europe/London"})
    with live.app.app_context():
        assert db.session.scalars(select(ResourceLink.custom)).one() == {"quiz": "all-types"}
        assert sorted(db.session.scalars(select(LaunchSession.time_zone))) == ["Europe/Berlin", "Europe/London"]
