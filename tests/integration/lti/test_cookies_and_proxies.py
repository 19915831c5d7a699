"""Cookies that survive the LMS iframe behind HTTPS, and proxy headers trusted only when configured."""
from flask import url_for


from support.apps import empty_all_tables, make_app


def _login(client, iss="https://lms.example"):
    return client.post("/lti/login", data={"iss": iss, "login_hint": "4", "target_link_uri": "https://kontor.example.edu/lti/launch"},
                       base_url="https://kontor.example.edu")


def test_https_profile_sets_partitioned_cross_site_cookies(database_url, tmp_path, make_launch):
    app = make_app(database_url, tmp_path, KONTOR_HTTPS=True)
    client = app.test_client()
    from lms_module.extensions import db
    from lms_module.lti.registration import save_platform

    with app.app_context():
        save_platform(issuer="https://lms.example", client_id="c1", deployment_id="1",
                      auth_login_url="https://lms.example/auth", auth_token_url="https://lms.example/token",
                      key_set_url="https://lms.example/certs")
        db.session.commit()
    response = _login(client)
    state_cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("kontor-state-"))
    for attribute in ("Secure", "HttpOnly", "SameSite=None", "Partitioned"):
        assert attribute in state_cookie
    with app.test_request_context():
        assert app.config["SESSION_COOKIE_SAMESITE"] == "None" and app.config["SESSION_COOKIE_PARTITIONED"]
    empty_all_tables(app)


def test_development_cookies_are_lax_and_not_secure(app, client):
    from lms_module.extensions import db
    from lms_module.lti.registration import save_platform

    with app.app_context():
        save_platform(issuer="https://lms.example", client_id="c1", deployment_id="1",
                      auth_login_url="https://lms.example/auth", auth_token_url="https://lms.example/token",
                      key_set_url="https://lms.example/certs")
        db.session.commit()
    response = client.post("/lti/login", data={"iss": "https://lms.example", "login_hint": "4",
                                               "target_link_uri": "http://localhost/lti/launch"})
    state_cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("kontor-state-"))
    assert "SameSite=Lax" in state_cookie and "Secure" not in state_cookie


def test_forwarded_proto_is_ignored_without_a_trusted_proxy(app):
    with app.test_request_context("/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}):
        assert url_for("lti.launch", _external=True) == "http://localhost/lti/launch"


def test_forwarded_proto_is_used_behind_a_configured_proxy(database_url, tmp_path):
    app = make_app(database_url, tmp_path, KONTOR_TRUSTED_PROXIES=1)
    client = app.test_client()
    data = client.get("/lti/canvas.json", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "kontor.example.edu"}).get_json()
    assert data["target_link_uri"] == "https://kontor.example.edu/lti/launch"


def test_a_forwarded_port_from_the_client_is_not_trusted_behind_a_proxy(database_url, tmp_path):
    """The documented proxy (docs/deployment.md) forwards For, Proto and Host and leaves a client's own
    X-Forwarded-Port untouched, so trusting that header let any client put its port into every URL
    Kontor built, past KONTOR_TRUSTED_HOSTS (which checks the name only). A proxy on another port
    names it in X-Forwarded-Host."""
    app = make_app(database_url, tmp_path, KONTOR_TRUSTED_PROXIES=1, KONTOR_TRUSTED_HOSTS="kontor.example.edu")
    client = app.test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "kontor.example.edu"}
    data = client.get("/lti/canvas.json", headers={**forwarded, "X-Forwarded-Port": "1337"}).get_json()
    assert data["target_link_uri"] == "https://kontor.example.edu/lti/launch"
    on_its_port = client.get("/lti/canvas.json", headers={**forwarded, "X-Forwarded-Host": "kontor.example.edu:8443"})
    assert on_its_port.get_json()["target_link_uri"] == "https://kontor.example.edu:8443/lti/launch"
