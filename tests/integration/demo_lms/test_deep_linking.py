"""The deep-linking return (deep-linking-response-accepted.json)."""

from __future__ import annotations

import requests

from lms_module.demo_lms.keys import PlatformKey

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
ITEM = {
    "type": "ltiResourceLink",
    "title": "Deep linked minitool item",
    "url": "http://127.0.0.1:5055/lti/launch",
    "custom": {"quiz": "deeplinked"},
}


def return_url(rig) -> str:
    claims = rig.launch("/deeplink/start?user=3&title=Deep+linked")
    return claims[DL_SETTINGS]["deep_link_return_url"]


def post_return(rig, url: str, token: str) -> requests.Response:
    return rig.browser.post(url, data={"JWT": token})


def test_a_returned_link_becomes_an_activity_with_a_line_item(rig):
    url = return_url(rig)
    item = {**ITEM, "url": f"{rig.base_url}/lti/launch"}
    page = post_return(rig, url, rig.tool.deep_linking_response(rig.client_id, rig.lms_url, [item]))
    assert page.status_code == 200
    assert "Deep linked minitool item" in page.text and "Launch as student (English)" in page.text
    activity = next(a for a in rig.state.activities.values() if a.title == "Deep linked minitool item")
    item_record = rig.state.line_item(activity.line_item_id)
    assert (item_record.score_maximum, item_record.label, item_record.lti_link_id) == (
        100.0, "Deep linked minitool item", activity.instance_id,
    )
    claims = rig.launch(f"/launch/{activity.cmid}?user=4")
    assert claims[LTI + "resource_link"] == {
        "title": "Deep linked minitool item", "description": "", "id": str(activity.instance_id),
    }
    assert claims[LTI + "custom"]["quiz"] == "deeplinked"
    assert claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitem"].endswith(
        f"/lineitems/{activity.line_item_id}/lineitem?type_id=1"
    )
    (recorded,) = rig.state.deep_linking_returns
    assert recorded.created_cmids == [activity.cmid]


def test_line_item_from_the_item_and_several_items(rig):
    url = return_url(rig)
    items = [
        {**ITEM, "title": "First", "lineItem": {"scoreMaximum": 25, "label": "First score", "tag": "t1"}},
        {**ITEM, "title": "Second"},
        {"type": "html", "html": "<p>not accepted</p>"},
    ]
    page = post_return(rig, url, rig.tool.deep_linking_response(rig.client_id, rig.lms_url, items))
    assert page.status_code == 200 and "Ignored 1 item" in page.text
    first = next(a for a in rig.state.activities.values() if a.title == "First")
    line_item = rig.state.line_item(first.line_item_id)
    assert (line_item.score_maximum, line_item.label, line_item.tag) == (25.0, "First score", "t1")
    assert any(a.title == "Second" for a in rig.state.activities.values())


def test_the_aud_may_be_a_string(rig):
    url = return_url(rig)
    token = rig.tool.deep_linking_response(rig.client_id, rig.lms_url, [ITEM], aud=rig.lms_url)
    assert post_return(rig, url, token).status_code == 200


def test_untrusted_returns_are_refused(rig):
    url = return_url(rig)
    cases = {
        "forged signature": rig.tool.deep_linking_response(
            rig.client_id, rig.lms_url, [ITEM], key=PlatformKey.generate(kid=rig.tool.key.kid)
        ),
        "wrong audience": rig.tool.deep_linking_response(rig.client_id, rig.lms_url, [ITEM], aud=["https://x.example"]),
        "wrong message type": rig.tool.deep_linking_response(
            rig.client_id, rig.lms_url, [ITEM], **{LTI + "message_type": "LtiResourceLinkRequest"}
        ),
        "wrong deployment": rig.tool.deep_linking_response(
            rig.client_id, rig.lms_url, [ITEM], **{LTI + "deployment_id": "7"}
        ),
        "no nonce": rig.tool.deep_linking_response(rig.client_id, rig.lms_url, [ITEM], nonce=None),
        "expired": rig.tool.deep_linking_response(rig.client_id, rig.lms_url, [ITEM], exp=1),
    }
    for case, token in cases.items():
        answer = post_return(rig, url, token)
        assert answer.status_code == 400, case
    assert rig.state.deep_linking_returns == []
    bad_sesskey = url.split("sesskey=")[0] + "sesskey=nope"
    good = rig.tool.deep_linking_response(rig.client_id, rig.lms_url, [ITEM])
    assert post_return(rig, bad_sesskey, good).status_code == 400


def test_data_must_be_echoed_when_sent(rig):
    rig.state.set_deep_linking_data("opaque")
    url = return_url(rig)
    assert post_return(rig, url, rig.tool.deep_linking_response(rig.client_id, rig.lms_url, [ITEM])).status_code == 400
    echoed = rig.tool.deep_linking_response(
        rig.client_id, rig.lms_url, [ITEM], **{"https://purl.imsglobal.org/spec/lti-dl/claim/data": "opaque"}
    )
    assert post_return(rig, url, echoed).status_code == 200
