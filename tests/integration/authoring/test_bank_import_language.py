"""The bank import's language: by default guessed from the file's questions, not taken from the page
(an English file imported from a German page was all "Nur Deutsch"); a language the person chooses
still wins; a file too short to tell falls back to the page's language, and the preview says which
language it read and how it came to it."""
import io
import re

import pytest
from sqlalchemy import select

from lms_module.authoring.models import BankQuestion, BankQuestionVersion
from lms_module.extensions import db
from support.apps import csrf_from

ENGLISH_GIFT = b"""
::vat-rate:: Which rate of value added tax applies to the sale of books in Germany? {
=7 percent ~19 percent ~0 percent }

::invoice-name:: The name of the supplier must be on every invoice that is larger than 250 euros. {T}

::input-tax:: What is the name of the tax that a company can deduct from the tax it owes? {=input tax =Vorsteuer}
"""
GERMAN_GIFT = """
::ust-satz:: Welcher Umsatzsteuersatz gilt für den Verkauf von Büchern in Deutschland? {
=7 Prozent ~19 Prozent ~0 Prozent }

::rechnung:: Der Name des leistenden Unternehmers muss auf jeder Rechnung über 250 Euro stehen. {T}
""".encode()
SHORT_GIFT = b"::capital:: Paris? {T}\n"


def _upload(client, launch, data: bytes, language: str | None = None):
    """The upload form as a browser sends it: with the language the page checked unless one is given."""
    page = client.get(f"/l/{launch}/authoring/bank/import").get_data(as_text=True)
    checked = re.search(r'<input[^>]*checked[^>]*name="language"[^>]*value="([^"]*)"'
                        r'|<input[^>]*name="language"[^>]*value="([^"]*)"[^>]*checked', page)
    default = next(value for value in checked.groups() if value)
    return client.post(f"/l/{launch}/authoring/bank/import", content_type="multipart/form-data",
                       data={"csrf_token": csrf_from(page), "format": "gift", "language": language or default,
                             "topic": "", "file": (io.BytesIO(data), "questions.gift")})


def _confirm(client, launch, preview: str):
    token = re.search(r'name="upload"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="upload"', preview)
    response = client.post(f"/l/{launch}/authoring/bank/import/confirm",
                           data={"csrf_token": csrf_from(preview), "upload": token.group(1) or token.group(2)})
    assert response.status_code == 302, response.get_data(as_text=True)


def _imported(app) -> dict[str, tuple[str, set[str]]]:
    """Each imported question's language status and the languages its text has."""
    with app.app_context():
        return {question.key: (question.languages, set(content["text"]) - {"lang"})
                for question, content in db.session.execute(
                    select(BankQuestion, BankQuestionVersion.content).join(
                        BankQuestionVersion, BankQuestionVersion.question_id == BankQuestion.id))}


@pytest.mark.parametrize("locale, offered", [("de", "Aus der Datei erkennen"), ("en", "Detect from the file")])
def test_the_upload_form_leaves_the_language_to_the_file_unless_chosen(app, client, make_launch, locale, offered):
    launch = make_launch("instructor", locale=locale)
    page = client.get(f"/l/{launch}/authoring/bank/import").get_data(as_text=True)
    radios = re.findall(r'<input[^>]*name="language"[^>]*>', page)
    assert [re.search(r'value="([^"]*)"', radio).group(1) for radio in radios] == ["auto", "de", "en"]
    assert "checked" in radios[0] and not any("checked" in radio for radio in radios[1:])
    assert offered in page


def test_an_english_file_imported_from_a_german_page_is_english(app, client, make_launch):
    launch = make_launch("instructor", locale="de")
    preview = _upload(client, launch, ENGLISH_GIFT)
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200, body
    assert "Sprache der Fragen: Englisch (aus der Datei erkannt)." in body
    assert body.count("Nur Englisch") == 3 and "Nur Deutsch" not in body
    _confirm(client, launch, body)
    assert _imported(app) == {key: ("en", {"en"}) for key in ("vat-rate", "invoice-name", "input-tax")}


def test_a_german_file_imported_from_an_english_page_is_german(app, client, make_launch):
    launch = make_launch("instructor", locale="en")
    body = _upload(client, launch, GERMAN_GIFT).get_data(as_text=True)
    assert "Language of the questions: German (detected from the file)." in body
    assert body.count("German only") == 2
    _confirm(client, launch, body)
    assert _imported(app) == {"ust-satz": ("de", {"de"}), "rechnung": ("de", {"de"})}


def test_a_chosen_language_wins_over_the_files_words(app, client, make_launch):
    launch = make_launch("instructor", locale="en")
    body = _upload(client, launch, ENGLISH_GIFT, language="de").get_data(as_text=True)
    assert "Language of the questions: German (as you chose)." in body and "detected" not in body
    _confirm(client, launch, body)
    assert {status for status, _ in _imported(app).values()} == {"de"}


@pytest.mark.parametrize("locale, said, status", [
    ("de", "Kontor konnte die Sprache der Fragen nicht aus der Datei erkennen und hat Deutsch angenommen, "
           "die Sprache dieser Seite.", "de"),
    ("en", "Kontor could not tell the language of the questions from the file and assumed English, "
           "the language of this page.", "en"),
])
def test_a_file_too_short_to_tell_takes_the_pages_language_and_says_so(app, client, make_launch, locale, said, status):
    launch = make_launch("instructor", locale=locale)
    body = _upload(client, launch, SHORT_GIFT).get_data(as_text=True)
    assert said in body
    assert f'href="/l/{launch}/authoring/bank/import"' in body  # where to choose the language instead
    _confirm(client, launch, body)
    assert _imported(app) == {"capital": (status, {status})}
