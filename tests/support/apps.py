"""Building the app for tests, and reading pages."""
from __future__ import annotations

import re

from sqlalchemy import delete, select

from lms_module import create_app
from lms_module.extensions import db


# Every app a test builds; their connection pools are closed after the test (an engine collected
# with open PostgreSQL connections raises a ResourceWarning, which fails the suite).
created_apps: list = []


def dispose_created_apps() -> None:
    while created_apps:
        app = created_apps.pop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def make_app(database_url: str, instance_path, **overrides):
    settings = {
        "KONTOR_ENV": "test",
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance_path),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "KONTOR_DEMO_LMS": False,
        "KONTOR_WORKER": "off",
    }
    settings.update(overrides)
    app = create_app(settings)
    created_apps.append(app)
    return app


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on the page (attributes in any order)."""
    for tag in re.findall(r"<input[^>]*>", html):
        if 'name="csrf_token"' in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)
    raise ValueError("no csrf_token field on the page")


def session_csrf_token(app, client) -> str:
    """A valid CSRF token for this test client's session, signed as Flask-WTF signs it, so that a
    POST reaches the view (access rules, validation) without loading a form page first."""
    from itsdangerous import URLSafeTimedSerializer

    raw = "test-csrf-secret"
    with client.session_transaction() as session:
        session["csrf_token"] = raw
    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token").dumps(raw)


def course_of_launch(app, launch_id: str) -> int:
    """The Kontor course id of a launch."""
    from lms_module.courses.models import LaunchSession

    with app.app_context():
        return db.session.get(LaunchSession, launch_id).course_id


def attempt_row(app, public_id):
    from lms_module.attempts.models import Attempt

    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == public_id)).one()
        db.session.expunge(attempt)
        return attempt


def set_attempt(app, public_id, **values):
    """Change the stored attempt's columns (a test's way to make it overdue, poisoned, ...)."""
    from lms_module.attempts.models import Attempt

    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == public_id)).one()
        for name, value in values.items():
            setattr(attempt, name, value)
        db.session.commit()


def set_link_overrides(app, link_id: int, **overrides):
    """The instructor's saved settings of an activity, merged into what is saved already (as the
    settings page keeps what it does not change)."""
    from lms_module.attempts.models import LinkSettings

    with app.app_context():
        row = db.session.get(LinkSettings, link_id)
        if row is None:
            db.session.add(LinkSettings(resource_link_id=link_id, overrides=overrides))
        else:
            row.overrides = {**row.overrides, **overrides}
        db.session.commit()


def started_attempt_id(response) -> str:
    """The attempt's public id from the start's redirect to its first page."""
    return re.search(r"/attempt/([^/]+)/page/", response.headers["Location"]).group(1)


def empty_all_tables(app) -> None:
    with app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(delete(table))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
