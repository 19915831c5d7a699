"""What a browser needs when the LMS lives on another site: the pages that continue to the platform
may send their form there (CSP form-action names exactly that platform), and cookies that a
cross-site iframe or a cross-site form post carries along (Secure; SameSite=None; Partitioned)."""
import pytest

from lms_module.extensions import db
from lms_module.library.services import BUILTIN_QUIZZES, import_path
from lms_module.courses.models import LaunchSession
from lms_module.lti.registration import save_platform
from lms_module.web.cookies import is_loopback_host
from support.apps import csrf_from, empty_all_tables, make_app


def _platforms(app):
    with app.app_context():
        for host in ("lms.example", "other-lms.example"):
            save_platform(issuer=f"https://{host}", client_id="c1", deployment_id="1",
                          auth_login_url=f"https://auth.{host}/mod/lti/auth.php",
                          auth_token_url=f"https://{host}/token", key_set_url=f"https://{host}/certs")
        db.session.commit()


def _login(client, base_url="http://localhost", **extra):
    return client.post("/lti/login", base_url=base_url, data={
        "iss": "https://lms.example", "client_id": "c1", "login_hint": "4",
        "target_link_uri": f"{base_url}/lti/launch", **extra})


def _directive(response, name):
    policy = response.headers["Content-Security-Policy"]
    for directive in policy.split(";"):
        parts = directive.split()
        if parts and parts[0] == name:
            return parts[1:]
    raise AssertionError(f"no {name} in {policy}")


def test_cookie_check_page_may_send_its_form_to_this_platforms_sign_in_only(app, client):
    _platforms(app)
    response = _login(client)
    assert response.status_code == 200 and 'id="kontor-cookie-check"' in response.text
    assert 'action="https://auth.lms.example/mod/lti/auth.php"' in response.text
    # Without the platform's auth origin the browser refuses the form ("violates form-action 'self'").
    assert _directive(response, "form-action") == ["'self'", "https://auth.lms.example"]
    assert "other-lms.example" not in response.headers["Content-Security-Policy"]


def test_platform_storage_page_may_send_its_form_to_this_platforms_sign_in_only(app, client):
    _platforms(app)
    response = _login(client, lti_storage_target="post_message_forwarding")
    assert 'data-mode="put"' in response.text
    assert _directive(response, "form-action") == ["'self'", "https://auth.lms.example"]


def test_other_pages_send_forms_to_kontor_only(app, client):
    _platforms(app)
    _login(client)  # a login in this browser does not widen the next page's policy
    assert _directive(client.get("/lti/register", base_url="http://localhost"), "form-action") == ["'self'"]


def test_deep_linking_response_may_post_to_the_return_url_of_its_platform_only(app, client, make_launch):
    _platforms(app)
    with app.app_context():
        assert import_path(BUILTIN_QUIZZES / "accuracy").ok
        db.session.commit()
    launch_id = make_launch("instructor", message_type="LtiDeepLinkingRequest")
    with app.app_context():
        launch = db.session.get(LaunchSession, launch_id)
        launch.deployment_id = "1"
        launch.deep_linking = {"deep_link_return_url": "https://return.lms.example/deeplink/return?id=1",
                               "accept_multiple": False, "accept_types": ["ltiResourceLink"]}
        db.session.commit()
    picker = client.get(f"/l/{launch_id}/deep-linking").get_data(as_text=True)
    response = client.post(f"/l/{launch_id}/deep-linking",
                           data={"csrf_token": csrf_from(picker), "quiz": "accuracy-practice"})
    assert response.status_code == 200, response.text
    assert 'action="https://return.lms.example/deeplink/return?id=1"' in response.text
    assert _directive(response, "form-action") == ["'self'", "https://return.lms.example"]


@pytest.mark.parametrize("host", ["http://localhost:5000", "http://127.0.0.1:5000"])
def test_development_profile_sets_cross_site_cookies_on_loopback(database_url, tmp_path, host):
    app = make_app(database_url, tmp_path, KONTOR_ENV="development")
    _platforms(app)
    client = app.test_client()
    response = _login(client, base_url=host)
    state_cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("kontor-state-"))
    for attribute in ("Secure", "HttpOnly", "SameSite=None", "Partitioned"):
        assert attribute in state_cookie, state_cookie
    assert 'data-secure="true"' in response.text  # the cookie check probes with the same attributes
    # The session cookie (written by the CSRF token of a form page) carries them too.
    page = client.get("/lti/register", base_url=host)
    session_cookies = [h for h in page.headers.getlist("Set-Cookie") if h.startswith("kontor_session=")]
    for cookie in session_cookies:
        assert "Secure" in cookie and "SameSite=None" in cookie and "Partitioned" in cookie
    empty_all_tables(app)


def test_development_profile_keeps_lax_cookies_on_other_hosts(database_url, tmp_path):
    """A browser refuses Secure cookies from plain HTTP on a real host name: stay Lax there."""
    app = make_app(database_url, tmp_path, KONTOR_ENV="development")
    _platforms(app)
    response = _login(app.test_client(), base_url="http://kontor.lan:5000")
    state_cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("kontor-state-"))
    assert "SameSite=Lax" in state_cookie and "Secure" not in state_cookie
    assert 'data-secure="false"' in response.text
    empty_all_tables(app)


@pytest.mark.parametrize("host, loopback", [
    ("localhost", True), ("localhost:5000", True), ("kontor.localhost:8000", True), ("127.0.0.1:5000", True),
    ("127.8.0.1", True), ("[::1]:5000", True), ("kontor.example.edu", False), ("10.0.0.1:5000", False),
    ("localhost.example.com", False), ("", False),
])
def test_loopback_hosts(host, loopback):
    assert is_loopback_host(host) is loopback
