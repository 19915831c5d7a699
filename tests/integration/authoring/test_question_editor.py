"""The question editor: every type created and edited through the form (a new version per save),
rows added and removed without losing input, the engine's findings at their fields with nothing
written, the answer-cue warning, the cloze preview, the student preview with "check answer"."""
import re

import pytest
from sqlalchemy import func, select

from lms_module.authoring.models import BankQuestion, BankQuestionVersion
from lms_module.extensions import db
from support.apps import session_csrf_token


@pytest.fixture
def teacher(make_launch):
    return make_launch("instructor")


def count(app, model=BankQuestionVersion):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def single(token, **extra):
    data = {"csrf_token": token, "key": "vat-rate", "points": "1", "text_de": "Wie hoch ist der Regelsatz?",
            "text_en": "What is the standard rate?", "options-0-text_de": "19 %", "options-0-text_en": "19 %",
            "options-0-correct": "y", "options-1-text_de": "7,5 %", "options-1-text_en": "7.5 %",
            "options-2-text_de": "16 %", "options-2-text_en": "16 %", "action": "save"}
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def field_error(html, field_id):
    match = re.search(rf'id="{re.escape(field_id)}-error"[^>]*>(.*?)</p>', html, re.S)
    return match.group(1).strip() if match else None


# Minimal valid editor input per type (beyond key and text).
VALID = {
    "single": {"options-0-text_de": "A", "options-0-correct": "y", "options-1-text_de": "Bb"},
    "multiple": {"options-0-text_de": "A", "options-0-correct": "y", "options-1-text_de": "Bb"},
    "true_false": {"answer": "true"},
    "numeric": {"answer": "19", "tolerance": "0.5", "unit_de": "%", "unit_en": "%"},
    "short_text": {"answers_de": "Rechnung\nFaktura", "answers_en": "invoice"},
    "matching": {"pairs-0-left_de": "A", "pairs-0-right_de": "1", "pairs-1-left_de": "B", "pairs-1-right_de": "2",
                 "distractors-0-text_de": "3"},
    "ordering": {"items-0-text_de": "eins", "items-1-text_de": "zwei", "items-2-text_de": "drei"},
    "cloze": {"gaps-0-id": "rate", "gaps-0-type": "numeric", "gaps-0-answer": "19", "gaps-1-id": "word",
              "gaps-1-type": "choice", "gaps-1-options_de": "*Rechnung\nBrief", "gaps-1-options_en": "*invoice\nletter"},
    "document_check": {"doc_title_de": "Rechnung", "check_fields-0-label_de": "Datum", "check_fields-0-value_de": "1.1.",
                       "check_fields-1-label_de": "Betrag", "check_fields-1-value_de": "10",
                       "check_fields-1-error_de": "falsch"},
    "data_entry": {"doc_fields-0-label_de": "Betrag", "doc_fields-0-value_de": "1.190,00",
                   "entry_fields-0-label_de": "Betrag", "entry_fields-0-answers": "1190.00",
                   "entry_fields-0-normalize": "amount"},
    "essay": {"min_words": "10", "max_words": "200", "rubric_de": "Vollständig"},
}
TEXT = {"cloze": ("Satz {{rate}} % für {{word}}.", "Rate {{rate}} % for {{word}}.")}


