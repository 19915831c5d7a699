"""Where a launch lands, and who may open which page."""
import pytest


def test_student_without_quiz_sees_not_set_up(client, make_launch):
    launch = make_launch("student")
    response = client.get(f"/l/{launch}/")
    assert response.status_code == 200
    assert "not set up yet" in response.get_data(as_text=True)


def test_student_with_quiz_lands_on_the_quiz(client, make_launch):
    launch = make_launch("student", quiz_slug="accuracy-practice")
    response = client.get(f"/l/{launch}/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/l/{launch}/quiz")


def test_instructor_lands_on_the_instructor_page(client, make_launch):
    launch = make_launch("instructor")
    response = client.get(f"/l/{launch}/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/l/{launch}/instructor")


def test_deep_linking_launch_lands_on_the_picker(client, make_launch):
    launch = make_launch("instructor", message_type="LtiDeepLinkingRequest")
    response = client.get(f"/l/{launch}/")
    assert response.headers["Location"].endswith(f"/l/{launch}/deep-linking")


def test_student_never_reaches_instructor_pages(client, make_launch, app):
    launch = make_launch("student", quiz_slug="accuracy-practice")
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, "kontor_access", "") == "launch:instructor" and "GET" in rule.methods:
            url = rule.rule.replace("<launch_id>", launch)
            if "<" in url:
                continue
            response = client.get(url)
            assert response.status_code == 403, url


def test_a_launch_id_from_another_browser_is_refused(app, client, make_launch):
    launch = make_launch("student", quiz_slug="accuracy-practice", remember=False)
    response = client.get(f"/l/{launch}/", headers={"Accept-Language": "en"})
    assert response.status_code == 403
    assert "did not start" in response.get_data(as_text=True)


def test_an_unknown_launch_id_is_refused(client):
    assert client.get("/l/not-a-launch/").status_code == 403


@pytest.mark.parametrize("locale, text", [("de", "Diese Aktivität ist noch nicht eingerichtet"), ("en", "This activity is not set up yet")])
def test_pages_speak_the_launch_locale(client, make_launch, locale, text):
    launch = make_launch("student", locale=locale)
    body = client.get(f"/l/{launch}/").get_data(as_text=True)
    assert f'<html lang="{locale}">' in body
    assert text in body


def test_error_pages_follow_the_browser_language_without_a_launch(client):
    body = client.get("/l/nope/", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)
    assert '<html lang="de">' in body
    assert "Bitte öffnen Sie die Aktivität erneut" in body
