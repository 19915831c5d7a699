"""The one time label (web/template_helpers.datetime_label) is formatted once per time, language
and time zone: a question page shows the attempt's deadline on every page."""
from datetime import datetime, timezone

from flask import render_template_string
from flask_babel import force_locale

from lms_module.web import template_helpers, time_zone
from support.apps import make_app

DEADLINE = datetime(2026, 12, 6, 9, 45, tzinfo=timezone.utc)


def label(app, locale, value=DEADLINE):
    with app.test_request_context("/"), force_locale(locale):
        return render_template_string("{{ datetime_text(t) }}", t=value)


def test_each_language_and_zone_gets_its_own_label_formatted_once(database_url, tmp_path, monkeypatch):
    formats = []
    real = time_zone.format_datetime  # the zone's name (web.time_zone.zone_name, shared with the forms)
    monkeypatch.setattr(time_zone, "format_datetime", lambda *a, **k: formats.append(a) or real(*a, **k))
    template_helpers._datetime_label.cache_clear()
    utc = make_app(database_url, tmp_path / "utc")
    berlin = make_app(database_url, tmp_path / "berlin", BABEL_DEFAULT_TIMEZONE="Europe/Berlin")
    assert [label(utc, "de") for _ in range(3)] == ["06.12.2026, 09:45 UTC"] * 3
    assert len(formats) == 1  # the zone's name: formatted the first time only
    # English in en_GB's formats, as the engine's review dates ('9 Nov 2026'): one style per language.
    assert label(utc, "en") == "6 Dec 2026, 09:45 UTC"
    assert label(berlin, "de") == "06.12.2026, 10:45 MEZ"
    assert label(berlin, "en") == "6 Dec 2026, 10:45 CET"
    assert label(utc, "de", datetime(2026, 12, 6, 10, 45, tzinfo=timezone.utc)) == "06.12.2026, 10:45 UTC"
    assert label(utc, "de", None) == "–"


def test_a_zone_without_a_short_name_is_named_by_its_id_or_its_offset(database_url, tmp_path):
    """A zone a person's LMS may name (docs/lti.md) without an abbreviation in the language: its id
    says where; an Etc/ id would say the opposite of its offset (Etc/GMT+5 is UTC-5), so the offset."""
    new_york = make_app(database_url, tmp_path / "ny", BABEL_DEFAULT_TIMEZONE="America/New_York")
    assert label(new_york, "de") == "06.12.2026, 04:45 America/New_York"
    etc = make_app(database_url, tmp_path / "etc", BABEL_DEFAULT_TIMEZONE="Etc/GMT+5")
    assert label(etc, "de") == "06.12.2026, 04:45 GMT-05:00"
    assert label(etc, "en") == "6 Dec 2026, 04:45 GMT-05:00"


def test_an_alias_of_an_etc_zone_is_named_by_its_offset_too(database_url, tmp_path):
    """GMT, GMT0 and Greenwich are zones a launch may name (pytz knows them): German has no short
    name for them, and their canonical id is Etc/GMT, which a German page showed as the zone. They
    read as Etc/GMT itself does."""
    for alias in ("Etc/GMT", "GMT", "GMT0", "Greenwich"):
        app = make_app(database_url, tmp_path / alias.replace("/", "-"), BABEL_DEFAULT_TIMEZONE=alias)
        assert label(app, "de") == "06.12.2026, 09:45 GMT+00:00", alias
        assert label(app, "en") == "6 Dec 2026, 09:45 GMT", alias


def test_a_date_fields_label_names_a_zone_without_a_name_for_all_year_by_its_id(database_url, tmp_path):
    """A date field's label names the zone by its name for all year; a zone the languages' data
    gives none (EST5EDT, which a launch may name) read 'world (EST5EDT) Time', 'Welt (EST5EDT)
    (Ortszeit)'. Its id names it for all year; a named zone and an Etc zone read as before."""
    for zone, names in (("EST5EDT", {"de": "EST5EDT", "en": "EST5EDT"}),
                        ("Europe/Berlin", {"de": "Mitteleuropäische Zeit", "en": "Central European Time"}),
                        ("Etc/GMT+5", {"de": "GMT-05:00", "en": "GMT-05:00"})):
        app = make_app(database_url, tmp_path / zone.replace("/", "-"), BABEL_DEFAULT_TIMEZONE=zone)
        for locale, name in names.items():
            with app.test_request_context("/"), force_locale(locale):
                assert time_zone.field_zone_name() == name, (zone, locale)
