"""A file imported with the wrong format chosen: the import page says which format the file looks
like and asks to choose it (it said only "the file holds no question Kontor can import", or the
chosen reader's complaints, with no hint that another format was meant)."""
import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms_module.authoring.models import BankQuestion
from lms_module.extensions import db
from support.apps import csrf_from

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "formats"
# One Moodle question GIFT reads as a description only: the chosen format finds nothing at all.
MOODLE_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="truefalse">
    <name><text>vat</text></name>
    <questiontext format="html"><text>VAT is a tax.</text></questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
</quiz>
"""


def _qti_package() -> bytes:
    package, buffer = FIXTURES / "qti" / "qti21", io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in package.rglob("*"):
            if path.is_file():
                archive.write(path, path.relative_to(package).as_posix())
    return buffer.getvalue()


def _import(client, launch, data: bytes, name: str, fmt: str):
    page = client.get(f"/l/{launch}/authoring/bank/import").get_data(as_text=True)
    return client.post(f"/l/{launch}/authoring/bank/import", content_type="multipart/form-data",
                       data={"csrf_token": csrf_from(page), "format": fmt, "language": "en", "topic": "",
                             "file": (io.BytesIO(data), name)})


def _bank_size(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(BankQuestion))


@pytest.mark.parametrize("data, name, chosen, label", [
    (MOODLE_XML, "questions.xml", "gift", "Moodle XML"),  # GIFT finds nothing in it
    ((FIXTURES / "moodle_xml" / "all-features.xml").read_bytes(), "export.xml", "aiken", "Moodle XML"),
    ((FIXTURES / "gift" / "every-feature.gift").read_bytes(), "questions.txt", "moodlexml", "GIFT"),
    ((FIXTURES / "aiken" / "every-feature.txt").read_bytes(), "questions.txt", "gift", "Aiken"),
    (_qti_package(), "canvas.zip", "gift", "QTI (Canvas 1.2 zip or 2.1 package)"),
    ((FIXTURES / "qti" / "canvas" / "gquiz1" / "gquiz1.xml").read_bytes(), "gquiz1.xml", "moodlexml",
     "QTI (Canvas 1.2 zip or 2.1 package)"),
])
def test_the_page_names_the_format_the_file_looks_like(app, client, make_launch, data, name, chosen, label):
    launch = make_launch("instructor")
    response = _import(client, launch, data, name, chosen)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f"The file looks like {label}. Choose “{label}” as the format and try again." in html
    assert "What Kontor found when reading it in the chosen format:" in html
    assert _bank_size(app) == 0


def test_the_hint_is_in_german_on_a_german_page(app, client, make_launch):
    launch = make_launch("instructor", locale="de")
    html = _import(client, launch, MOODLE_XML, "fragen.xml", "gift").get_data(as_text=True)
    assert "Die Datei sieht aus wie Moodle XML. Wählen Sie als Format „Moodle XML“ und versuchen Sie es noch einmal." in html
    assert "Die Datei enthält keine Frage, die Kontor importieren kann" in html  # the reader's own finding stays
    html = _import(client, launch, _qti_package(), "paket.zip", "aiken").get_data(as_text=True)
    assert "Wählen Sie als Format „QTI (Canvas-1.2-Zip oder 2.1-Paket)“" in html


def test_no_hint_when_the_file_is_the_chosen_format_or_none_at_all(app, client, make_launch):
    launch = make_launch("instructor")
    broken_gift = _import(client, launch, b"::q1:: Is VAT a tax? {=yes ~no", "broken.gift", "gift")
    assert broken_gift.status_code == 400
    assert "looks like" not in broken_gift.get_data(as_text=True)
    assert "Please correct these points:" in broken_gift.get_data(as_text=True)
    prose = _import(client, launch, b"Just a letter, no questions in it.", "letter.txt", "gift")
    assert prose.status_code == 400 and "looks like" not in prose.get_data(as_text=True)
    assert _import(client, launch, MOODLE_XML, "questions.xml", "moodlexml").status_code == 200  # the preview
