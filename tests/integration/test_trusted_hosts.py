"""KONTOR_TRUSTED_HOSTS: the host names Kontor answers to. Kontor builds URLs from the request's
Host (the Canvas configuration, the registration request, the login's redirect_uri); with the list
set, a request for any other Host is refused before anything is built from it."""
import pytest

from lms_module.config import trusted_hosts
from support.apps import make_app


@pytest.fixture
def guarded(database_url, tmp_path):
    return make_app(database_url, tmp_path, KONTOR_TRUSTED_HOSTS="kontor.example.org, .kontor-test.net")


@pytest.mark.parametrize("host", ["evil.example", "kontor.example.org.evil.example", "example.org"])
def test_another_host_is_refused_with_the_error_page(guarded, host):
    client = guarded.test_client()
    for language, words in (("en", "Error code"), ("de", "Fehlercode")):
        response = client.get("/lti/canvas.json", headers={"Host": host, "Accept-Language": language})
        page = response.get_data(as_text=True)
        assert response.status_code == 400, (response.status_code, page[:300])
        assert words in page and "Traceback" not in page
        assert host not in page  # nothing was built from it


@pytest.mark.parametrize("host", ["kontor.example.org", "kontor.example.org:8443", "eu.kontor-test.net"])
def test_a_listed_host_is_served_and_its_urls_use_it(guarded, host):
    response = guarded.test_client().get("/lti/canvas.json", headers={"Host": host})
    assert response.status_code == 200
    assert response.get_json()["target_link_uri"].startswith(f"http://{host}/")


def test_without_the_list_any_host_is_served(app, client):
    response = client.get("/lti/canvas.json", headers={"Host": "anything.example"})
    assert response.status_code == 200
    assert response.get_json()["target_link_uri"].startswith("http://anything.example/")


def test_the_list_is_read_from_a_comma_separated_value():
    assert trusted_hosts(" Kontor.example.org,, .kontor-test.net ") == ["kontor.example.org", ".kontor-test.net"]
    assert trusted_hosts("") == []
    assert trusted_hosts(["a.example"]) == ["a.example"]
