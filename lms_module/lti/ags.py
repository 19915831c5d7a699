"""Assignment and Grade Services: scores, and finding or creating Kontor's line item.

What the LMSs insist on (see /work/shared/lms-samples and docs/grade-sync.md):
- a score is POSTed as application/vnd.ims.lis.v1.score+json to the line item URL with /scores
  inserted before the query string (Moodle's URLs carry ?type_id=N); success is 200 with an
  empty body (others answer 204);
- scoreMaximum always goes with scoreGiven (Canvas requires it; Moodle rescales to the item);
- Canvas gets its submission extension (submission_type, submitted_at, new_submission), so that
  the submission shows when the student submitted; other LMSs get the plain score;
- Canvas answers a score for someone who is not an active student of the course (a teacher, a
  dropped student, the Test Student of Student View) with 422: that grade cannot be delivered,
  and retrying would not change it;
- line item GETs must Accept the exact media type (application/json alone gets 400 at Moodle).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .services_clients import REFUSED, RETRY, ServiceClient, ServiceFailure, excerpt, next_link, same_origin

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"

MEDIA_SCORE = "application/vnd.ims.lis.v1.score+json"
MEDIA_LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
MEDIA_LINEITEMS = "application/vnd.ims.lis.v2.lineitemcontainer+json"
CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"

# Hosted Canvas's issuers (production, beta, test): every school shares them.
CANVAS_ISSUER_HOSTS = {"canvas.instructure.com", "canvas.beta.instructure.com", "canvas.test.instructure.com"}
# A failed grade whose message starts so was refused by the LMS for good (422): the page says
# "not accepted by the LMS" and shows the LMS's words after it.
NOT_ACCEPTED_PREFIX = "Not accepted by the LMS: "

# The tag of line items Kontor creates, so that it finds its own column again.
KONTOR_TAG = "kontor-grade"
MAX_LINEITEM_PAGES = 20

FULLY_GRADED = "FullyGraded"
PENDING_MANUAL = "PendingManual"
COMPLETED = "Completed"
SUBMITTED = "Submitted"
IN_PROGRESS = "InProgress"

COLUMN_MANAGEMENT_REFUSED = (
    "The LMS refused to create a grade column (line item) for this activity. In Moodle, set the "
    "tool's \"IMS LTI Assignment and Grade Services\" to \"Use this service for grade sync and column "
    "management\", or make the activity itself accept grades."
)


@dataclass(frozen=True)
class Score:
    user_id: str  # the LMS's user id (the launch's sub)
    score_given: float | None
    score_maximum: float
    activity_progress: str
    grading_progress: str
    timestamp: datetime
    comment: str = ""
    submitted_at: datetime | None = None
    new_submission: bool = False
    canvas: bool = False  # send Canvas's submission extension


def is_canvas_issuer(issuer: str) -> bool:
    """Instructure-hosted Canvas (self-hosted Canvas with its own issuer is not recognised)."""
    parts = urlsplit(issuer or "")
    return parts.scheme == "https" and (parts.hostname or "") in CANVAS_ISSUER_HOSTS


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def score_json(score: Score) -> dict:
    body: dict = {
        "userId": score.user_id,
        "activityProgress": score.activity_progress,
        "gradingProgress": score.grading_progress,
        "timestamp": iso(score.timestamp),
        "scoreMaximum": score.score_maximum,
    }
    if score.score_given is not None:
        body["scoreGiven"] = score.score_given
    if score.comment:
        body["comment"] = score.comment
    if score.canvas and score.submitted_at is not None:
        # external_tool is Canvas's default type for a tool's assignment; said explicitly so that a
        # line item Kontor created (submission type "none") still records the submission.
        body[CANVAS_SUBMISSION] = {"new_submission": score.new_submission, "submission_type": "external_tool",
                                   "submitted_at": iso(score.submitted_at)}
    return body


def sub_resource(lineitem_url: str, name: str) -> str:
    """`lineitem_url` with /scores or /results appended to the path, before any query string."""
    parts = urlsplit(lineitem_url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + "/" + name, parts.query, parts.fragment))


def post_score(client: ServiceClient, lineitem_url: str, score: Score) -> None:
    try:
        client.request(
            "POST",
            sub_resource(lineitem_url, "scores"),
            what=f"score for user {score.user_id}",
            content_type=MEDIA_SCORE,
            body=json.dumps(score_json(score)),
            truncate=True,  # the body of a score answer means nothing
        )
    except ServiceFailure as failure:
        if failure.status == 422:
            # Canvas: "User not found in course or is not a student" and the like; never retried.
            raise ServiceFailure(REFUSED, NOT_ACCEPTED_PREFIX + (failure.lms_message or failure.message),
                                 status=422) from failure
        raise


def find_line_item(client: ServiceClient, lineitems_url: str, *, resource_link_id: str, tag: str = KONTOR_TAG) -> str | None:
    """The URL of the line item bound to `resource_link_id` with `tag`, if the LMS has one."""
    url: str | None = _with_query(lineitems_url, resource_link_id=resource_link_id, tag=tag)
    seen: set[str] = set()
    for _ in range(MAX_LINEITEM_PAGES):
        if url is None or url in seen:
            return None
        seen.add(url)
        response = client.request("GET", url, what="line item search", accept=MEDIA_LINEITEMS)
        items = response.json()
        if not isinstance(items, list):
            raise ServiceFailure(RETRY, f"line item search: the LMS answered with something other than a list: "
                                        f"{excerpt(response.body)!r}")
        for item in items:
            # Filter again: an LMS may ignore the query parameters.
            if (isinstance(item, dict) and isinstance(item.get("id"), str)
                    and str(item.get("resourceLinkId", item.get("ltiLinkId", ""))) == resource_link_id
                    and (item.get("tag") or "") == tag):
                return item["id"]
        following = next_link(response.headers.get("Link"))
        url = following if following and same_origin(following, lineitems_url) else None
    return None


def create_line_item(client: ServiceClient, lineitems_url: str, *, label: str, score_maximum: float,
                     resource_link_id: str, resource_id: str = "", tag: str = KONTOR_TAG) -> str:
    body = {
        "label": label or "Kontor",
        "scoreMaximum": score_maximum,
        "resourceLinkId": resource_link_id,
        "resourceId": resource_id,
        "tag": tag,
    }
    try:
        response = client.request("POST", lineitems_url, what="line item creation", accept=MEDIA_LINEITEM,
                                  content_type=MEDIA_LINEITEM, body=json.dumps(body))
    except ServiceFailure as failure:
        if failure.status in (401, 403):
            raise ServiceFailure(REFUSED, f"{COLUMN_MANAGEMENT_REFUSED} ({failure.message})",
                                 status=failure.status) from failure
        raise
    created = response.json()
    if not isinstance(created, dict) or not isinstance(created.get("id"), str) or not created["id"]:
        raise ServiceFailure(RETRY, f"line item creation: the LMS's answer has no id: {excerpt(response.body)!r}")
    return created["id"]


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += list(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
