"""Unusual but valid launches: role spellings, no personal data, no context, Canvas quirks."""
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import select

from lms_module.extensions import db
from lms_module.courses.models import Course, LaunchSession, Membership, User
from lms_module.lti.models import OidcLogin, Platform
from support.lti_forgery import DROP, begin_login, claims_for, post_launch

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
M = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
I = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"


def launch_with(live, **changes):
    with live.browser() as browser:
        state, nonce = begin_login(live, browser)
        response = post_launch(browser, live, live.kit.sign_id_token(claims_for(live, nonce, **changes)), state)
        assert response.status_code == 302, response.text[:300]
        landing = browser.session.get(live.url + response.headers["Location"] if response.headers["Location"].startswith("/") else response.headers["Location"])
    with live.app.app_context():
        launch = db.session.scalars(select(LaunchSession)).one()
        return landing, launch.role, db.session.get(User, launch.user_id)


@pytest.mark.parametrize(
    "roles, role",
    [
        (["Instructor"], "instructor"),
        (["Learner"], "student"),
        ([], "student"),
        (["http://example.com/unknown"], "student"),
        ([I + "Instructor", I + "Administrator", M + "Learner"], "student"),  # Canvas: staff elsewhere, student here
        ([M + "Instructor#TeachingAssistant"], "instructor"),
    ],
)
def test_role_spellings(live, roles, role):
    _, got, _ = launch_with(live, **{LTI + "roles": roles})
    assert got == role


def test_no_personal_data_at_all(live):
    landing, role, user = launch_with(live, name=DROP, given_name=DROP, family_name=DROP, email=DROP)
    assert landing.status_code == 200
    assert (user.name, user.email) == (None, None)


def test_email_only_and_names_only(live):
    _, _, user = launch_with(live, name=DROP, given_name=DROP, family_name=DROP)
    assert user.name is None and user.email.endswith("@example.com")


def test_no_context(live):
    landing, role, user = launch_with(live, **{LTI + "context": DROP})
    assert landing.status_code == 200
    with live.app.app_context():
        assert db.session.scalars(select(Course)).all() == []
        assert db.session.scalars(select(Membership)).all() == []


def test_launch_locale_picks_the_language(live):
    landing, _, _ = launch_with(live, **{LTI + "launch_presentation": {"locale": "de-DE", "document_target": "iframe"}})
    assert '<html lang="de">' in landing.text


def test_quiz_custom_parameter_is_stored(live):
    with live.browser() as browser:
        state, nonce = begin_login(live, browser)
        claims = claims_for(live, nonce)
        claims[LTI + "custom"] = {"quiz": "accuracy-practice", "context_memberships_url": "x"}
        response = post_launch(browser, live, live.kit.sign_id_token(claims), state)
    assert response.status_code == 302
    from lms_module.courses.models import ResourceLink

    with live.app.app_context():
        assert db.session.scalars(select(ResourceLink)).one().quiz_slug == "accuracy-practice"


def test_login_keeps_a_query_string_in_the_platforms_auth_url(live):
    """pylti1p3 2.0.0 appended '?…' to an auth URL that already had one; pylti1p3next fixes it."""
    with live.app.app_context():
        platform = db.session.scalars(select(Platform)).one()
        platform.auth_login_url = live.lms_url + "/auth?tenant=school-a"
        db.session.commit()
    with live.browser() as browser:
        response = browser.session.post(live.url + "/lti/login", allow_redirects=False, cookies={"seen": "1"}, data={
            "iss": live.kit.issuer, "login_hint": "4", "target_link_uri": live.url + "/lti/launch",
            "client_id": live.lms.settings.client_id, "lti_message_hint": "{}"})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    params = dict(parse_qsl(location.query))
    assert location.path.endswith("/auth") and params["tenant"] == "school-a"
    assert params["response_type"] == "id_token" and params["prompt"] == "none"


@pytest.mark.parametrize("spelling", ["upper-case scheme and host", "trailing dot", "default port"])
def test_the_tools_own_launch_url_is_recognised_however_the_lms_spells_it(live, spelling):
    """The target must be Kontor's own origin, compared as an origin (scheme and host in any case, a
    trailing dot, the default port written out), not as text: an administrator who typed
    HTTPS://Kontor.Example.edu into the LMS got 'foreign target' for every launch."""
    target = {"upper-case scheme and host": "HTTP://Kontor.Example/lti/launch",
              "trailing dot": "http://kontor.example./lti/launch",
              "default port": "http://kontor.example:80/lti/launch"}[spelling]
    base_url = "http://kontor.example"  # where the LMS's browser reached Kontor
    response = live.app.test_client().post("/lti/login", base_url=base_url, data={
        "iss": live.kit.issuer, "login_hint": "4", "target_link_uri": target,
        "client_id": live.lms.settings.client_id})
    # Accepted: a first login without cookies gets the cookie check, which then goes on to the LMS.
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert "foreign_target_link_uri" not in response.get_data(as_text=True)
    with live.app.app_context():
        assert len(db.session.scalars(select(OidcLogin)).all()) == 1


@pytest.mark.parametrize("size, accepted", [(3_000, True), (20_000, False)])
def test_a_login_is_bounded_in_size_and_refused_without_echoing_it(live, size, accepted):
    """Every login parameter is echoed (the redirect to the LMS, the new-window link): a login_hint of
    half a megabyte came back in the page. Real logins are under 2,000 characters."""
    hint = "h" * size
    response = live.app.test_client().post("/lti/login", base_url=live.url, headers={"Accept-Language": "de"}, data={
        "iss": live.kit.issuer, "login_hint": "4", "target_link_uri": live.url + "/lti/launch",
        "client_id": live.lms.settings.client_id, "lti_message_hint": hint})
    body = response.get_data(as_text=True)
    with live.app.app_context():
        logins = db.session.scalars(select(OidcLogin)).all()
    if accepted:
        assert response.status_code == 200 and len(logins) == 1
    else:
        assert response.status_code == 400 and logins == []
        assert hint not in body and "Diese Aktivität konnte nicht geöffnet werden" in body


@pytest.mark.parametrize(
    "data, reason",
    [
        ({"login_hint": "4", "target_link_uri": "x"}, "missing_login_parameter"),
        ({"iss": "https://unknown.example", "login_hint": "4", "target_link_uri": "{live}/lti/launch"}, "unknown_issuer"),
        ({"iss": "{iss}", "login_hint": "4", "target_link_uri": "https://elsewhere.example/lti/launch"}, "foreign_target_link_uri"),
    ],
)
def test_bad_login_initiations(live, data, reason):
    data = {k: v.format(live=live.url, iss=live.kit.issuer) for k, v in data.items()}
    response = live.app.test_client().post("/lti/login", data=data, base_url=live.url)
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)
    with live.app.app_context():
        assert db.session.scalars(select(OidcLogin)).all() == []
