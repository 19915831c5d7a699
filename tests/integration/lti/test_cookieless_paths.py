"""When the iframe may not keep cookies: platform storage (Canvas) and the new-window fallback.

The browser side (postMessage with the LMS frame) runs in the end-to-end tests; here the server's
part: what it asks for, and that only the browser that holds the state gets a session."""
import re
import threading
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from lms_module.extensions import db
from lms_module.courses.models import LaunchSession
from lms_module.db_types import utcnow
from lms_module.lti.models import LaunchHandoff
from support.lti_forgery import claims_for


def _login_with_storage(live, session):
    response = session.post(live.url + "/lti/login", allow_redirects=False, data={
        "iss": live.kit.issuer, "login_hint": "4", "target_link_uri": live.url + "/lti/launch",
        "client_id": live.lms.settings.client_id, "lti_storage_target": "post_message_forwarding"})
    assert response.status_code == 200
    html = response.text
    assert 'data-mode="put"' in html and 'data-target="post_message_forwarding"' in html
    state = re.search(r'name="state" value="([^"]+)"', html).group(1)
    nonce = re.search(r'name="nonce" value="([^"]+)"', html).group(1)
    assert f'data-value="{state}"' in html  # what the script stores in the platform's frame
    return state, nonce


def _launch_without_cookie(live, state, nonce):
    """The LMS posts the id_token into a frame that did not keep Kontor's state cookie."""
    cookieless = requests.Session()
    token = live.kit.sign_id_token(claims_for(live, nonce))
    response = cookieless.post(live.url + "/lti/launch", data={"id_token": token, "state": state}, allow_redirects=False)
    return cookieless, response


def test_platform_storage_confirms_the_state_and_opens_the_session(live):
    first = requests.Session()
    state, nonce = _login_with_storage(live, first)
    frame, response = _launch_without_cookie(live, state, nonce)
    assert response.status_code == 200
    assert 'data-mode="get"' in response.text and f'data-key="kontor-state-{state}"' in response.text
    handoff = re.search(r'name="handoff" value="([^"]+)"', response.text).group(1)
    # The script read the state back from the platform's storage and posts it:
    confirmed = frame.post(live.url + "/lti/storage-confirm", data={"handoff": handoff, "state_value": state},
                           allow_redirects=False)
    assert confirmed.status_code == 302 and "/lti/check/" in confirmed.headers["Location"]
    landing = frame.get(live.url + confirmed.headers["Location"], allow_redirects=True)
    assert landing.status_code == 200 and "not set up yet" in landing.text
    # The ticket is single-use.
    again = frame.post(live.url + "/lti/storage-confirm", data={"handoff": handoff, "state_value": state})
    assert again.status_code == 400


def test_platform_storage_with_the_wrong_state_value_opens_nothing(live):
    state, nonce = _login_with_storage(live, requests.Session())
    frame, response = _launch_without_cookie(live, state, nonce)
    handoff = re.search(r'name="handoff" value="([^"]+)"', response.text).group(1)
    refused = frame.post(live.url + "/lti/storage-confirm", data={"handoff": handoff, "state_value": "guess"})
    assert refused.status_code == 400
    assert "state_not_bound" in refused.text
    with live.app.app_context():
        launch_id = db.session.scalars(select(LaunchSession.id)).one()
    assert frame.get(live.url + f"/l/{launch_id}/").status_code == 403  # this browser got no session


def test_without_cookie_and_without_platform_storage_the_launch_is_refused(live):
    session = requests.Session()
    response = session.post(live.url + "/lti/login", allow_redirects=False, data={
        "iss": live.kit.issuer, "login_hint": "4", "target_link_uri": live.url + "/lti/launch",
        "client_id": live.lms.settings.client_id})
    html = response.text
    assert 'id="kontor-cookies-blocked"' in html  # the script shows it when the test cookie fails
    assert "kontor_new_window=1" in html.replace("&amp;", "&")
    state = re.search(r'name="state" value="([^"]+)"', html).group(1)
    nonce = re.search(r'name="nonce" value="([^"]+)"', html).group(1)
    _, refused = _launch_without_cookie(live, state, nonce)
    assert refused.status_code == 400 and "state_not_bound" in refused.text
    with live.app.app_context():
        assert db.session.scalars(select(LaunchSession)).all() == []


