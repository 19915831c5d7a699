"""The words an instructor reads while authoring, in German and English: what a page names is named
in the page's language (a question type, a pasted text), and labels read as a sentence would."""
from __future__ import annotations

import re

import pytest

from lms_module.authoring import bank
from lms_module.extensions import db
from support.apps import session_csrf_token, course_of_launch


@pytest.mark.parametrize("locale, words", [("de", ("Richtig oder falsch", "Zahl")), ("en", ("True or false", "Number"))])
def test_the_quiz_editor_names_question_types_in_the_page_language(app, client, make_launch, locale, words):
    teacher = make_launch("instructor", locale=locale)
    course_id = course_of_launch(app, teacher)
    with app.app_context():
        tf = bank.save_question(course_id, {"id": "frist", "type": "true_false", "text": {"de": "Frist?", "en": "Deadline?"},
                                            "answer": True}).question_id
        bank.save_question(course_id, {"id": "rate", "type": "numeric", "text": {"de": "Satz?", "en": "Rate?"}, "answer": 19})
        db.session.commit()
    token = session_csrf_token(app, client)
    created = client.post(f"/l/{teacher}/authoring/quizzes/new",
                          data={"csrf_token": token, "slug": "vat", "title_de": "MwSt", "title_en": "VAT", "topic": "accuracy"})
    quiz_id = int(re.search(r"/quizzes/(\d+)", created.location).group(1))
    client.post(f"/l/{teacher}/authoring/quizzes/{quiz_id}/questions", data={"csrf_token": token, "questions": [str(tf)]})
    page = client.get(f"/l/{teacher}/authoring/quizzes/{quiz_id}").get_data(as_text=True)
    true_false, number = words
    slot = re.search(r'<p class="quiz-slot__what">(.*?)</p>', page, re.S).group(1)
    assert true_false in slot and "true_false" not in slot
    options = re.findall(r"<option[^>]*>([^<]*)</option>", page)
    # Each bank question as the slots name it: id · type · its text in the page's language.
    rate = "Satz?" if locale == "de" else "Rate?"
    assert f"frist · {true_false}" in [o.rsplit(" · ", 1)[0] for o in options] and f"rate · {number} · {rate}" in options
    assert not any("true_false" in o or "numeric" in o for o in options)


