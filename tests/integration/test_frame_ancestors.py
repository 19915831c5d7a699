"""Who may frame Kontor: only the platform of the current launch (issue 9, "frame-ancestors grows with
every registration": 25 registrations with long host names made every page's header too large for
nginx, and every page answered 502)."""
from __future__ import annotations

from datetime import timedelta

from lms_module.extensions import db
from lms_module.courses.models import Course, LaunchSession, User
from lms_module.db_types import utcnow
from lms_module.lti.models import Platform
from lms_module.web.access import SESSION_LAUNCHES

HEADER_CAP = 2048


def _ancestors(response) -> list[str]:
    policy = response.headers["Content-Security-Policy"]
    return policy.split("frame-ancestors", 1)[1].split(";")[0].split()


def _register_long_platforms(app, count: int = 25) -> list[int]:
    ids = []
    with app.app_context():
        for n in range(count):
            host = f"lms-{n}-" + "x" * 180 + ".example.org"
            platform = Platform(
                issuer=f"https://{host}", client_id=f"client-{n}", name=f"LMS {n}",
                auth_login_url=f"https://auth.{host}/auth", auth_token_url=f"https://{host}/token",
                key_set_url=f"https://{host}/certs",
                frame_origins=[f"https://tenant{i}.{host}" for i in range(20)],
            )
            db.session.add(platform)
            db.session.flush()
            ids.append(platform.id)
        db.session.commit()
    return ids


def _launch_of(app, client, platform_id: int) -> str:
    with app.app_context():
        user = User(platform_id=platform_id, subject=f"user-of-{platform_id}", name="Other")
        course = Course(platform_id=platform_id, context_id=f"course-of-{platform_id}", label="C", title="C")
        db.session.add_all([user, course])
        db.session.flush()
        launch = LaunchSession(
            id=f"launch-of-{platform_id}", platform_id=platform_id, user_id=user.id, course_id=course.id,
            resource_link_id=None, role="instructor", locale="en", message_type="LtiDeepLinkingRequest",
            deep_linking={"deep_link_return_url": f"https://lms-{platform_id}.example.org/return",
                          "accept_types": ["ltiResourceLink"]},
            expires_at=utcnow() + timedelta(hours=1),
        )
        db.session.add(launch)
        db.session.commit()
        launch_id = launch.id
    with client.session_transaction() as sess:
        sess[SESSION_LAUNCHES] = [*sess.get(SESSION_LAUNCHES, []), launch_id]
    return launch_id


def test_many_registrations_do_not_grow_the_header_of_another_platforms_pages(app, client, make_launch):
    _register_long_platforms(app)
    launch_a = make_launch("student")  # platform A is https://lms.example
    page = client.get(f"/l/{launch_a}/")
    assert page.status_code == 200
    assert _ancestors(page) == ["'self'", "https://lms.example"]
    assert len(page.headers["Content-Security-Policy"]) < HEADER_CAP


def test_a_platform_page_never_names_another_platform_and_stays_under_the_cap(app, client, make_launch):
    others = _register_long_platforms(app)
    make_launch("student")  # platform A exists and is known
    launch_b = _launch_of(app, client, others[3])
    page = client.get(f"/l/{launch_b}/deep-linking")
    assert page.status_code == 200, page.text
    ancestors = _ancestors(page)
    assert "https://lms.example" not in ancestors
    assert ancestors[:2] == ["'self'", "https://lms-3-" + "x" * 180 + ".example.org"]
    assert all("lms-3-" in source for source in ancestors[1:])
    assert len(page.headers["Content-Security-Policy"]) < HEADER_CAP
    total = sum(len(k) + len(v) + 4 for k, v in page.headers.items())
    assert total < 4096  # nginx's default proxy_buffer_size


def test_pages_without_a_launch_may_be_framed_by_kontor_only(app, client, make_launch):
    _register_long_platforms(app, count=2)
    make_launch("student")
    page = client.get("/lti/check/no-such-token")
    assert page.status_code == 403
    assert _ancestors(page) == ["'self'"]


