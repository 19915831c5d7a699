"""Adding quizzes from the LMS's activity chooser (LTI Deep Linking) through the demo LMS."""
from pathlib import Path
from urllib.parse import parse_qsl

import jwt
import pytest
import requests
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from lms_module.extensions import db
from lms_module.library.services import import_path
from lms_module.courses.models import LaunchSession
from support.apps import csrf_from

LIBRARY = Path(__file__).resolve().parents[3] / "quizzes"


@pytest.fixture
def live_library(live):
    with live.app.app_context():
        assert import_path(LIBRARY).ok
        db.session.commit()
    return live


def open_picker(live, browser, query=""):
    view = browser.get(f"{live.lms_url}/deeplink/view?user=3")
    page = browser.open_iframe(view)
    assert page.status_code == 200, page.text[:300]
    assert "Add a quiz to your course" in page.text
    if query:
        page = browser.get(page.url + "?" + query)
    return page


def choose(live, browser, picker, slugs, **settings):
    data = [("csrf_token", csrf_from(picker.text)), *(("quiz", s) for s in slugs)]
    data += [(k, v) for k, v in settings.items()]
    return browser.post(picker.url, data=data)


def test_picker_lists_the_library_filtered_by_topic(live_library):
    with live_library.browser() as browser:
        browser.session.headers["Accept-Language"] = "en"
        page = open_picker(live_library, browser, "topic=compliance")
    assert 'value="compliance-practice"' in page.text and 'value="compliance-exam"' in page.text
    assert 'value="accuracy-practice"' not in page.text
    assert 'type="checkbox"' in page.text  # Moodle sends accept_multiple true


def test_the_response_is_a_signed_jwt_with_the_right_claims(live_library):
    live = live_library
    live.lms.set_deep_linking_data("opaque-platform-data-42")
    with live.browser() as browser:
        picker = open_picker(live, browser)
        answer = choose(live, browser, picker, ["import-export-exam"], attempts="3", time_limit_minutes="30",
                        mode="", feedback="after_close", grading="")
        assert answer.status_code == 200
        assert 'data-autosubmit' in answer.text
        done = browser.follow_autosubmit(answer)
    assert done.status_code == 200, done.text[:300]
    (returned,) = live.lms.deep_linking_returns
    claims = returned.claims
    # Verify the JWT the platform received against Kontor's published keys ourselves, too.
    post = next(r for r in browser.history if "/deeplink/return" in r.request.url)
    token = dict(parse_qsl(post.request.body))["JWT"]
    jwks = requests.get(live.url + "/lti/jwks").json()
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.algorithms.RSAAlgorithm.from_jwk(next(k for k in jwks["keys"] if k["kid"] == kid))
    verified = jwt.decode(token, key, algorithms=["RS256"], audience=live.kit.issuer)
    assert verified == claims
    assert claims["iss"] == live.lms.settings.client_id
    assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    assert claims["https://purl.imsglobal.org/spec/lti/claim/version"] == "1.3.0"
    assert claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == "1"
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-platform-data-42"
    (item,) = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["type"] == "ltiResourceLink"
    assert item["url"] == live.url + "/lti/launch"
    assert item["custom"] == {"quiz": "import-export-exam", "quiz_attempts": "3", "quiz_time_limit": "30",
                              "quiz_feedback": "after_close"}
    assert item["lineItem"]["scoreMaximum"] == 100.0
    assert item["lineItem"]["resourceId"] == "import-export-exam" and item["lineItem"]["tag"] == "kontor-quiz"
    assert item["title"] and item["text"]


def test_several_quizzes_at_once_and_the_new_activity_launches(live_library):
    live = live_library
    with live.browser() as browser:
        picker = open_picker(live, browser)
        done = browser.follow_autosubmit(choose(live, browser, picker, ["accuracy-practice", "career-exam"]))
    assert done.status_code == 200
    (returned,) = live.lms.deep_linking_returns
    assert len(returned.created_cmids) == 2
    items = returned.claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert [i["custom"]["quiz"] for i in items] == ["accuracy-practice", "career-exam"]
    assert "lineItem" not in items[0]  # practice: ungraded
    cmid = max(a.cmid for a in live.lms.activities.values())
    with live.browser() as student:
        student.session.headers["Accept-Language"] = "en"
        page = live.launch(student, user="4", activity=cmid, locale="en")
    assert page.status_code == 200
    assert "Start the quiz" in page.text


