"""A NUL character in what a logged-in student sends is refused before anything is stored: PostgreSQL
keeps it in a JSON answer as sent (and SQLite too), so the grading queue, the attempt's review and
responses.csv served it back as garbage. The student is told in their language; earlier answers stay."""
import re

import pytest
from sqlalchemy import select

from lms_module.attempts.models import Answer, Attempt
from lms_module.extensions import db
from support.apps import csrf_from

EN = "contains a NUL character"
DE = "enthält ein NUL-Zeichen"


def _attempt_id(response):
    return re.search(r"/attempt/([^/]+)/page/", response.headers["Location"]).group(1)


def _stored(app, public_id):
    with app.app_context():
        return {a.question_id: a.response for a in db.session.scalars(
            select(Answer).join(Attempt).where(Attempt.public_id == public_id))}


@pytest.fixture
def begun(app, client, make_launch, all_types_quiz, start):
    """Factory: (launch, attempt id, CSRF token) of a started attempt with an essay answer saved."""

    def _begun(locale):
        launch = make_launch("student", quiz_slug=all_types_quiz, user_sub=f"sam-{locale}", locale=locale)
        attempt_id = _attempt_id(start(launch))
        token = csrf_from(client.get(f"/l/{launch}/attempt/{attempt_id}/page/1").get_data(as_text=True))
        saved = client.post(f"/l/{launch}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                            json={"question_id": "why-check", "fields": {"q-why-check": ["Two people check."]}})
        assert saved.status_code == 200
        return launch, attempt_id, token

    return _begun


AUTOSAVES = [
    {"question_id": "why-check", "fields": {"q-why-check": ["Two\x00 people"]}},
    {"question_id": "why-check", "fields": {"q-why-check\x00": ["Two people"]}},
    {"question_id": "gross", "fields": {"q-gross": ["1\x00"]}},
    {"question_id": "vat-cloze", "fields": {"q-vat-cloze__name": "a\x00"}},
    {"question_id": "why-check\x00", "fields": {"q-why-check": ["Two people"]}},
    {"question_id": "why-check", "fields": {"q-why-check": ["x"]}, "given_at": "2026-01-01T00:00:00Z\x00"},
]


@pytest.mark.parametrize("locale, words", [("en", EN), ("de", DE)])
@pytest.mark.parametrize("payload", AUTOSAVES, ids=[str(i) for i in range(len(AUTOSAVES))])
def test_an_autosave_with_a_nul_is_refused_in_json_and_stores_nothing(app, client, begun, payload, locale, words):
    launch, attempt_id, token = begun(locale)
    before = _stored(app, attempt_id)
    refused = client.post(f"/l/{launch}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token}, json=payload)
    assert refused.status_code == 400, refused.get_data(as_text=True)[:300]
    body = refused.get_json()  # JSON, as the page's script shows the message (an HTML page kept it queued)
    assert body["ok"] is False and body["error"] == "nul_character"
    assert not body.get("keep")  # the answer itself is refused: the script drops it and shows why
    assert words in body["message"]
    assert _stored(app, attempt_id) == before
    assert before["why-check"] == {"text": "Two people check."}


@pytest.mark.parametrize("locale, words", [("en", EN), ("de", DE)])
@pytest.mark.parametrize("field", ["q-why-check", "q-gross", "go", "q-eori\x00"])
def test_a_page_post_with_a_nul_is_refused_with_the_error_page_and_stores_nothing(app, client, begun, field,
                                                                                  locale, words):
    launch, attempt_id, token = begun(locale)
    before = _stored(app, attempt_id)
    form = {"csrf_token": token, "q-why-check": "Changed", "q-gross": "1.190,00", "go": "stay"}
    form[field] = form.get(field, "DE") + "\x00"
    refused = client.post(f"/l/{launch}/attempt/{attempt_id}/page/1", data=form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400, page[:300]
    assert words in page and "\x00" not in page
    assert _stored(app, attempt_id) == before


def test_a_nul_in_a_pages_query_string_is_refused(client, begun):
    launch, attempt_id, _ = begun("en")
    refused = client.get(f"/l/{launch}/attempt/{attempt_id}/page/1", query_string={"checked": "why-check\x00"})
    assert refused.status_code == 400 and EN in refused.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/l/{launch}/attempt/{attempt}%00/page/1", "/l/{launch}%00/quiz",
                                  "/l/{launch}/attempt/{attempt}%00/autosave"])
def test_a_nul_in_the_urls_ids_is_refused_before_the_launch_is_looked_up(client, begun, path):
    """The ids go into the launch's query: PostgreSQL refused it there (DataError: a 500)."""
    launch, attempt_id, token = begun("en")
    url = path.format(launch=launch, attempt=attempt_id)
    refused = client.post(url, headers={"X-CSRFToken": token}, json={}) if url.endswith("autosave") else client.get(url)
    assert refused.status_code == 400, refused.get_data(as_text=True)[:300]


# JSON can escape half of a UTF-16 pair ("\ud800"); Python decodes it to a lone surrogate, which both
# databases stored in the answer, and which no page can encode as UTF-8: the student's question page,
# summary and result, the grading queue and the attempt's review all failed (UnicodeEncodeError: a 500).
HALF_PAIRS = [
    b'{"question_id": "why-check", "fields": {"q-why-check": ["Two \\ud83d people"]}}',
    b'{"question_id": "why-check", "fields": {"q-why-check\\udc00": ["Two people"]}}',
    b'{"question_id": "eori", "fields": {"q-eori": ["DE\\udfff"]}}',
]


@pytest.mark.parametrize("locale, words", [("en", "contains a broken character"),
                                           ("de", "enthält ein defektes Zeichen")])
@pytest.mark.parametrize("body", HALF_PAIRS, ids=[str(i) for i in range(len(HALF_PAIRS))])
def test_an_autosave_with_half_a_surrogate_pair_is_refused_and_the_pages_still_show(app, client, begun, body,
                                                                                   locale, words):
    launch, attempt_id, token = begun(locale)
    before = _stored(app, attempt_id)
    refused = client.post(f"/l/{launch}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                          data=body, content_type="application/json")
    assert refused.status_code == 400, refused.get_data(as_text=True)[:300]
    answer = refused.get_json()
    assert answer["error"] == "broken_character" and words in answer["message"] and not answer.get("keep")
    assert _stored(app, attempt_id) == before
    assert client.get(f"/l/{launch}/attempt/{attempt_id}/page/1").status_code == 200
    assert client.get(f"/l/{launch}/attempt/{attempt_id}/summary").status_code == 200


def test_a_whole_emoji_is_still_saved(app, client, begun):
    launch, attempt_id, token = begun("en")
    saved = client.post(f"/l/{launch}/attempt/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                        data=b'{"question_id": "why-check", "fields": {"q-why-check": ["Two \\ud83d\\ude00 people"]}}',
                        content_type="application/json")
    assert saved.status_code == 200
    assert _stored(app, attempt_id)["why-check"] == {"text": "Two \U0001F600 people"}
