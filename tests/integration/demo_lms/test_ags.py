"""Assignment and Grade Services with Moodle 4.5's rules (ags-*.json samples)."""

from __future__ import annotations

import json

import pytest
import requests

from lms_module.demo_lms.scopes import (
    MEDIA_LINEITEM,
    MEDIA_LINEITEMS,
    MEDIA_RESULTS,
    MEDIA_SCORE,
    SCOPE_LINEITEM_READONLY,
    SCOPE_SCORE,
)

SCORE_CT = "application/vnd.ims.lis.v1.score+json; charset=utf-8"
# The samples' clock: 2026-11-28T09:23:34Z, when case (e) was posted.
SAMPLE_NOW = 1795857814.0


@pytest.fixture
def ags(rig):
    rig.state.clock = lambda: SAMPLE_NOW  # "time of the post" rules must not depend on the host clock
    return Ags(rig)


class Ags:
    def __init__(self, rig) -> None:
        self.rig = rig
        self.token = rig.access_token()
        self.services = f"{rig.lms_url}/mod/lti/services.php/2"

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **extra}

    def post_score(self, body: dict | str, content_type: str = MEDIA_SCORE, item: int = 2) -> requests.Response:
        raw = body if isinstance(body, str) else json.dumps(body)
        return requests.post(
            f"{self.services}/lineitems/{item}/lineitem/scores?type_id=1",
            data=raw.encode("utf-8"),
            headers=self.headers(**{"Content-Type": content_type, "Accept": "application/json"}),
            timeout=5,
        )

    def get(self, path: str, accept: str, **params: str) -> requests.Response:
        return requests.get(f"{self.services}{path}", params={"type_id": "1", **params},
                            headers=self.headers(Accept=accept), timeout=5)


def score(user: str = "4", given: float | None = 8.0, timestamp: str = "2026-11-28T09:23:27.935+00:00",
          progress: str = "FullyGraded", **extra) -> dict:
    body: dict = {"scoreGiven": given, "scoreMaximum": 10.0, "activityProgress": "Completed",
                  "gradingProgress": progress, "timestamp": timestamp, "userId": user}
    if given is None:
        body.pop("scoreGiven")
        body.pop("scoreMaximum")
    body.update(extra)
    return body


def test_a_valid_score_is_scaled_and_answered_with_an_empty_200(ags):
    answer = ags.post_score(score())
    assert answer.status_code == 200 and answer.text == ""
    assert answer.headers["Content-Type"] == SCORE_CT
    grade = ags.rig.state.grade("4")
    assert grade.raw_grade == 80 and grade.display == "80.00"
    assert ags.rig.state.received_scores[-1].json["userId"] == "4"


def test_plain_application_json_finds_no_handler(ags):
    answer = ags.post_score(score(), content_type="application/json")
    assert answer.status_code == 400
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    assert answer.json()["reason"] == "No handler found for /2/lineitems/2/lineitem/scores  application/json"
    assert answer.json()["request"]["contentType"] == "application/json"
    assert ags.rig.state.grade("4") is None


def test_timestamps_must_be_strictly_later_in_whole_seconds(ags):
    assert ags.post_score(score()).status_code == 200
    same = ags.post_score(score())
    later_ms = ags.post_score(score(given=9.0, timestamp="2026-11-28T09:23:27.999+00:00"))
    for answer in (same, later_ms):
        assert answer.status_code == 409 and answer.text == "[]"
        assert answer.reason == "Refusing score with an earlier timestamp for item 2 and user 4"
    assert ags.post_score(score(given=9.0, timestamp="2026-11-28T09:23:28.000Z")).status_code == 200
    assert ags.rig.state.grade("4").raw_grade == 90


def test_a_score_for_the_teacher_is_incorrect(ags):
    body = json.dumps(score(user="3", given=5.0))
    answer = ags.post_score(body)
    assert answer.status_code == 400 and answer.text == "[]"
    assert answer.reason == "Incorrect score received" + body


