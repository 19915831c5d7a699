"""A time-bound question's "as of" date: kept in the stored quiz, shown to instructors under the
source in the page's language, and kept by the download."""
import pytest
import yaml

from lms_module.engine.loader import parse_quiz
from lms_module.extensions import db
from lms_module.library.services import content_of, import_path, latest_version_by_slug

DATED = """slug: dated-vat
title: {de: "USt", en: "VAT"}
topic: accuracy
questions:
  - id: restaurant-rate
    type: true_false
    text: {de: "Speisen im Restaurant: 7 %.", en: "Restaurant meals: 7 %."}
    answer: true
    source: "§ 12 Abs. 2 Nr. 15 UStG"
    valid_as_of: 2026-01-01
    review_by: 2026-12-31
  - id: undated
    type: true_false
    text: "T"
    answer: false
    source: "general practice"
"""


@pytest.fixture
def dated(app, tmp_path):
    path = tmp_path / "dated.yaml"
    path.write_text(DATED, encoding="utf-8")
    with app.app_context():
        assert import_path(path, origin="import").ok
        db.session.commit()


def test_the_stored_quiz_keeps_the_dates(app, dated):
    with app.app_context():
        version = latest_version_by_slug("dated-vat")
        assert version.content["questions"][0]["valid_as_of"] == "2026-01-01"
        assert "review_by" not in version.content["questions"][1]
        question = content_of(version).questions[0]
        assert (question.valid_as_of.isoformat(), question.review_by.isoformat()) == ("2026-01-01", "2026-12-31")


@pytest.mark.parametrize("locale, as_of", [("de", "Stand: 1. Januar 2026"), ("en", "As of January 1, 2026")])
def test_the_preview_shows_the_as_of_date_under_the_source(client, make_launch, dated, locale, as_of):
    launch = make_launch("instructor", locale=locale)
    body = client.get(f"/l/{launch}/library/dated-vat/preview").get_data(as_text=True)
    assert body.count(as_of) == 1  # the undated question shows none
    source = body.index("§ 12 Abs. 2 Nr. 15 UStG")
    assert source < body.index(as_of) < body.index("general practice")


def test_the_download_keeps_the_dates_and_imports_again(client, make_launch, dated):
    launch = make_launch("instructor")
    text = client.get(f"/l/{launch}/library/dated-vat/quiz.yaml").get_data(as_text=True)
    assert yaml.safe_load(text)["questions"][0]["review_by"] == "2026-12-31"
    assert str(parse_quiz(text).questions[0].valid_as_of) == "2026-01-01"
