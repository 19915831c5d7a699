from sqlalchemy import select

from lms_module.extensions import db
from lms_module.lti.models import Deployment, Platform, ToolKey

ADD = [
    "platform", "add",
    "--issuer", "https://moodle.example.edu",
    "--client-id", "cobQ95GMgvUHJDN",
    "--deployment-id", "1",
    "--auth-url", "https://moodle.example.edu/mod/lti/auth.php",
    "--token-url", "https://moodle.example.edu/mod/lti/token.php",
    "--jwks-url", "https://moodle.example.edu/mod/lti/certs.php",
    "--name", "Moodle Example",
]


def _deployments(app):
    with app.app_context():
        rows = db.session.execute(
            select(Platform.issuer, Platform.client_id, Deployment.deployment_id, Deployment.active)
            .join(Deployment, Deployment.platform_id == Platform.id)
            .order_by(Deployment.deployment_id)
        ).all()
        return [tuple(r) for r in rows]


def test_platform_add_and_list(app, runner):
    result = runner.invoke(args=ADD)
    assert result.exit_code == 0, result.output
    assert "Moodle Example" in result.output
    listing = runner.invoke(args=["platform", "list"])
    assert "https://moodle.example.edu\tclient_id=cobQ95GMgvUHJDN" in listing.output
    assert _deployments(app) == [("https://moodle.example.edu", "cobQ95GMgvUHJDN", "1", True)]


def test_adding_a_second_deployment_extends_the_platform(app, runner):
    runner.invoke(args=ADD)
    second = [*ADD]
    second[second.index("--deployment-id") + 1] = "7"
    assert runner.invoke(args=second).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Platform)) == 1
    assert [d[2] for d in _deployments(app)] == ["1", "7"]


def test_same_issuer_with_another_client_id_is_another_platform(app, runner):
    """Every hosted Canvas uses one issuer: platforms are keyed by issuer and client id."""
    runner.invoke(args=ADD)
    other = [*ADD]
    other[other.index("--client-id") + 1] = "10000000000042"
    assert runner.invoke(args=other).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Platform)) == 2


def test_platform_add_rejects_a_non_http_url(app, runner):
    bad = [*ADD]
    bad[bad.index("--jwks-url") + 1] = "file:///etc/passwd"
    result = runner.invoke(args=bad)
    assert result.exit_code != 0
    assert "--jwks-url" in result.output
    assert _deployments(app) == []


def test_activate_deployment(app, runner):
    runner.invoke(args=ADD)
    with app.app_context():
        platform = db.session.scalars(select(Platform)).one()
        db.session.add(Deployment(platform_id=platform.id, deployment_id="42", active=False))
        db.session.commit()
    result = runner.invoke(
        args=["platform", "activate-deployment", "--issuer", "https://moodle.example.edu",
              "--client-id", "cobQ95GMgvUHJDN", "--deployment-id", "42"]
    )
    assert result.exit_code == 0, result.output
    assert ("https://moodle.example.edu", "cobQ95GMgvUHJDN", "42", True) in _deployments(app)


def test_remove_platform(app, runner):
    runner.invoke(args=ADD)
    result = runner.invoke(args=["platform", "remove", "--issuer", "https://moodle.example.edu", "--client-id", "cobQ95GMgvUHJDN"])
    assert result.exit_code == 0
    assert _deployments(app) == []
    assert "No platforms registered." in runner.invoke(args=["platform", "list"]).output


def test_remove_unknown_platform_fails_clearly(runner):
    result = runner.invoke(args=["platform", "remove", "--issuer", "https://nowhere.example", "--client-id", "x"])
    assert result.exit_code == 1
    assert "No platform with issuer https://nowhere.example" in result.output


def test_keys_rotate_keeps_the_old_public_key_published(app, runner, client):
    first = client.get("/lti/jwks").get_json()["keys"]
    assert len(first) == 1
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0
    second = client.get("/lti/jwks").get_json()["keys"]
    assert len(second) == 2
    assert second[1]["kid"] == first[0]["kid"]  # the retired key, still published
    with app.app_context():
        active = db.session.scalars(select(ToolKey).where(ToolKey.retired_at.is_(None))).all()
        assert [k.kid for k in active] == [second[0]["kid"]]
