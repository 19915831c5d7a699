"""A browser holds the launches of one person: a launch by someone else drops the earlier ones, and
every launch gives the browser a new CSRF token (issue 9, "a browser keeps every launch it has seen")."""
import re

from support.apps import csrf_from
from support.lti_forgery import begin_login, claims_for, post_launch

LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def _launch_id(page) -> str:
    return re.search(r"/l/([^/]+)/", page.url).group(1)


def _session(live, browser) -> dict:
    """The signed session cookie as Kontor reads it."""
    cookie = browser.session.cookies.get(live.app.config["SESSION_COOKIE_NAME"])
    return live.app.session_interface.get_signing_serializer(live.app).loads(cookie)


def _set_up_quiz(live):
    from pathlib import Path

    from lms_module.extensions import db
    from lms_module.library.services import import_path

    quiz = Path(__file__).resolve().parents[2] / "unit" / "engine" / "fixtures" / "all_types.yaml"
    with live.app.app_context():
        assert import_path(quiz, origin="import").ok
        db.session.commit()
    live.lms.set_custom_parameters(2, {"quiz": "all-types"})


def test_a_student_launch_after_an_instructor_launch_loses_the_instructors_pages(live):
    """The attack: an instructor opens the activity on a shared computer, then a student launches in
    the same browser and opens the instructor's URLs (gradebook CSV with names and e-mails)."""
    _set_up_quiz(live)
    with live.browser() as browser:
        instructor = _launch_id(live.launch(browser, user="3"))
        gradebook = f"{live.url}/l/{instructor}/reports/gradebook.csv"
        assert browser.get(gradebook).status_code == 200
        page = live.launch(browser, user="4")
        assert page.status_code == 200 and _launch_id(page) != instructor
        for url in (gradebook, f"{live.url}/l/{instructor}/reports/responses.csv",
                    f"{live.url}/l/{instructor}/instructor"):
            answer = browser.get(url)
            assert answer.status_code == 403, url
            assert "Sam Student" not in answer.text and "student1@example.com" not in answer.text
        assert _session(live, browser)["launches"] == [_launch_id(page)]


def test_every_launch_gives_the_browser_a_new_csrf_token(live):
    _set_up_quiz(live)
    with live.browser() as browser:
        first = live.launch(browser, user="4")
        before = csrf_from(first.text)  # the start form
        before_raw = _session(live, browser)["csrf_token"]
        assert _session_token_of(live, before) == before_raw
        second = live.launch(browser, user="4")
        after = csrf_from(second.text)
        assert _session(live, browser)["csrf_token"] != before_raw
        # The form token of the page before the launch no longer starts an attempt.
        refused = browser.session.post(f"{live.url}/l/{_launch_id(second)}/quiz/start",
                                       data={"csrf_token": before}, allow_redirects=False)
        assert refused.status_code == 400 and "· csrf ·" in refused.text
        started = browser.session.post(f"{live.url}/l/{_launch_id(second)}/quiz/start",
                                       data={"csrf_token": after}, allow_redirects=False)
        assert started.status_code == 302


def _session_token_of(live, form_token: str) -> str:
    """The raw token a signed form token was made from (what Flask-WTF compares with the session)."""
    from itsdangerous import URLSafeTimedSerializer

    serializer = URLSafeTimedSerializer(live.app.secret_key, salt="wtf-csrf-token")
    return serializer.loads(form_token)


def test_launches_of_the_same_person_in_two_courses_stay_usable(live):
    """Two tabs: the same student opens activities in two courses; both keep working."""
    with live.browser() as browser:
        first = live.launch(browser, user="4")
        state, nonce = begin_login(live, browser, user="4")
        claims = claims_for(live, nonce, user="4", **{
            LTI + "context": {"id": "other-course", "label": "OTHER", "title": "Another course"},
            LTI + "resource_link": {"id": "other-course-link", "title": "Another quiz"},
        })
        second = post_launch(browser, live, live.kit.sign_id_token(claims), state)
        assert second.status_code == 302, second.text
        second_id = re.search(r"/l/([^/]+)/", second.headers["Location"]).group(1)
        assert second_id != _launch_id(first)
        assert browser.get(first.url).status_code == 200
        assert browser.get(f"{live.url}/l/{second_id}/").status_code == 200
        assert _session(live, browser)["launches"] == [_launch_id(first), second_id]
