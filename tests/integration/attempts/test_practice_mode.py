"""Practice mode: check an answer at once, see the explanation, try again."""
import pytest
from sqlalchemy import select

from lms_module.attempts.models import Answer
from lms_module.extensions import db
from lms_module.library.services import import_path
from support.apps import csrf_from

PRACTICE = """
slug: test-practice
title: {de: "Übung", en: "Practice"}
topic: accuracy
settings: {mode: practice, attempts: 0, feedback: immediate, shuffle_options: false}
questions:
  - id: rate
    type: single
    text: {de: "Regelsatz?", en: "Standard rate?"}
    options:
      - {id: a, text: "19 %", correct: true}
      - {id: b, text: "7 %", feedback: {de: "Das ist der ermäßigte Satz.", en: "That is the reduced rate."}}
      - {id: c, text: "16 %"}
    explanation: {de: "EXPLAIN-DE", en: "EXPLAIN-EN"}
    source: "§ 12 UStG"
    valid_as_of: 2026-01-01
    review_by: 2026-12-31
"""


@pytest.fixture
def practice(app, tmp_path, make_launch):
    path = tmp_path / "practice.yaml"
    path.write_text(PRACTICE)
    with app.app_context():
        assert import_path(path, origin="import").ok
        db.session.commit()
    return make_launch("student", quiz_slug="test-practice")


def _token_for(html, label):
    # The radio whose label is `label`: tokens are opaque, so find it through the label.
    import re

    for input_id, value in re.findall(r'id="([^"]+)" name="q-rate" value="([^"]+)"', html):
        if re.search(rf'for="{re.escape(input_id)}">{re.escape(label)}<', html):
            return value
    raise AssertionError(label)


def test_check_shows_feedback_and_allows_a_retry(app, client, practice):
    page = client.get(f"/l/{practice}/quiz").get_data(as_text=True)
    start = client.post(f"/l/{practice}/quiz/start", data={"csrf_token": csrf_from(page)})
    url = start.headers["Location"]
    html = client.get(url).get_data(as_text=True)
    assert "EXPLAIN-EN" not in html and "Check answer" in html
    wrong = client.post(url, data={"csrf_token": csrf_from(html), "q-rate": _token_for(html, "7 %"), "go": "check-rate"})
    assert "checked=rate" in wrong.headers["Location"]
    checked = client.get(wrong.headers["Location"]).get_data(as_text=True)
    assert "EXPLAIN-EN" in checked and "That is the reduced rate." in checked
    assert "§ 12 UStG</p>\n  <p class=\"q-review__as-of\">As of January 1, 2026</p>" in checked  # under the source
    assert "Wrong" in checked
    # Retry with the right option: checked again, now correct.
    right = client.post(url, data={"csrf_token": csrf_from(checked), "q-rate": _token_for(checked, "19 %"), "go": "check-rate"})
    again = client.get(right.headers["Location"]).get_data(as_text=True)
    assert "Correct" in again
    with app.app_context():
        answer = db.session.scalars(select(Answer)).one()
        assert answer.checks == 2


def test_checking_is_refused_in_exam_mode(app, client, student, start):
    url = start(student).headers["Location"]
    html = client.get(url).get_data(as_text=True)
    assert "Check answer" not in html
    refused = client.post(url, data={"csrf_token": csrf_from(html), "go": "check-fob"}, headers={"Accept-Language": "en"})
    assert refused.status_code == 400
    assert "only be checked in practice mode" in refused.get_data(as_text=True)
    assert "SECRET-EXPLANATION" not in refused.get_data(as_text=True)


def test_question_navigation_lists_every_question(client, student, start):
    url = start(student).headers["Location"]
    html = client.get(url).get_data(as_text=True)
    assert html.count('class="q-nav__button"') == 11
    assert 'aria-current="step"' in html
