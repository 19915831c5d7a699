"""A POST behind a launch whose body is no form (JSON, plain text, nothing) is refused and changes
nothing, except at the autosave, which takes JSON. Such a body reached the views as an empty form
(the CSRF token came in the X-CSRFToken header), and an empty form means 'nothing chosen': a
question page's post erased every answer on the page, the activity's settings fell back to the
quiz's. Browsers send the pages' forms as forms; only a script (an extension, a misdirected call)
sends anything else."""
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from lms_module.attempts.models import Answer, Attempt, LinkSettings
from lms_module.extensions import db
from lms_module.library.services import import_path
from support.apps import csrf_from

ALL_TYPES = Path(__file__).resolve().parents[1] / "unit" / "engine" / "fixtures" / "all_types.yaml"
NOT_A_FORM = [
    {"json": {"q-why-check": "", "go": "stay"}},
    {"data": b"q-why-check=&go=stay", "content_type": "text/plain"},
    {"data": b"", "content_type": "application/octet-stream"},
    {},
]
IDS = ["json", "text", "octet-stream", "no body"]


@pytest.fixture
def library(app):
    with app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()


def _refused(response, words):
    text = response.get_data(as_text=True)
    assert response.status_code == 400, (response.status_code, text[:300])
    assert words in text


@pytest.mark.parametrize("locale, words", [("en", "did not receive the form"), ("de", "hat das Formular nicht erhalten")])
@pytest.mark.parametrize("body", NOT_A_FORM, ids=IDS)
def test_a_question_page_post_that_is_no_form_keeps_the_answers(app, client, make_launch, library, body, locale, words):
    launch = make_launch("student", quiz_slug="all-types", user_sub="sam", locale=locale)
    token = csrf_from(client.get(f"/l/{launch}/quiz").get_data(as_text=True))
    started = client.post(f"/l/{launch}/quiz/start", data={"csrf_token": token})
    attempt_id = re.search(r"/attempt/([^/]+)/page/", started.headers["Location"]).group(1)
    token = csrf_from(client.get(f"/l/{launch}/attempt/{attempt_id}/page/1").get_data(as_text=True))
    saved = client.post(f"/l/{launch}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                        json={"question_id": "why-check", "fields": {"q-why-check": ["Two people check."]}})
    assert saved.status_code == 200
    _refused(client.post(f"/l/{launch}/attempt/{attempt_id}/page/1", headers={"X-CSRFToken": token}, **body), words)
    with app.app_context():
        answer = db.session.scalars(select(Answer).join(Attempt).where(
            Attempt.public_id == attempt_id, Answer.question_id == "why-check")).one()
        assert answer.response == {"text": "Two people check."}


@pytest.mark.parametrize("body", NOT_A_FORM, ids=IDS)
def test_a_settings_post_that_is_no_form_keeps_the_settings(app, client, make_launch, library, body):
    launch = make_launch("instructor", quiz_slug="all-types")
    token = csrf_from(client.get(f"/l/{launch}/instructor").get_data(as_text=True))
    assert client.post(f"/l/{launch}/instructor/settings", data={"csrf_token": token, "attempts": "5"}).status_code == 302
    _refused(client.post(f"/l/{launch}/instructor/settings", headers={"X-CSRFToken": token}, **body),
             "did not receive the form")
    with app.app_context():
        assert db.session.scalars(select(LinkSettings)).one().overrides == {"attempts": 5}


def test_the_forms_still_go_through_as_forms_and_the_autosave_as_json(app, client, make_launch, library):
    launch = make_launch("student", quiz_slug="all-types", user_sub="sam")
    token = csrf_from(client.get(f"/l/{launch}/quiz").get_data(as_text=True))
    started = client.post(f"/l/{launch}/quiz/start", data={"csrf_token": token})  # urlencoded
    attempt_id = re.search(r"/attempt/([^/]+)/page/", started.headers["Location"]).group(1)
    token = csrf_from(client.get(f"/l/{launch}/attempt/{attempt_id}/page/1").get_data(as_text=True))
    multipart = client.post(f"/l/{launch}/attempt/{attempt_id}/page/1", content_type="multipart/form-data",
                            data={"csrf_token": token, "q-why-check": "Two", "go": "stay"})
    assert multipart.status_code == 302
    autosave = client.post(f"/l/{launch}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                           json={"question_id": "why-check", "fields": {"q-why-check": ["Three"]}})
    assert autosave.status_code == 200
    # The autosave refuses what is no JSON itself, in JSON (the script reads it), as before.
    refused = client.post(f"/l/{launch}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                          data={"question_id": "why-check"})
    assert refused.status_code == 400 and refused.get_json()["error"] == "bad_request"
