"""Moodle 4.5's AGS gradebook rules as pure functions (no Flask, no state).

Sources: the samples in ags-score-post.json and Moodle's scores.php / gradebookservices.php.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .model import Grade, LineItem

FULLY_GRADED = "FullyGraded"

# gradebookservices::validate_iso8601_date: fractions and the zone are optional.
_ISO8601 = re.compile(
    r"^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d+)?"
    r"(Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?$"
)


@dataclass(frozen=True)
class ScoreResult:
    status: int
    reason: str  # the status line's reason phrase, as Moodle words it
    grade: Grade | None = None  # the gradebook row to store when status is 200


def timestamp_seconds(value: Any) -> int | None:
    """strtotime() of a valid ISO 8601 timestamp: whole seconds, fraction dropped."""
    if not isinstance(value, str) or not _ISO8601.match(value):
        return None
    # The fraction is dropped anyway; removing it first keeps fromisoformat happy with any length.
    text = re.sub(r"\.\d+", "", value).replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):
        text = f"{text[:-2]}:{text[-2:]}"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)  # the emulated server runs in UTC
    return int(parsed.timestamp() // 1)


def apply_score(
    raw_body: str,
    item: LineItem,
    existing: Grade | None,
    is_gradable: Callable[[str], bool],
    now: float,
) -> ScoreResult:
    """Decide what a score POST does to the gradebook, exactly as Moodle 4.5 does."""
    incorrect = ScoreResult(400, "Incorrect score received" + raw_body)
    try:
        score = json.loads(raw_body)
    except ValueError:
        return incorrect
    if not isinstance(score, dict) or not score:
        return incorrect
    required = ("userId", "timestamp", "gradingProgress", "activityProgress")
    if any(score.get(name) is None for name in required):
        return incorrect
    posted_at = timestamp_seconds(score["timestamp"])
    given = score.get("scoreGiven")
    maximum = score.get("scoreMaximum")
    if (
        posted_at is None
        or (given is not None and not _is_numeric(given))
        or (given is not None and maximum is None)
        or (maximum is not None and not _is_numeric(maximum))
        or not is_gradable(str(score["userId"]))
    ):
        return incorrect
    user_id = str(score["userId"])

    # Refused unless strictly later, in whole seconds, than the stored timemodified.
    if existing is not None and existing.timemodified and existing.timemodified >= posted_at:
        return ScoreResult(409, f"Refusing score with an earlier timestamp for item {item.id} and user {user_id}")

    # Anything but FullyGraded drops scoreGiven, which empties the gradebook grade.
    if score["gradingProgress"] != FULLY_GRADED:
        given = None
    raw_grade: float | None = None
    timemodified: int | None = None
    if given is not None:
        raw_grade = round(float(given), 5)
        score_maximum = float(maximum) if maximum is not None else 1.0
        if abs(score_maximum - item.score_maximum) > 1e-5 and abs(score_maximum) > 1e-5:
            raw_grade = round(raw_grade * item.score_maximum / score_maximum, 5)
        timemodified = posted_at
    comment = score.get("comment")
    feedback = None if _php_empty(comment) else str(comment)
    if feedback is not None and given is None:
        # With a comment Moodle stamps the time of the post (sample e); without one the
        # grade's timemodified becomes NULL and the next score of any age is accepted (e3, e4).
        timemodified = int(now)
    grade = Grade(
        item_id=item.id,
        user_id=user_id,
        raw_grade=raw_grade,
        feedback=feedback,
        timemodified=timemodified,
        grading_progress=str(score["gradingProgress"]),
        activity_progress=str(score["activityProgress"]),
    )
    return ScoreResult(200, "OK", grade)


def lineitem_json(item: LineItem, lineitem_url: str) -> dict[str, Any]:
    """gradebookservices::item_for_json: resourceId and tag are always there, maybe empty."""
    value: dict[str, Any] = {
        "id": lineitem_url,
        "label": item.label,
        "scoreMaximum": item.score_maximum,
        "resourceId": item.resource_id or "",
        "tag": item.tag or "",
    }
    if item.lti_link_id is not None:
        value["resourceLinkId"] = str(item.lti_link_id)
        value["ltiLinkId"] = str(item.lti_link_id)
    if item.start_date_time:
        value["startDateTime"] = item.start_date_time
    if item.end_date_time:
        value["endDateTime"] = item.end_date_time
    return value


def result_json(grade: Grade, item: LineItem, lineitem_url: str, results_url: str) -> dict[str, Any]:
    """gradebookservices::result_for_json: an emptied grade shows only id and userId."""
    value: dict[str, Any] = {"id": f"{results_url}&user_id={grade.user_id}", "userId": grade.user_id}
    if grade.raw_grade is not None:
        value["resultScore"] = grade.raw_grade
        value["resultMaximum"] = item.score_maximum
        if grade.feedback:
            value["comment"] = grade.feedback
        value["scoreOf"] = lineitem_url
        value["timestamp"] = datetime.fromtimestamp(grade.timemodified or 0, timezone.utc).isoformat()
    return value


def _is_numeric(value: Any) -> bool:
    """PHP's is_numeric for JSON-decoded values."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):
        try:
            float(value.strip())
        except ValueError:
            return False
        return value.strip() != ""
    return False


def _php_empty(value: Any) -> bool:
    return value in (None, "", "0", 0, False) or value == [] or value == {}
