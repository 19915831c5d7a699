"""Shared fixtures: a migrated throwaway database per test session (SQLite file or PostgreSQL),
emptied after every test, and the app built on it."""
from __future__ import annotations

import pytest
from flask_migrate import upgrade
from hypothesis import HealthCheck, settings
from sqlalchemy import delete, select

from lms_module.extensions import db
from support.apps import dispose_created_apps, empty_all_tables, make_app
from support.databases import backend, throwaway_database


# Property tests check results, never speed: no per-example deadline and no "input generation is
# slow" health check, both of which fail on a loaded machine (two passes side by side, helpers)
# for reasons that say nothing about Kontor. Speed is measured by bench/, not by tests.
settings.register_profile("kontor", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("kontor")


def pytest_report_header(config):
    return f"kontor test database: {backend()}"


@pytest.fixture(autouse=True)
def _close_database_pools():
    yield
    dispose_created_apps()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("database")
    with throwaway_database(folder) as url:
        app = make_app(url, folder)
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield url


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    yield app
    empty_all_tables(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_launch(app, client):
    """Factory: a launch stored as if the LMS had sent it, remembered by the test client's session.
    For route tests below the LTI layer; the LTI layer itself is tested through the emulator."""
    from datetime import timedelta

    from lms_module.courses.models import Course, LaunchSession, Membership, ResourceLink, User
    from lms_module.lti.models import Deployment, Platform
    from lms_module.lti.models import utcnow
    from lms_module.web.access import SESSION_LAUNCHES

    counter = {"n": 0}

    def _make(role="student", quiz_slug=None, *, user_sub=None, course_context="course-1", link_id="link-1",
              locale="en", message_type="LtiResourceLinkRequest", remember=True, test_client=None):
        counter["n"] += 1
        with app.app_context():
            platform = db.session.scalars(select(Platform).where(Platform.issuer == "https://lms.example")).first()
            if platform is None:
                platform = Platform(issuer="https://lms.example", client_id="client-1", name="Test LMS",
                                    auth_login_url="https://lms.example/auth", auth_token_url="https://lms.example/token",
                                    key_set_url="https://lms.example/certs")
                db.session.add(platform)
                db.session.flush()
                db.session.add(Deployment(platform_id=platform.id, deployment_id="1"))
            sub = user_sub or f"{role}-{counter['n']}"
            user = db.session.scalars(select(User).where(User.platform_id == platform.id, User.subject == sub)).first()
            if user is None:
                user = User(platform_id=platform.id, subject=sub, name=f"Test {role.title()} {sub}")
                db.session.add(user)
            course = db.session.scalars(select(Course).where(Course.context_id == course_context)).first()
            if course is None:
                course = Course(platform_id=platform.id, context_id=course_context, label=course_context, title=course_context)
                db.session.add(course)
            db.session.flush()
            link = db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == link_id)).first()
            if link is None:
                link = ResourceLink(platform_id=platform.id, course_id=course.id, link_id=link_id, title="Quiz activity")
                db.session.add(link)
            if quiz_slug is not None:
                link.quiz_slug = quiz_slug
            db.session.flush()
            if db.session.scalars(select(Membership).where(Membership.course_id == course.id, Membership.user_id == user.id)).first() is None:
                db.session.add(Membership(course_id=course.id, user_id=user.id, role=role))
            launch = LaunchSession(
                id=f"launch-{counter['n']}-{role}", platform_id=platform.id, user_id=user.id, course_id=course.id,
                resource_link_id=None if message_type == "LtiDeepLinkingRequest" else link.id, role=role,
                locale=locale, message_type=message_type, expires_at=utcnow() + timedelta(hours=1),
            )
            db.session.add(launch)
            db.session.commit()
            launch_id = launch.id
        if remember:
            with (test_client or client).session_transaction() as sess:
                sess[SESSION_LAUNCHES] = [*sess.get(SESSION_LAUNCHES, []), launch_id]
        return launch_id

    return _make


LMS_PROFILES = ["moodle", "canvas"]


@pytest.fixture
def lms_profile():
    """Which LMS the demo LMS plays; tests run on both with
    @pytest.mark.parametrize("lms_profile", LMS_PROFILES)."""
    return "moodle"


@pytest.fixture
def live(database_url, tmp_path, lms_profile):
    """Kontor with the demo LMS mounted, served over HTTP on 127.0.0.1; the LMS is registered."""
    from support.kontor_live import start_live
    from support.live_server import LiveServer

    server = LiveServer()
    kontor = start_live(
        lambda base_url: make_app(database_url, tmp_path, KONTOR_DEMO_LMS=True, KONTOR_DEMO_BASE_URL=base_url,
                                  KONTOR_DEMO_LMS_PROFILE=lms_profile),
        server,
    )
    yield kontor
    server.stop()
    empty_all_tables(kontor.app)
