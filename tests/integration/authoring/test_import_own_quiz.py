"""Instructors import their own quiz file for their course, download quizzes to adapt them."""
import io
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from lms_module.extensions import db
from lms_module.library.models import Quiz
from lms_module.library.services import import_path
from lms_module.courses.models import ResourceLink
from support.apps import csrf_from

ALL_TYPES = Path(__file__).resolve().parents[2] / "unit" / "engine" / "fixtures" / "all_types.yaml"
OWN = """slug: our-filing-rules
title: {de: "Unsere Ablage", en: "Our filing rules"}
topic: compliance
questions:
  - id: where
    type: true_false
    text: {de: "Rechnungen kommen in den Ordner Buchhaltung.", en: "Invoices go to the accounting folder."}
    answer: true
"""


def _upload(client, launch, content: str, name="own.yaml"):
    page = client.get(f"/l/{launch}/instructor/choose").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "quiz_file": (io.BytesIO(content.encode()), name)}
    return client.post(f"/l/{launch}/instructor/import", data=data, content_type="multipart/form-data",
                       headers={"Accept-Language": "en"})


def test_import_makes_the_quiz_the_activitys_and_only_this_courses(app, client, make_launch):
    launch = make_launch("instructor")
    response = _upload(client, launch, OWN)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(ResourceLink)).one().quiz_slug == "our-filing-rules"
        assert db.session.scalars(select(Quiz)).one().course_id is not None
    student = make_launch("student", quiz_slug="our-filing-rules")
    assert "Our filing rules" in client.get(f"/l/{student}/quiz").get_data(as_text=True)
    # Another course neither lists nor launches it.
    other = app.test_client()
    teacher = make_launch("instructor", course_context="course-2", link_id="link-2", test_client=other)
    assert "our-filing-rules" not in other.get(f"/l/{teacher}/instructor/choose").get_data(as_text=True)
    assert other.get(f"/l/{teacher}/library/our-filing-rules/preview").status_code == 404
    pupil = make_launch("student", course_context="course-2", link_id="link-2", quiz_slug="our-filing-rules", test_client=other)
    assert "not available" in other.get(f"/l/{pupil}/quiz", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_a_broken_file_lists_its_problems_with_lines_and_stores_nothing(app, client, make_launch):
    launch = make_launch("instructor")
    response = _upload(client, launch, OWN.replace("answer: true", "answer: maybe"))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "The file was not imported" in body and "line 8" in body and "questions[0].answer" in body
    with app.app_context():
        assert db.session.scalars(select(Quiz)).all() == []


@pytest.mark.parametrize("content, name", [("x: [unclosed", "bad.yaml"), (OWN, "quiz.exe"), ("\udcff", "own.yaml")])
def test_garbage_and_wrong_file_types_are_refused(app, client, make_launch, content, name):
    launch = make_launch("instructor")
    data = content.encode("utf-8", "surrogateescape")
    page = client.get(f"/l/{launch}/instructor/choose").get_data(as_text=True)
    response = client.post(f"/l/{launch}/instructor/import", content_type="multipart/form-data",
                           data={"csrf_token": csrf_from(page), "quiz_file": (io.BytesIO(data), name)})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Quiz)).all() == []


def test_a_library_slug_cannot_be_taken_over(app, client, make_launch):
    with app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()
    launch = make_launch("instructor")
    response = _upload(client, launch, OWN.replace("our-filing-rules", "all-types"))
    assert response.status_code == 400
    assert "this slug cannot be used for a quiz of this course" in response.get_data(as_text=True)


def test_download_and_import_again_round_trips(app, client, make_launch):
    with app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()
    launch = make_launch("instructor")
    exported = client.get(f"/l/{launch}/library/all-types/quiz.yaml")
    assert exported.status_code == 200 and exported.mimetype == "application/yaml"
    data = yaml.safe_load(exported.get_data(as_text=True))
    data["slug"] = "all-types-ours"
    response = _upload(client, launch, yaml.safe_dump(data, allow_unicode=True))
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]


def test_students_cannot_import_or_download(client, make_launch):
    launch = make_launch("student")
    assert client.post(f"/l/{launch}/instructor/import").status_code in (400, 403)
    assert client.get(f"/l/{launch}/library/x/quiz.yaml").status_code == 403


GIVEAWAY = """slug: our-giveaway
title: {de: "Verrät sich", en: "Gives itself away"}
topic: compliance
questions:
  - id: long-key
    type: single
    text: {de: "Frage?", en: "Question?"}
    valid_as_of: 2019-01-01
    review_by: 2020-01-31
    options:
      - {id: a, text: {de: "die richtige und viel längere Antwort", en: "the right and much longer answer"}, correct: true}
      - {id: b, text: {de: "falsch", en: "wrong"}}
      - {id: c, text: {de: "nein", en: "no"}}
"""


@pytest.mark.parametrize("locale, expected", [
    # the share is Kontor's one percent label (web.numbers), with a no-break space before the sign
    ("de", ["Deutsch: Die richtige Antwort ist in 1 von 1 Auswahlfragen die längste Option (100\u00a0%)",
            "Englisch: Die richtige Antwort", "long-key (31.01.2020)"]),
    ("en", ["German: the correct answer is the longest option in 1 of 1 choice questions (100\u00a0%)",
            "consider rewriting the options of: long-key", "long-key (31 Jan 2020)"]),
])
def test_an_import_warns_about_answer_cues_and_passed_review_dates_in_the_page_language(app, client, make_launch, locale, expected):
    launch = make_launch("instructor", locale=locale)
    response = _upload(client, launch, GIVEAWAY)
    assert response.status_code == 302  # imported all the same: these are hints, not errors
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    warnings = page.split('class="notice notice--warn"', 1)[1].split("</div>", 1)[0]
    for text in expected:
        assert text in warnings
    with app.app_context():
        assert db.session.scalars(select(Quiz)).one().slug == "our-giveaway"


def test_a_fair_quiz_imports_without_warnings(client, make_launch):
    launch = make_launch("instructor")
    response = _upload(client, launch, OWN)
    assert "notice--warn" not in client.get(response.headers["Location"]).get_data(as_text=True)