@pytest.mark.parametrize("qtype", sorted(VALID))
def test_every_type_is_created_and_edited_into_a_new_version(app, client, teacher, qtype):
    token = session_csrf_token(app, client)
    page = client.get(f"/l/{teacher}/authoring/questions/new?type={qtype}")
    assert page.status_code == 200
    de, en = TEXT.get(qtype, ("Frage?", "Question?"))
    data = {"csrf_token": token, "key": f"q-{qtype.replace('_', '-')}", "points": "2", "text_de": de, "text_en": en,
            "topic": "accuracy", "tags": "mwst, basics", "action": "save", **VALID[qtype]}
    response = client.post(f"/l/{teacher}/authoring/questions/new?type={qtype}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        question = db.session.scalars(select(BankQuestion)).one()
        assert (question.type, question.topic, question.tags, question.latest_version) == (qtype, "accuracy", ["mwst", "basics"], 1)
        qid = question.id
    edit = client.get(response.headers["Location"])
    assert edit.status_code == 200 and "Version 1" in edit.get_data(as_text=True)
    changed = {**data, "text_en": en.replace("?", "!") + " changed"}
    assert client.post(f"/l/{teacher}/authoring/questions/{qid}/edit", data=changed).status_code == 302
    with app.app_context():
        versions = db.session.scalars(select(BankQuestionVersion).order_by(BankQuestionVersion.number)).all()
        assert [v.number for v in versions] == [1, 2]
        assert versions[0].content["text"] != versions[1].content["text"]  # the old version is kept as it was
    # The form shows the stored content again (a round trip keeps every field).
    html = client.get(f"/l/{teacher}/authoring/questions/{qid}/edit").get_data(as_text=True)
    for value in VALID[qtype].values():
        if value not in ("y",) and len(value) > 1 and "\n" not in value:
            assert value.replace("&", "&amp;") in html, value


@pytest.mark.parametrize("case, fields, field_id, message", [
    ("empty option list", {f"options-{i}-{k}": "" for i in range(3) for k in ("text_de", "text_en")}
     | {"options-0-correct": None}, "options", "at least 2"),
    ("no correct answer", {"options-0-correct": None}, "options", "exactly one option"),
])
def test_choice_problems_are_shown_at_the_field_and_nothing_is_written(app, client, teacher, case, fields, field_id, message):
    token = session_csrf_token(app, client)
    response = client.post(f"/l/{teacher}/authoring/questions/new?type=single", data=single(token, **fields))
    html = response.get_data(as_text=True)
    assert response.status_code == 422, case
    assert message in (field_error(html, field_id) or ""), html
    assert count(app) == 0 and count(app, BankQuestion) == 0


def test_negative_tolerance_is_shown_at_the_field(app, client, teacher):
    token = session_csrf_token(app, client)
    data = {"csrf_token": token, "key": "n", "text_de": "Wie viel?", "answer": "19", "tolerance": "-1", "action": "save"}
    response = client.post(f"/l/{teacher}/authoring/questions/new?type=numeric", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "0 or more" in field_error(html, "tolerance")
    assert 'id="tolerance"' in html and 'aria-invalid="true"' in html
    assert count(app) == 0


def test_messages_are_in_german_for_a_german_launch(app, client, make_launch):
    launch = make_launch("instructor", locale="de")
    token = session_csrf_token(app, client)
    response = client.post(f"/l/{launch}/authoring/questions/new?type=single",
                           data=single(token, **{"options-0-correct": None}))
    assert "Markieren Sie genau eine Antwort als richtig." in field_error(response.get_data(as_text=True), "options")


def test_rows_are_added_and_removed_keeping_what_was_typed(app, client, teacher):
    token = session_csrf_token(app, client)
    url = f"/l/{teacher}/authoring/questions/new?type=single"
    added = client.post(url, data=single(token, action="add:options", **{"explanation_de": "Weil es so ist"}))
    html = added.get_data(as_text=True)
    assert added.status_code == 200
    assert 'name="options-3-text_de"' in html and "Weil es so ist" in html and "7,5 %" in html
    removed = client.post(url, data=single(token, action="remove:options:0"))
    html = removed.get_data(as_text=True)
    assert "19 %" not in html and 'value="7,5 %"' in html and 'name="options-2-text_de"' not in html
    assert count(app) == 0


def test_translation_missing_is_marked(app, client, teacher):
    token = session_csrf_token(app, client)
    html = client.post(f"/l/{teacher}/authoring/questions/new?type=single",
                       data=single(token, action="check", text_en="")).get_data(as_text=True)
    assert html.count("Translation missing") == 1


def test_the_longest_key_is_a_warning(app, client, teacher):
    token = session_csrf_token(app, client)
    data = single(token, **{"options-0-text_de": "19 Prozent auf fast alles", "options-0-text_en": "19 %"})
    response = client.post(f"/l/{teacher}/authoring/questions/new?type=single", data=data)
    assert response.status_code == 302  # a warning, not an error
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The correct answer is the longest option (German)" in html


def test_duplicate_key_is_refused_at_the_key(app, client, teacher):
    token = session_csrf_token(app, client)
    assert client.post(f"/l/{teacher}/authoring/questions/new?type=single", data=single(token)).status_code == 302
    again = client.post(f"/l/{teacher}/authoring/questions/new?type=single", data=single(token))
    assert again.status_code == 422
    assert "already has this id" in field_error(again.get_data(as_text=True), "key")
    assert count(app) == 1


def test_cloze_preview_without_javascript(app, client, teacher):
    token = session_csrf_token(app, client)
    data = {"csrf_token": token, "key": "c", "text_de": "Der {{rate}} und {{nope}}.", "gaps-0-id": "rate",
            "gaps-0-type": "short_text", "gaps-0-answers_de": "x", "action": "check"}
    html = client.post(f"/l/{teacher}/authoring/questions/new?type=cloze", data=data).get_data(as_text=True)
    assert '<span class="qe-gap">[rate]</span>' in html
    assert "[nope: no such gap]" in html
    assert "no gap has that id" in field_error(html, "text_de")


def saved_question(app, client, teacher, qtype="single", **fields):
    token = session_csrf_token(app, client)
    response = client.post(f"/l/{teacher}/authoring/questions/new?type={qtype}", data=single(token, **fields))
    assert response.status_code == 302
    with app.app_context():
        return db.session.scalars(select(BankQuestion.id)).one()


@pytest.mark.parametrize("lang, stem, right", [("de", "Wie hoch ist der Regelsatz?", "Richtig"),
                                               ("en", "What is the standard rate?", "Correct")])
def test_preview_as_a_student_checks_an_answer_in_both_languages(app, client, teacher, lang, stem, right):
    qid = saved_question(app, client, teacher, **{"options-0-feedback_de": "Genau.", "options-0-feedback_en": "Exactly."})
    url = f"/l/{teacher}/authoring/questions/{qid}/preview?lang={lang}"
    html = client.get(url).get_data(as_text=True)
    assert stem in html and "Check answer" in html
    # The student's page never holds the key: pick the radio whose label is 19 %.
    match = re.search(r'value="([0-9a-f]{12})"[^>]*>\s*<label[^>]*>19 %</label>', html)
    assert match, html
    token = session_csrf_token(app, client)
    checked = client.post(url, data={"csrf_token": token, f"q-vat-rate": match.group(1)})
    body = checked.get_data(as_text=True)
    assert checked.status_code == 200
    assert "Correct" in body and ("Genau." if lang == "de" else "Exactly.") in body
    assert count(app) == 1  # checking writes nothing


def test_another_courses_question_is_not_found(app, client, teacher, make_launch):
    qid = saved_question(app, client, teacher)
    rival = app.test_client()
    other = make_launch("instructor", user_sub="rival", course_context="course-2", link_id="link-2", test_client=rival)
    for path in (f"/l/{other}/authoring/questions/{qid}/edit", f"/l/{other}/authoring/questions/{qid}/preview"):
        assert rival.get(path).status_code == 404
    token = session_csrf_token(app, rival)
    assert rival.post(f"/l/{other}/authoring/questions/{qid}/edit", data=single(token, text_de="x")).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BankQuestionVersion)) == 1


