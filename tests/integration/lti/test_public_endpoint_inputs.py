"""Odd input at the endpoints anyone can reach without a launch: a malformed request is refused with
the error page (400, in the reader's language), never answered with a 500 or a silent 200."""
from __future__ import annotations

import pytest

from lms_module.extensions import db
from lms_module.lti.registration import save_platform

ISSUER = "https://lms.example"
LAUNCH_URL = "http://localhost/lti/launch"


@pytest.fixture
def platform(app):
    with app.app_context():
        save_platform(issuer=ISSUER, client_id="c1", deployment_id="1", auth_login_url=ISSUER + "/auth",
                      auth_token_url=ISSUER + "/token", key_set_url=ISSUER + "/certs")
        db.session.commit()


def _refused(response, language="en"):
    page = response.get_data(as_text=True)
    assert response.status_code == 400, (response.status_code, page[:300])
    assert "Error code" in page if language == "en" else "Fehlercode" in page
    assert "Traceback" not in page


@pytest.mark.parametrize("target", ["http://[::1", "http://[localhost]/lti/launch", "http://[::1]x/lti/launch"])
def test_a_target_link_uri_that_is_no_url_is_refused(client, platform, target):
    """urlsplit raises ValueError on a broken IPv6 host: the login answered 500."""
    for language in ("en", "de"):
        response = client.get("/lti/login", query_string={"iss": ISSUER, "client_id": "c1", "login_hint": "4",
                                                           "target_link_uri": target},
                              headers={"Accept-Language": language})
        _refused(response, language)
        assert "foreign_target_link_uri" in response.get_data(as_text=True)
