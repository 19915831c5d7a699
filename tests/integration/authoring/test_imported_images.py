"""Images embedded in an imported Moodle XML file reach the question's text: the import stores the
file as a BankImage and, when it is confirmed, the text's "[image: chart.png]" becomes the editor's
reference ![chart.png](image:ID), which every page inside a launch shows as the image."""
import io
import re
from pathlib import Path

from sqlalchemy import select

from lms_module.authoring.bank import link_imported_images
from lms_module.authoring.models import BankImage, BankQuestion, BankQuestionVersion
from lms_module.extensions import db
from support.apps import csrf_from

MOODLE_XML = (Path(__file__).resolve().parents[2] / "fixtures" / "formats" / "moodle_xml" / "all-features.xml").read_bytes()
EN = {"Accept-Language": "en"}


def _import_and_confirm(client, launch):
    page = client.get(f"/l/{launch}/authoring/bank/import").get_data(as_text=True)
    preview = client.post(f"/l/{launch}/authoring/bank/import", content_type="multipart/form-data", headers=EN,
                          data={"csrf_token": csrf_from(page), "format": "moodlexml", "language": "en", "topic": "",
                                "file": (io.BytesIO(MOODLE_XML), "all.xml")})
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200, body
    assert "the course&#39;s question bank stores the file and shows it in the text" in body
    upload = re.search(r'name="upload"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="upload"', body)
    confirmed = client.post(f"/l/{launch}/authoring/bank/import/confirm",
                            data={"csrf_token": csrf_from(body), "upload": upload.group(1) or upload.group(2)})
    assert confirmed.status_code == 302, confirmed.get_data(as_text=True)


def _texts_with_images(app):
    with app.app_context():
        rows = db.session.execute(select(BankQuestion.id, BankQuestionVersion.content)
                                  .join(BankQuestionVersion, BankQuestionVersion.question_id == BankQuestion.id)).all()
        return [(qid, content["text"]) for qid, content in rows if "(image:" in str(content.get("text"))]


def test_an_embedded_image_becomes_the_editors_reference_on_confirm(app, client, make_launch):
    launch = make_launch("instructor")
    _import_and_confirm(client, launch)
    with app.app_context():
        chart = db.session.scalars(select(BankImage).where(BankImage.name == "chart.png")).one()
        chart_id = chart.id
    [(question_id, text)] = _texts_with_images(app)
    with app.app_context():  # the SVG was left out: its name stays text
        assert any("[image: evil.svg]" in str(c) for c in db.session.scalars(select(BankQuestionVersion.content)))
    assert text == {"en": f"Which code is the **main** diagnosis?\nSee *the chart*: ![chart.png](image:{chart_id})"}
    # The editor's preview shows the image itself, served from the course.
    preview = client.get(f"/l/{launch}/authoring/questions/{question_id}/preview?lang=en").get_data(as_text=True)
    assert f'<img src="/l/{launch}/authoring/images/{chart_id}" alt="chart.png"' in preview
    assert client.get(f"/l/{launch}/authoring/images/{chart_id}").mimetype == "image/png"

    # The same file again: the image is stored once, and the new questions point at that one.
    _import_and_confirm(client, launch)
    with app.app_context():
        assert db.session.scalars(select(BankImage.id).where(BankImage.name == "chart.png")).all() == [chart_id]
    assert {str(text) for _, text in _texts_with_images(app)} == {str(text)}


def test_only_names_of_stored_images_are_linked():
    content = {"text": {"en": "See [image: a.png] and [image: evil.svg]", "de": "[image: a.png]"},
               "options": [{"id": "a", "text": "[image: a.png]", "correct": True}], "points": 1}
    assert link_imported_images(content, {"a.png": 7}) == {
        "text": {"en": "See ![a.png](image:7) and [image: evil.svg]", "de": "![a.png](image:7)"},
        "options": [{"id": "a", "text": "![a.png](image:7)", "correct": True}], "points": 1}