@pytest.mark.parametrize("locale, said", [("de", "Eingefügter Text (GIFT)."), ("en", "Pasted text (GIFT).")])
def test_the_import_preview_of_pasted_text_says_so_in_the_page_language(app, client, make_launch, locale, said):
    teacher = make_launch("instructor", locale=locale)
    token = session_csrf_token(app, client)
    response = client.post(f"/l/{teacher}/authoring/bank/import",
                           data={"csrf_token": token, "format": "gift", "language": locale,
                                 "paste": "::frist:: Die Frist beträgt 14 Tage. {TRUE}\n"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:500]
    assert said in body
    assert "pasted text" not in body  # the internal name of the upload, English on a German page


EDITOR_WORDS = {
    # (type, words the page shows, words it must not show)
    "de": [("single", ["<legend>Antwort 2</legend>", ">Antwort 2 entfernen<", ">Prüfen, ohne zu speichern<"],
            ["Antworten: 2", "Antworten 2 entfernen", "Prüfen ohne zu speichern"]),
           ("ordering", ["<legend>Schritt 3</legend>", ">Schritt 3 entfernen<"],
            ["Schritte in der richtigen Reihenfolge: 3", "Schritte in der richtigen Reihenfolge 3 entfernen"]),
           ("matching", ["Linke Seite (Deutsch)", ">Paar 1 entfernen<"], ["Links (Deutsch)", "Paare 1 entfernen"]),
           ("essay", ["Mindestzahl an Wörtern", "Höchstzahl an Wörtern"], ["Mindestens Wörter", "Höchstens Wörter"])],
    "en": [("single", ["<legend>Option 2</legend>", ">Remove option 2<"], ["Options: 2", "Remove Options 2"]),
           ("data_entry", ["<legend>Source field 1</legend>", ">Remove target field 1<"],
            ["Fields of the source document: 1", "Remove Fields to fill in 1"]),
           ("matching", ["Left side (German)", ">Remove pair 1<"], ["Left (German)", "Remove Pairs 1"]),
           ("essay", ["Minimum number of words", "Maximum number of words"], ["Fewest words", "Most words"])],
}


@pytest.mark.parametrize("locale", ["de", "en"])
def test_the_question_editor_names_one_row_and_its_fields_as_a_teacher_says_them(client, make_launch, locale):
    teacher = make_launch("instructor", locale=locale)
    for qtype, shown, not_shown in EDITOR_WORDS[locale]:
        page = client.get(f"/l/{teacher}/authoring/questions/new?type={qtype}").get_data(as_text=True)
        for words in shown:
            assert words in page, (qtype, words)
        for words in not_shown:
            assert words not in page, (qtype, words)


def _post_new(app, client, teacher, qtype, **fields):
    data = {"csrf_token": session_csrf_token(app, client), "key": "q-1", "points": "1", "text_de": "Frage?", "text_en": "Question?",
            "action": "check", **fields}
    return client.post(f"/l/{teacher}/authoring/questions/new?type={qtype}", data=data).get_data(as_text=True)


def test_the_question_editor_addresses_a_german_teacher_as_sie(app, client, make_launch):
    teacher = make_launch("instructor", locale="de")
    assert "Wählen Sie die Art der Frage:" in client.get(f"/l/{teacher}/authoring/questions/new").get_data(as_text=True)
    single = _post_new(app, client, teacher, "single", action="save", **{"options-0-text_de": "19 %", "options-1-text_de": "7 %"})
    assert "Kreuzen Sie die richtige(n) Antwort(en) an." in single
    assert "Markieren Sie genau eine Antwort als richtig." in single
    assert "Geben Sie eine Zahl ein, z. B. 12,5." in _post_new(app, client, teacher, "numeric", answer="neunzehn")
    assert "als richtig markieren." not in single  # the infinitive of the old editor, beside the Sie of the rest


@pytest.mark.parametrize("locale, said", [("de", "Die Mindestzahl an Wörtern ist größer als die Höchstzahl."),
                                          ("en", "The minimum number of words is larger than the maximum.")])
def test_an_essay_word_range_the_wrong_way_round_is_named_as_its_fields_are(app, client, make_launch, locale, said):
    teacher = make_launch("instructor", locale=locale)
    page = _post_new(app, client, teacher, "essay", min_words="300", max_words="50")
    assert said in page


@pytest.mark.parametrize("locale, newest, oldest", [("de", "Neueste Änderung zuerst", "Älteste Änderung zuerst"),
                                                    ("en", "Newest change first", "Oldest change first")])
def test_the_bank_sorts_by_change_in_words_that_say_which_end_comes_first(client, make_launch, locale, newest, oldest):
    teacher = make_launch("instructor", locale=locale)
    page = client.get(f"/l/{teacher}/authoring/bank").get_data(as_text=True)
    options = dict(re.findall(r'<option[^>]*value="(-?updated)"[^>]*>([^<]*)</option>', page))
    assert options == {"-updated": newest, "updated": oldest}  # were "Zuletzt geändert zuletzt", "Last changed last"


def test_copying_a_library_quiz_says_whose_questions_go_into_the_bank(client, make_launch):
    teacher = make_launch("instructor", locale="de")
    page = client.get(f"/l/{teacher}/authoring/quizzes").get_data(as_text=True)
    assert "Die Fragen des Quiz kommen in die Fragensammlung des Kurses." in page
    assert "Ihre Fragen werden" not in page  # "Ihre" reads as the teacher's own questions, not the quiz's


def test_a_question_id_is_one_word_in_german_from_the_bank_to_the_editor(app, client, make_launch):
    """The bank sorts by 'Kennung', the import preview heads its column 'Kennung' and the editor's
    finding says 'hat schon diese Kennung': the field it stands under says so too (was 'Fragen-ID')."""
    teacher = make_launch("instructor", locale="de")
    with app.app_context():
        bank.save_question(course_of_launch(app, teacher), {"id": "frist", "type": "true_false", "text": "Frist?", "answer": True})
        db.session.commit()
    page = _post_new(app, client, teacher, "true_false", key="frist", answer="true", action="save")
    label = re.search(r'<label for="key">([^<]*)</label>', page).group(1)
    assert label == "Kennung der Frage"
    assert "Eine andere Frage in der Fragensammlung dieses Kurses hat schon diese Kennung." in page
    assert "Fragen-ID" not in page


@pytest.mark.parametrize("locale, said", [("de", "Punkte müssen größer als 0 und höchstens 1000 sein."),
                                          ("en", "Points must be more than 0 and at most 1000.")])
def test_wrong_points_for_a_slot_are_refused_in_one_sentence_of_the_editor(app, client, make_launch, locale, said):
    teacher = make_launch("instructor", locale=locale)
    course_id = course_of_launch(app, teacher)
    with app.app_context():
        tf = bank.save_question(course_id, {"id": "frist", "type": "true_false", "text": "Frist?", "answer": True}).question_id
        db.session.commit()
    token = session_csrf_token(app, client)
    created = client.post(f"/l/{teacher}/authoring/quizzes/new",
                          data={"csrf_token": token, "slug": "vat", "title_de": "MwSt", "topic": "accuracy"})
    quiz_id = int(re.search(r"/quizzes/(\d+)", created.location).group(1))
    client.post(f"/l/{teacher}/authoring/quizzes/{quiz_id}/questions", data={"csrf_token": token, "questions": [str(tf)]})
    for points in ("zwei", "0", "5000"):
        response = client.post(f"/l/{teacher}/authoring/quizzes/{quiz_id}/slots/0",
                               data={"csrf_token": token, "points": points, "action": "save"})
        error = re.search(r'id="slot-error-0"[^>]*>(.*?)</p>', response.get_data(as_text=True), re.S).group(1).strip()
        assert error == said, points  # was "Keine gültige Dezimalzahl. Zahl muss zwischen 0.01 und 1000 liegen."


@pytest.mark.parametrize("locale, prompt", [("de", "Auswählen …"), ("en", "Choose…")])
def test_the_true_false_answer_asks_to_choose_as_every_other_select_does(client, make_launch, locale, prompt):
    """The empty choice read 'auswählen' (a bare lower-case infinitive); Kontor's other selects say
    'Choose…' (the student's matching and gap lists), and so does this one."""
    teacher = make_launch("instructor", locale=locale)
    page = client.get(f"/l/{teacher}/authoring/questions/new?type=true_false").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="answer"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option[^>]*value=""[^>]*>([^<]*)</option>', select) == [prompt]


def test_the_data_entry_comparisons_say_what_is_not_compared_in_plain_german(client, make_launch):
    teacher = make_launch("instructor", locale="de")
    page = client.get(f"/l/{teacher}/authoring/questions/new?type=data_entry").get_data(as_text=True)
    options = dict(re.findall(r'<option[^>]*value="(text|code)"[^>]*>([^<]*)</option>', page))
    assert options == {"text": "Text (Groß-/Kleinschreibung und Leerzeichen werden nicht beachtet)",
                       "code": "Code (Leerzeichen und Bindestriche werden nicht beachtet)"}
    assert "egal" not in page


@pytest.mark.parametrize("locale, said, not_said", [("de", "Darf höchstens 1000 sein.", "kleiner als"),
                                                    ("en", "Must be at most 1000.", "less than")])
def test_an_inclusive_limit_is_named_as_at_most(app, client, make_launch, locale, said, not_said):
    """Points may be 1000 (the engine's limit is inclusive), and the editor said 'Must be less than
    1000.' A limit the value must stay below (a number's size) still says 'less than'."""
    teacher = make_launch("instructor", locale=locale)
    page = _post_new(app, client, teacher, "true_false", answer="true", points="5000")
    assert said in page and not_said not in page and "1000.0" not in page
    from lms_module.authoring.question_editor import Problem
    from lms_module.authoring.question_forms import problem_message
    with app.test_request_context("/"):
        from flask import g
        g.locale = locale
        below = problem_message(Problem(("answer",), "less_than", "", {"lt": 10}))
    assert below == {"de": "Muss kleiner als 10 sein.", "en": "Must be less than 10."}[locale]