def test_pending_manual_wipes_the_grade_and_the_timestamp_rules_after_it(ags):
    state = ags.rig.state
    assert ags.post_score(score()).status_code == 200
    # (e) PendingManual with a comment: grade emptied, timemodified = time of the post.
    pending = score(given=6.0, progress="PendingManual", timestamp="2026-11-28T09:23:34.196+00:00",
                    comment="awaiting manual grading")
    assert ags.post_score(pending).status_code == 200
    grade = state.grade("4")
    assert (grade.raw_grade, grade.display, grade.feedback) == (None, "-", "awaiting manual grading")
    assert grade.timemodified == int(SAMPLE_NOW)
    # (e2) an hour older: refused, the comment's timemodified counts.
    older = score(given=7.0, timestamp="2026-11-28T08:23:27.935+00:00")
    assert ags.post_score(older).status_code == 409
    # (e3) PendingManual without comment: timemodified becomes NULL ...
    bare = score(given=None, progress="PendingManual", timestamp="2026-11-28T09:23:36.487+00:00")
    bare["activityProgress"] = "Submitted"
    assert ags.post_score(bare).status_code == 200
    assert state.grade("4").timemodified is None
    # (e4) ... so even the hour-older score is accepted and its timestamp stored.
    assert ags.post_score(older).status_code == 200
    grade = state.grade("4")
    assert grade.raw_grade == 70 and grade.timemodified == 1795854207


def test_results_like_moodle(ags):
    assert ags.post_score(score()).status_code == 200
    results = ags.get("/lineitems/2/lineitem/results", MEDIA_RESULTS)
    assert results.headers["Content-Type"] == f"{MEDIA_RESULTS}; charset=utf-8"
    lineitem_url = f"{ags.services}/lineitems/2/lineitem?type_id=1"
    assert results.json() == [{
        "id": f"{ags.services}/lineitems/2/lineitem/results?type_id=1&user_id=4",
        "userId": "4", "resultScore": 80, "resultMaximum": 100, "scoreOf": lineitem_url,
        "timestamp": "2026-11-28T09:23:27+00:00",
    }]
    assert "http:\\/\\/" in results.text  # PHP escapes slashes
    pending = score(given=None, progress="PendingManual", timestamp="2026-11-28T09:23:40Z", comment="later")
    assert ags.post_score(pending).status_code == 200
    emptied = ags.get("/lineitems/2/lineitem/results", MEDIA_RESULTS, user_id="4").json()
    assert emptied == [{"id": f"{ags.services}/lineitems/2/lineitem/results?type_id=1&user_id=4", "userId": "4"}]


def test_zero_is_a_score(ags):
    zero = score(given=0, timestamp="2026-11-28T09:23:58.548+00:00", comment="zero points")
    assert ags.post_score(zero).status_code == 200
    (result,) = ags.get("/lineitems/2/lineitem/results", "*/*").json()
    assert result["resultScore"] == 0 and result["comment"] == "zero points"


def test_the_canvas_submission_extension_is_accepted(ags):
    body = score(**{"https://canvas.instructure.com/lti/submission": {"new_submission": True}})
    assert ags.post_score(body).status_code == 200


def test_lineitem_accept_negotiation(ags):
    expected = {
        "id": f"{ags.services}/lineitems/2/lineitem?type_id=1", "label": "Kontor quiz", "scoreMaximum": 100,
        "resourceId": "", "tag": "", "resourceLinkId": "1", "ltiLinkId": "1",
    }
    for accept in (MEDIA_LINEITEM, "*/*"):
        answer = ags.get("/lineitems/2/lineitem", accept)
        assert answer.status_code == 200 and answer.json() == expected
    refused = ags.get("/lineitems/2/lineitem", "application/json")
    assert refused.status_code == 400
    assert refused.json()["reason"] == "No handler found for /2/lineitems/2/lineitem application/json "
    assert refused.json()["request"] == {
        "method": "GET", "url": "/demo-lms/mod/lti/services.php/2/lineitems/2/lineitem?type_id=1",
        "accept": "application/json",
    }


