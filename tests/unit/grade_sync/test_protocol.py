"""The wire formats Kontor speaks: scores, service URLs, Link headers, members, Retry-After."""
from datetime import datetime, timezone

import pytest

from lms_module.lti import ags, nrps
from lms_module.lti.roles import nrps_role
from lms_module.lti.services_clients import ServiceFailure, next_link, retry_after_seconds

T = datetime(2026, 11, 28, 9, 23, 27, 935000, tzinfo=timezone.utc)


def test_score_json_has_what_moodle_needs_and_no_canvas_extension():
    body = ags.score_json(ags.Score("4", 8.0, 10.0, "Completed", "FullyGraded", T, "Well done", T, True))
    assert body == {
        "userId": "4",
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": "2026-11-28T09:23:27.935+00:00",
        "scoreMaximum": 10.0,
        "scoreGiven": 8.0,
        "comment": "Well done",
    }


def test_score_json_for_canvas_carries_the_submission_extension():
    body = ags.score_json(ags.Score("4", 8.0, 10.0, "Completed", "FullyGraded", T, "", T, True, canvas=True))
    assert body["https://canvas.instructure.com/lti/submission"] == {
        "new_submission": True, "submission_type": "external_tool", "submitted_at": "2026-11-28T09:23:27.935+00:00"}


@pytest.mark.parametrize(("issuer", "canvas"), [
    ("https://canvas.instructure.com", True), ("https://canvas.beta.instructure.com", True),
    ("https://canvas.instructure.com.evil.example", False), ("http://canvas.instructure.com", False),
    ("https://moodle.example.edu", False)])
def test_hosted_canvas_is_known_by_its_issuer(issuer, canvas):
    assert ags.is_canvas_issuer(issuer) is canvas


def test_lms_message_reads_canvas_and_moodle_error_bodies():
    from lms_module.lti.services_clients import lms_message

    canvas = b'{"errors":{"type":"unprocessable_entity","message":"User not found in course or is not a student"}}'
    assert lms_message(canvas) == "User not found in course or is not a student"
    assert lms_message(b'{"errors":[{"message":"The specified resource does not exist."}]}') == \
        "The specified resource does not exist."
    assert lms_message(b'{"status":400,"reason":"Incorrect score"}') == "Incorrect score"
    assert lms_message(b"[]") is None and lms_message(b"<html>") is None


def test_a_pending_score_has_no_score_given_but_keeps_its_maximum():
    body = ags.score_json(ags.Score("4", None, 10.0, "Submitted", "PendingManual", T))
    assert "scoreGiven" not in body and body["scoreMaximum"] == 10.0 and "comment" not in body


def test_scores_url_goes_before_moodles_query_string():
    url = "http://moodle/mod/lti/services.php/2/lineitems/2/lineitem?type_id=1"
    assert ags.sub_resource(url, "scores") == "http://moodle/mod/lti/services.php/2/lineitems/2/lineitem/scores?type_id=1"
    assert ags.sub_resource("https://canvas/api/lti/courses/1/line_items/5/", "scores") == \
        "https://canvas/api/lti/courses/1/line_items/5/scores"


def test_next_link_reads_proper_and_moodles_broken_link_headers():
    proper = '<http://m/memberships?limit=1&from=1>; rel="next"'
    assert next_link(proper) == "http://m/memberships?limit=1&from=1"
    broken = ("<http://m/lineitems?type_id=1&amp;limit=1&amp;from=0>; rel=\u201cfirst\u201d, "
              "<http://m/lineitems?type_id=1&amp;limit=1&amp;from=1>; rel=\u201cnext\u201d")
    assert next_link(broken) == "http://m/lineitems?type_id=1&limit=1&from=1"
    # As it arrives over HTTP: UTF-8 bytes read as latin-1.
    assert next_link(broken.encode("utf-8").decode("latin-1")) == "http://m/lineitems?type_id=1&limit=1&from=1"
    assert next_link('<http://a>; rel="prev", <http://b>; rel="last"') is None
    assert next_link(None) is None and next_link("garbage") is None


def test_retry_after_as_seconds_or_http_date():
    assert retry_after_seconds("120") == 120
    now = datetime(2026, 11, 28, 9, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds("Sat, 28 Nov 2026 09:01:00 GMT", now) == 60
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_members_are_parsed_defensively():
    members = nrps.parse_members({"members": [
        {"user_id": 4, "roles": ["Learner"], "status": "Active", "name": "Sam Student", "email": "s@example.com"},
        {"user_id": "5", "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"], "status": "Inactive"},
        {"roles": ["Learner"]},
        "nonsense",
    ]})
    assert [(m.user_id, m.active) for m in members] == [("4", True), ("5", False)]
    assert members[0].email == "s@example.com" and members[1].email is None
    with pytest.raises(ServiceFailure):
        nrps.parse_members(["not", "a", "container"])


def test_nrps_short_role_names_map_like_uris():
    assert nrps_role(["Learner"]) == "student"
    assert nrps_role(["Instructor"]) == "instructor"
    assert nrps_role(["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]) == "instructor"
    assert nrps_role([]) == "student"


def test_error_bodies_nested_too_deep_are_read_as_no_message():
    """json.loads raises RecursionError (no ValueError) on JSON nested deeper than the recursion
    limit; a grade delivery must fail with the LMS's status, not with that."""
    from lms_module.lti.services_clients import ServiceResponse, lms_message
    from lms_module.lti.tokens import _oauth_error

    deep = b"[" * 100_000 + b"]" * 100_000
    assert lms_message(deep) is None
    assert _oauth_error(deep) is None
    with pytest.raises(ServiceFailure):
        ServiceResponse(200, "OK", {}, deep, "https://lms.example/x").json()