def test_new_window_login_goes_straight_to_the_lms(live):
    response = requests.post(live.url + "/lti/login", allow_redirects=False, data={
        "iss": live.kit.issuer, "login_hint": "4", "target_link_uri": live.url + "/lti/launch",
        "client_id": live.lms.settings.client_id, "kontor_new_window": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(live.lms_url + "/auth?")


def test_check_page_offers_a_new_window_when_the_session_cookie_did_not_stick(live):
    state, nonce = _login_with_storage(live, requests.Session())
    frame, response = _launch_without_cookie(live, state, nonce)
    handoff = re.search(r'name="handoff" value="([^"]+)"', response.text).group(1)
    confirmed = frame.post(live.url + "/lti/storage-confirm", data={"handoff": handoff, "state_value": state},
                           allow_redirects=False)
    check_url = live.url + confirmed.headers["Location"]
    # A browser that drops the session cookie (Safari in an iframe) arrives without it:
    blocked = requests.get(check_url, allow_redirects=False)
    assert blocked.status_code == 200
    enter = re.search(r'href="(/lti/enter/[^"]+)"', blocked.text).group(1)
    assert 'target="_blank"' in blocked.text
    window = requests.Session()
    opened = window.get(live.url + enter)
    assert opened.status_code == 200 and "not set up yet" in opened.text
    assert window.get(live.url + enter).status_code == 403  # one-time ticket


def test_an_expired_check_ticket_offers_no_new_window(live):
    """The check ticket lives five minutes, as the new window's ticket does (it is the same one): a
    check page opened later says the launch expired instead of offering a window that could only
    say so."""
    state, nonce = _login_with_storage(live, requests.Session())
    frame, response = _launch_without_cookie(live, state, nonce)
    handoff = re.search(r'name="handoff" value="([^"]+)"', response.text).group(1)
    confirmed = frame.post(live.url + "/lti/storage-confirm", data={"handoff": handoff, "state_value": state},
                           allow_redirects=False)
    check_token = confirmed.headers["Location"].rsplit("/", 1)[1]
    with live.app.app_context():
        db.session.get(LaunchHandoff, check_token).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    late = requests.get(live.url + confirmed.headers["Location"], allow_redirects=False)
    assert late.status_code == 403
    assert "launch_expired" in late.text and "/lti/enter/" not in late.text


@pytest.mark.parametrize("ticket", ["new_window", "platform_storage"])
def test_two_browsers_redeeming_one_ticket_at_once_get_one_launch(app, make_launch, ticket):
    """The new window's ticket (/lti/enter) and platform storage's (/lti/storage-confirm) are
    one-time: redeeming read `used` and set it with the request's commit, so two browsers that
    opened the same link at the same moment both got the launch (and its person's pages). Here the
    first redemption holds its transaction open while the second runs; only one may win."""
    from lms_module.lti.services import create_handoff, redeem_handoff

    launch_id = make_launch("student", remember=False)
    state = "state-1" if ticket == "platform_storage" else None
    with app.app_context():
        token = create_handoff(launch_id, expected_state=state)
        db.session.commit()
    won = []

    def redeem():
        with app.app_context():
            won.append(redeem_handoff(token, state))
            db.session.commit()

    with app.app_context():
        won.append(redeem_handoff(token, state))  # the first browser, not committed yet
        second = threading.Thread(target=redeem)
        second.start()
        second.join(timeout=1)  # the fixed code makes it wait for the first one's commit
        db.session.commit()
    second.join(timeout=10)
    assert not second.is_alive()
    assert won == [launch_id, None]  # the first browser has the launch, the second is refused