def test_lineitems_filters_and_the_broken_link_header(ags):
    created = requests.post(
        f"{ags.services}/lineitems?type_id=1",
        data=json.dumps({"label": "Probe column (AGS-created)", "scoreMaximum": 50, "resourceId": "probe-1",
                         "tag": "probe"}),
        headers=ags.headers(**{"Content-Type": MEDIA_LINEITEM}),
        timeout=5,
    )
    assert created.status_code == 201
    assert created.json()["id"] == f"{ags.services}/lineitems/3/lineitem?type_id=1"
    everything = ags.get("/lineitems", MEDIA_LINEITEMS).json()
    assert [item["label"] for item in everything] == ["Kontor quiz", "Probe column (AGS-created)"]
    assert "resourceLinkId" not in everything[1]
    assert len(ags.get("/lineitems", MEDIA_LINEITEMS, resource_link_id="1").json()) == 1
    assert ags.get("/lineitems", MEDIA_LINEITEMS, tag="probe").json()[0]["resourceId"] == "probe-1"

    paged = ags.get("/lineitems", MEDIA_LINEITEMS, limit="1")
    assert len(paged.json()) == 1
    link = paged.headers["Link"].encode("latin-1").decode("utf-8")  # sent as UTF-8 bytes
    base = f"{ags.services}/lineitems?type_id=1&amp;limit=1&amp;from="
    assert link == (
        f"<{base}0>; rel=\u201cfirst\u201d, <{base}0>; rel=\u201ccanonical\u201d, "
        f"<{base}1>; rel=\u201cnext\u201d, <{base}2>; rel=\u201clast\u201d"
    )
    assert "next" not in paged.links  # a strict RFC 8288 parser finds nothing


def test_lineitems_refuses_a_bare_wildcard_accept(ags):
    # lineitems.php routes */* to itself and then refuses it: only the container type works.
    assert ags.get("/lineitems", "*/*").status_code == 400


def test_tokens_and_scopes_are_checked(ags):
    url = f"{ags.services}/lineitems/2/lineitem?type_id=1"
    missing = requests.get(url, headers={"Accept": MEDIA_LINEITEM}, timeout=5)
    assert missing.status_code == 401 and missing.json()["reason"] == "Unauthorized"
    read_only = ags.rig.access_token([SCOPE_LINEITEM_READONLY])
    refused = requests.post(
        url.replace("/lineitem?", "/lineitem/scores?"), data=json.dumps(score()),
        headers={"Authorization": f"Bearer {read_only}", "Content-Type": MEDIA_SCORE}, timeout=5,
    )
    assert refused.status_code == 401
    score_only = ags.rig.access_token([SCOPE_SCORE])
    assert requests.get(url, headers={"Authorization": f"Bearer {score_only}"}, timeout=5).status_code == 401
    ags.rig.state.expire_access_tokens()
    assert ags.post_score(score()).status_code == 401
    wrong_type = requests.get(url.replace("type_id=1", "type_id=9"), headers=ags.headers(), timeout=5)
    assert wrong_type.status_code == 401


def test_unknown_items_and_courses(ags):
    assert ags.get("/lineitems/99/lineitem", MEDIA_LINEITEM).status_code == 404
    other_course = requests.get(
        f"{ags.rig.lms_url}/mod/lti/services.php/7/lineitems/2/lineitem?type_id=1",
        headers=ags.headers(Accept=MEDIA_LINEITEM), timeout=5,
    )
    assert other_course.status_code == 404


def test_the_score_content_type_must_match_exactly(ags):
    # services.php compares the raw Content-Type, parameters included, with the media type.
    answer = ags.post_score(score(), content_type=f"{MEDIA_SCORE}; charset=utf-8")
    assert answer.status_code == 400 and answer.json()["reason"].startswith("No handler found")


def test_tool_created_line_items_can_be_updated_and_deleted(ags):
    created = requests.post(
        f"{ags.services}/lineitems?type_id=1",
        data=json.dumps({"label": "Extra", "scoreMaximum": 10}),
        headers=ags.headers(**{"Content-Type": MEDIA_LINEITEM}),
        timeout=5,
    ).json()
    assert ags.post_score(score(), item=3).status_code == 200
    assert ags.rig.state.grade_for_item(3, "4").raw_grade == 8
    updated = requests.put(
        created["id"],
        data=json.dumps({"label": "Extra (renamed)", "scoreMaximum": 20}),
        headers=ags.headers(**{"Content-Type": MEDIA_LINEITEM}),
        timeout=5,
    )
    assert updated.status_code == 200 and updated.json()["label"] == "Extra (renamed)"
    assert ags.rig.state.grade_for_item(3, "4").raw_grade == 16  # rescaled, percentage kept
    assert requests.delete(created["id"], headers=ags.headers(), timeout=5).status_code == 204
    assert ags.rig.state.line_item(3) is None
    activity_item = f"{ags.services}/lineitems/2/lineitem?type_id=1"
    assert requests.delete(activity_item, headers=ags.headers(), timeout=5).status_code == 403