def test_choosing_nothing_or_an_unknown_quiz_is_refused(live_library):
    live = live_library
    with live.browser() as browser:
        picker = open_picker(live, browser)
        assert choose(live, browser, picker, []).status_code == 400
        refused = choose(live, browser, picker, ["no-such-quiz"])
    assert refused.status_code == 400
    assert live.lms.deep_linking_returns == []


def _picking_launch(app, make_launch, accept_multiple: bool) -> str:
    """An instructor's deep-linking launch on the imported library, from an LMS that does or does
    not take several items."""
    with app.app_context():
        assert import_path(LIBRARY).ok
        db.session.commit()
    launch_id = make_launch("instructor", message_type="LtiDeepLinkingRequest")
    with app.app_context():
        launch = db.session.get(LaunchSession, launch_id)
        launch.deep_linking = {"deep_link_return_url": "https://lms.example/return", "accept_multiple": accept_multiple,
                               "accept_types": ["ltiResourceLink"], "accept_presentation_document_targets": ["iframe"]}
        db.session.commit()
    return launch_id


def test_one_quiz_only_when_the_platform_does_not_accept_multiple(app, client, make_launch):
    launch_id = _picking_launch(app, make_launch, accept_multiple=False)
    page = client.get(f"/l/{launch_id}/deep-linking", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'type="radio"' in page and 'type="checkbox"' not in page
    response = client.post(f"/l/{launch_id}/deep-linking", data=MultiDict([
        ("csrf_token", csrf_from(page)), ("quiz", "accuracy-practice"), ("quiz", "career-exam")]))
    assert response.status_code == 400
    assert "only one quiz" in response.get_data(as_text=True)


def test_the_deep_linking_picker_is_for_deep_linking_launches_only(client, make_launch):
    launch_id = make_launch("instructor")
    assert client.get(f"/l/{launch_id}/deep-linking").status_code == 404
    student = make_launch("student", message_type="LtiDeepLinkingRequest")
    assert client.get(f"/l/{student}/deep-linking").status_code == 403


@pytest.mark.parametrize("accept_multiple", [True, False])
def test_a_quiz_named_twice_in_the_choice_is_one_activity(app, client, make_launch, accept_multiple):
    """A repeated form value was two identical content items (two activities in the course), or,
    where the LMS takes one, the refusal 'only one quiz at a time' for a choice of one quiz."""
    import re

    launch_id = _picking_launch(app, make_launch, accept_multiple)
    page = client.get(f"/l/{launch_id}/deep-linking", headers={"Accept-Language": "en"}).get_data(as_text=True)
    response = client.post(f"/l/{launch_id}/deep-linking", data=MultiDict([
        ("csrf_token", csrf_from(page)), ("quiz", "accuracy-practice"), ("quiz", "accuracy-practice")]))
    assert response.status_code == 200, response.get_data(as_text=True)[-600:]
    token = re.search(r'name="JWT"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)
    items = jwt.decode(token, options={"verify_signature": False})[
        "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert [item["custom"]["quiz"] for item in items] == ["accuracy-practice"]


def test_a_description_shows_its_emphasis_in_the_picker_and_reaches_the_lms_as_plain_text(app, client, make_launch):
    """Descriptions may use the quiz format's Markdown (quizzes/README.md, "Localised text"): the
    picker showed '*all*' with its asterisks, where the quiz's start page shows emphasis; the LMS's
    activity text (plain by the Deep Linking spec) got the asterisks too."""
    import re

    launch_id = _picking_launch(app, make_launch, accept_multiple=False)
    with app.app_context():
        assert import_path(Path(__file__).resolve().parents[2] / "unit/engine/fixtures/all_types.yaml").ok
        db.session.commit()
    page = client.get(f"/l/{launch_id}/deep-linking", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "A drill with <em>all</em> types." in page and "*all*" not in page
    response = client.post(f"/l/{launch_id}/deep-linking", data=MultiDict([
        ("csrf_token", csrf_from(page)), ("quiz", "all-types")]))
    assert response.status_code == 200, response.get_data(as_text=True)[-600:]
    token = re.search(r'name="JWT"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)
    (item,) = jwt.decode(token, options={"verify_signature": False})[
        "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["text"] == "A drill with all types."
