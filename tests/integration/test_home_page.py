"""Kontor's address opened on its own: it said 'not found' (404), so an LMS administrator who
checked the URL took Kontor for broken, and found none of the addresses the LMS asks for."""
import pytest


@pytest.mark.parametrize("language, words", [("en", "For LMS administrators"),
                                             ("de", "Für Administratorinnen und Administratoren")])
def test_the_home_page_explains_kontor_and_lists_the_lti_addresses(client, language, words):
    page = client.get("/", headers={"Host": "kontor.example.edu", "Accept-Language": language})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert words in html and f'<html lang="{language}"' in html
    for path in ("/lti/login", "/lti/launch", "/lti/jwks", "/lti/canvas.json"):
        assert f"<code>http://kontor.example.edu{path}</code>" in html
    # Nothing that belongs to a registration, a course or a person is on it.
    assert "invite=" not in html and "/l/" not in html
    assert "frame-ancestors 'self';" in page.headers["Content-Security-Policy"] + ";"


def test_the_home_page_lists_what_the_tool_configuration_says(client):
    """One fact, one place: the addresses are those the Canvas configuration hands to an LMS."""
    html = client.get("/").get_data(as_text=True)
    config = client.get("/lti/canvas.json").get_json()
    assert f"<code>{config['oidc_initiation_url']}</code>" in html
    assert f"<code>{config['target_link_uri']}</code>" in html
    assert f"<code>{config['public_jwk_url']}</code>" in html
    # The custom parameter that brings each person's time zone, as the JSON and the registration ask.
    ((name, value),) = config["custom_fields"].items()
    assert f"<code>{name}={value}</code>" in html


@pytest.mark.parametrize("language, words", [("en", "each person's own time zone"),
                                             ("de", "Zeitzone der jeweiligen Person")])
def test_the_home_page_asks_a_manual_setup_for_the_time_zone_parameter(client, language, words):
    html = client.get("/", headers={"Accept-Language": language}).get_data(as_text=True)
    assert words in html and "<code>timezone=$Person.address.timezone</code>" in html
