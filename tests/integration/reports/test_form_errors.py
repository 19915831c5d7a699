"""A refused grading or accommodation form attaches the message to the field in error
(aria-invalid, aria-describedby to the message) and shows again what the instructor typed."""
import re

import pytest

from support.apps import csrf_from
from test_reports_grading import MIXED_ANSWERS, _answer, mixed  # noqa: F401  (the fixture)


def _control(html, control_id):
    """The start tag of the control with this id, or its textarea with the text inside."""
    match = re.search(rf'<(input|textarea)[^>]*\bid="{control_id}"[^>]*>([^<]*)', html)
    assert match, control_id
    return match.group(0)


def _described_by(tag):
    match = re.search(r'aria-describedby="([^"]*)"', tag)
    return match.group(1).split() if match else []


@pytest.mark.parametrize("field, value, control, others", [
    ("extra_minutes", "99999", "extra-minutes", ["extra-attempts", "close-at"]),
    ("extra_attempts", "100", "extra-attempts", ["extra-minutes", "close-at"]),
    ("close_at", "next tuesday", "close-at", ["extra-attempts", "extra-minutes"]),
])
def test_an_accommodation_error_is_on_its_field_and_the_values_stay(client, mixed, student, field, value, control,
                                                                    others):
    fay = student("fay", link="link-mixed")
    token = csrf_from(client.get(f"/l/{mixed}/reports/students/{fay}").get_data(as_text=True))
    data = {"csrf_token": token, "extra_attempts": "2", "extra_minutes": "15", "close_at": "", field: value}
    html = client.post(f"/l/{mixed}/reports/students/{fay}/accommodation", data=data).get_data(as_text=True)
    tag = _control(html, control)
    assert 'aria-invalid="true"' in tag and f"{control}-error" in _described_by(tag)
    assert re.search(rf'id="{control}-error"[^>]*>[^<]*Nothing was changed', html)
    for other in others:
        assert 'aria-invalid' not in _control(html, other)
    assert f'value="{value}"' in tag  # what was typed, not the stored value
    assert 'value="2"' in _control(html, "extra-attempts") or field == "extra_attempts"
    assert 'value="15"' in _control(html, "extra-minutes") or field == "extra_minutes"


def test_a_refused_mark_keeps_the_typed_mark_and_comment(app, client, mixed, student, attempt_for):
    public_id = attempt_for(student("fay", link="link-mixed"), MIXED_ANSWERS, link="link-mixed")
    essay = _answer(app, public_id, "essay")
    token = csrf_from(client.get(f"/l/{mixed}/reports/grading").get_data(as_text=True))
    html = client.post(f"/l/{mixed}/reports/grading/{essay}",
                       data={"csrf_token": token, "marks": "7", "comment": "Clear, but the second control is missing."}
                       ).get_data(as_text=True)
    marks = _control(html, "grade-marks")
    assert 'value="7"' in marks and 'aria-invalid="true"' in marks and _described_by(marks) == ["grade-marks-error"]
    comment = _control(html, "grade-comment")
    assert comment.endswith("Clear, but the second control is missing.") and "aria-invalid" not in comment


def test_a_too_long_comment_is_the_comment_fields_error(app, client, mixed, student, attempt_for):
    public_id = attempt_for(student("fay", link="link-mixed"), MIXED_ANSWERS, link="link-mixed")
    essay = _answer(app, public_id, "essay")
    token = csrf_from(client.get(f"/l/{mixed}/reports/grading").get_data(as_text=True))
    html = client.post(f"/l/{mixed}/reports/grading/{essay}",
                       data={"csrf_token": token, "marks": "2", "comment": "x" * 6000}).get_data(as_text=True)
    comment = _control(html, "grade-comment")
    assert 'aria-invalid="true"' in comment and _described_by(comment) == ["grade-comment-error"]
    assert 'value="2"' in _control(html, "grade-marks")


def test_a_refused_override_keeps_the_typed_mark(app, client, mixed, student, attempt_for):
    public_id = attempt_for(student("fay", link="link-mixed"), MIXED_ANSWERS, link="link-mixed")
    pick = _answer(app, public_id, "pick")
    url = f"/l/{mixed}/reports/attempts/{public_id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    html = client.post(f"{url}/answers/{pick}", data={"csrf_token": token, "marks": "abc", "comment": "typo"}
                       ).get_data(as_text=True)
    marks = _control(html, f"mark-{pick}-marks")
    assert 'value="abc"' in marks and 'aria-invalid="true"' in marks
    assert _control(html, f"mark-{pick}-comment").endswith("typo")
