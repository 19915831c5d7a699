"""Expired launch data is purged by the worker; what can still be used stays."""
from datetime import timedelta

from sqlalchemy import func, select

from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.lti.cleanup import purge_expired
from lms_module.courses.models import LaunchSession
from lms_module.lti.models import LaunchHandoff, OidcLogin, Platform, UsedNonce
from lms_module.worker import Worker


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_purge_removes_only_what_cannot_be_used(app, make_launch):
    fresh = make_launch("student")
    old = make_launch("student")
    now = utcnow()
    with app.app_context():
        platform = db.session.scalars(select(Platform)).one()
        db.session.get(LaunchSession, old).expires_at = now - timedelta(days=2)
        db.session.add_all([
            OidcLogin(state="old", nonce="n1", platform_id=platform.id, expires_at=now - timedelta(minutes=1)),
            OidcLogin(state="new", nonce="n2", platform_id=platform.id, expires_at=now + timedelta(minutes=5)),
            UsedNonce(platform_id=platform.id, nonce="ancient", used_at=now - timedelta(days=2)),
            UsedNonce(platform_id=platform.id, nonce="recent", used_at=now - timedelta(minutes=5)),
            LaunchHandoff(token="gone", launch_id=fresh, expires_at=now - timedelta(seconds=1)),
            LaunchHandoff(token="live", launch_id=fresh, expires_at=now + timedelta(minutes=4)),
        ])
        db.session.commit()
        counts = purge_expired(now)
        db.session.commit()
        assert counts == {"logins": 1, "handoffs": 1, "launches": 1, "nonces": 1}
        assert db.session.scalars(select(OidcLogin.state)).all() == ["new"]
        assert db.session.scalars(select(UsedNonce.nonce)).all() == ["recent"]
        assert db.session.scalars(select(LaunchHandoff.token)).all() == ["live"]
        assert db.session.scalars(select(LaunchSession.id)).all() == [fresh]


def test_the_worker_purges_in_its_rounds(app):
    now = utcnow()
    with app.app_context():
        platform = Platform(issuer="https://lms.example", client_id="c", auth_login_url="https://lms.example/a",
                            auth_token_url="https://lms.example/t", key_set_url="https://lms.example/k")
        db.session.add(platform)
        db.session.flush()
        db.session.add(OidcLogin(state="old", nonce="n", platform_id=platform.id, expires_at=now - timedelta(hours=1)))
        db.session.commit()
    Worker(app, worker_id="purger", rosters=False).run_once(now)
    with app.app_context():
        assert _count(OidcLogin) == 0
