"""Forging launches for tests: a genuine login at Kontor, then a hand-made id_token."""
from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

from support.form_browser import parse_page


def begin_login(live, browser, user="4"):
    """Post the LMS's login initiation to Kontor; return (state, nonce) of Kontor's auth request."""
    response = browser.session.post(
        live.url + "/lti/login",
        data={
            "iss": live.kit.issuer,
            "login_hint": user,
            "target_link_uri": live.url + "/lti/launch",
            "lti_message_hint": json.dumps({"cmid": 2, "launchid": "ltilaunch1_test"}),
            "client_id": live.lms.settings.client_id,
            "lti_deployment_id": "1",
        },
        allow_redirects=False,
    )
    if response.status_code == 302:
        params = dict(parse_qsl(urlsplit(response.headers["Location"]).query))
    else:
        form = next(f for f in parse_page(response).forms if f.id == "kontor-continue")
        params = dict(form.fields)
    assert params["redirect_uri"] == live.url + "/lti/launch"
    return params["state"], params["nonce"]


def claims_for(live, nonce, user="4", **changes):
    claims = live.kit.build_launch_claims(user, 2, nonce)
    for key, value in changes.items():
        if value is DROP:
            claims.pop(key, None)
        else:
            claims[key] = value
    return claims


DROP = object()  # claims_for(..., claim=DROP) removes the claim


def post_launch(browser, live, id_token, state, **headers):
    return browser.session.post(live.url + "/lti/launch", data={"id_token": id_token, "state": state},
                                allow_redirects=False, headers=headers)