@pytest.mark.parametrize("locale, words", [("en", "control character U+"), ("de", "Steuerzeichen U+")])
@pytest.mark.parametrize("field_id, value", [("text_en", "What is\x01 the rate?"), ("explanation_de", "Weil\x1b"),
                                             ("options-1-text_en", "7.5\x0b%"), ("tags", "exam\x07")])
def test_a_control_character_is_shown_at_the_field_and_nothing_is_written(app, client, make_launch, field_id, value,
                                                                          locale, words):
    """The editor stored it (a question file may not hold one: the loader refuses it), and then the
    question's own export could not be read back: Moodle XML and QTI answered 404, the GIFT file
    carried the raw byte that Kontor's GIFT import refuses."""
    launch = make_launch("instructor", locale=locale)
    token = session_csrf_token(app, client)
    response = client.post(f"/l/{launch}/authoring/questions/new?type=single", data=single(token, **{field_id: value}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    code = next(f"{ord(c):04X}" for c in value if ord(c) < 32)
    assert words + code in (field_error(html, field_id) or ""), html[-1500:]
    assert count(app) == 0 and count(app, BankQuestion) == 0


def test_tabs_and_line_breaks_are_still_text(app, client, teacher):
    token = session_csrf_token(app, client)
    response = client.post(f"/l/{teacher}/authoring/questions/new?type=single",
                           data=single(token, text_en="What is\tthe rate?\r\nSecond line."))
    assert response.status_code == 302 and count(app) == 1
