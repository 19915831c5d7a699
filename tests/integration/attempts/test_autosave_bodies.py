"""Autosave bodies that are no answer Kontor understands get the autosave's own JSON refusal in the
student's language, never a 500, and change no stored answer."""
import re

import pytest
from sqlalchemy import select

from lms_module.attempts.models import Answer, Attempt
from lms_module.extensions import db
from support.apps import csrf_from

# Nested deeper than Python's recursion limit: json.loads raises RecursionError, which is no
# ValueError, so get_json(silent=True) let it through (a 500 and a traceback in the log per request).
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("locale, words", [("en", "form Kontor does not understand"),
                                           ("de", "in einer Form, die Kontor nicht versteht")])
@pytest.mark.parametrize("body", [
    DEEP,
    '{"question_id": "why-check", "fields": {"q-why-check": ' + DEEP + "}}",
    '{"question_id": "why-check", "fields": ' + "{\"a\": " * 100_000 + "1" + "}" * 100_000 + "}",
], ids=["top", "in a field", "objects"])
def test_json_nested_too_deeply_is_refused_as_a_wrong_shape(app, client, make_launch, all_types_quiz, start, body,
                                                             locale, words):
    launch = make_launch("student", quiz_slug=all_types_quiz, user_sub="sam", locale=locale)
    attempt_id = re.search(r"/attempt/([^/]+)/page/", start(launch).headers["Location"]).group(1)
    token = csrf_from(client.get(f"/l/{launch}/attempt/{attempt_id}/page/1").get_data(as_text=True))
    refused = client.post(f"/l/{launch}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                          data=body, content_type="application/json")
    assert refused.status_code == 400, refused.get_data(as_text=True)[:300]
    answer = refused.get_json()
    assert answer["ok"] is False and words in answer["message"]
    with app.app_context():
        stored = db.session.scalars(select(Answer.response).join(Attempt).where(Attempt.public_id == attempt_id))
        assert all(response == {} for response in stored)


@pytest.mark.parametrize("flagged", ["false", "0", "no", 1, 1.5, [], {"x": 1}])
def test_a_flag_that_is_no_boolean_is_refused_and_changes_nothing(app, client, student, start, flagged):
    """bool() of what was sent was stored: the string "false" flagged the question."""
    attempt_id = re.search(r"/attempt/([^/]+)/page/", start(student).headers["Location"]).group(1)
    token = csrf_from(client.get(f"/l/{student}/attempt/{attempt_id}/page/1").get_data(as_text=True))
    save = {"question_id": "why-check", "fields": {"q-why-check": ["Two people check."]}}
    assert client.post(f"/l/{student}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                       json={**save, "flagged": False}).status_code == 200
    refused = client.post(f"/l/{student}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                          json={"question_id": "why-check", "fields": {"q-why-check": ["Changed"]}, "flagged": flagged})
    assert refused.status_code == 400 and refused.get_json()["error"] == "wrong_shape"
    with app.app_context():
        answer = db.session.scalars(select(Answer).join(Attempt).where(
            Attempt.public_id == attempt_id, Answer.question_id == "why-check")).one()
        assert (answer.response, answer.flagged) == ({"text": "Two people check."}, False)
    # A boolean, or none at all (the flag stays as it is), is what the page's script sends.
    for extra in ({"flagged": True}, {}):
        assert client.post(f"/l/{student}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                           json={**save, **extra}).status_code == 200