def test_the_login_and_launch_responses_name_the_platform_being_launched_from(live):
    _register_long_platforms(live.app, count=3)
    with live.browser() as browser:
        login = live.start_login(browser)
    assert login.status_code == 200
    assert _ancestors(login) == ["'self'", live.url]
    with live.browser() as browser:
        page = live.launch(browser, user="4")
    assert _ancestors(page) == ["'self'", live.url]


def _register(client, configuration_url, language="en", **params):
    return client.get("/lti/register", query_string={"openid_configuration": configuration_url, **params},
                      headers={"Accept-Language": language})


def test_a_refused_registration_may_be_shown_in_the_registration_dialog_of_the_lms(database_url, tmp_path):
    """The LMS (Moodle: Add LTI Advantage) opens /lti/register in a frame of its own site. A refusal
    said 'self' only: the browser blocked the page, and the LMS administrator saw an empty frame
    instead of "an invitation is needed". The page carries no action, so the origin of the
    configuration URL the LMS sent may show it; nobody else."""
    from support.apps import make_app

    app = make_app(database_url, tmp_path, KONTOR_OPEN_REGISTRATION=False)
    client = app.test_client()
    for language, words in (("en", "invitation"), ("de", "Einladung")):
        page = _register(client, "https://moodle.school.example/.well-known/openid-configuration", language)
        assert page.status_code == 403 and words in page.get_data(as_text=True)
        assert _ancestors(page) == ["'self'", "https://moodle.school.example"]
    page = _register(client, "https://moodle.school.example/x", invite="no-such-invite")
    assert page.status_code == 403 and _ancestors(page) == ["'self'", "https://moodle.school.example"]
    # Something that is no http(s) URL names no origin.
    for url in ("javascript:alert(1)", "https://user@evil.example/x", "*"):
        assert _ancestors(_register(client, url)) == ["'self'"], url


def test_a_registration_refused_after_fetching_is_shown_in_the_lms_dialog_too(app, client):
    """An LMS already registered (platform_exists, 409): its own dialog shows the explanation."""
    from support.live_server import live_server
    from support.registering_lms import registering_lms

    lms = registering_lms({"client_id": "c1"})
    with live_server(lms) as base_url:
        with app.app_context():
            db.session.add(Platform(issuer=base_url, client_id="c1", name="School", auth_login_url=base_url + "/auth",
                                    auth_token_url=base_url + "/token", key_set_url=base_url + "/certs"))
            db.session.commit()
        page = _register(client, base_url + "/.well-known/openid-configuration")
    assert page.status_code == 409 and "platform_exists" in page.get_data(as_text=True)
    assert _ancestors(page)[-1] == base_url


def test_refusals_before_the_view_are_framed_by_the_launchs_platform(app, client, make_launch):
    """A form sent without its security token, a body too large and an unknown page inside a launch
    are refused before any view loads the launch: they were framed by 'self' only, so inside the
    LMS's frame the browser showed its own 'refused to connect' page instead of Kontor's message."""
    launch = make_launch("student")
    refusals = [
        client.post(f"/l/{launch}/quiz/start", data={}),  # no CSRF token
        client.post(f"/l/{launch}/quiz/start", data={"x": "y" * (3 * 1024 * 1024)}),  # over MAX_CONTENT_LENGTH
        client.get(f"/l/{launch}/no-such-page"),
    ]
    assert [page.status_code for page in refusals] == [400, 413, 404]
    for page in refusals:
        assert _ancestors(page) == ["'self'", "https://lms.example"], page.status_code


def test_an_unknown_launch_in_the_path_frames_by_no_platform(app, client, make_launch):
    make_launch("student")
    page = client.get("/l/" + "x" * 300 + "/no-such-page")
    assert page.status_code == 404
    assert _ancestors(page) == ["'self'"]
