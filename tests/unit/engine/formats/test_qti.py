"""QTI: Canvas's QTI 1.2 quiz export and a QTI 2.1 package in, QTI 2.1 out.

The fixtures under tests/fixtures/formats/qti/ were written from the IMS QTI 1.2 / 2.1
specifications and the structure of Canvas's classic-quiz export; the tests zip them as the
tools deliver them.
"""
from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from lms_module.engine import load_quiz
from lms_module.engine.formats import FormatError, format_for_filename, format_named
from lms_module.engine.schema import Question
from pydantic import TypeAdapter

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "formats" / "qti"
QUIZZES = Path(__file__).resolve().parents[4] / "quizzes"
QTI = format_named("qti")
QUESTION = TypeAdapter(Question)


def zip_folder(folder: Path, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def by_id(bank):
    return {q.id: q for q in bank.questions}


@pytest.fixture(scope="module")
def canvas():
    folder = FIXTURES / "canvas"
    # Canvas also writes a copy of each quiz under non_cc_assessments/; the manifest does not list
    # it, so it must not be imported twice.
    copy = (folder / "gquiz1" / "gquiz1.xml").read_bytes()
    return QTI.read(zip_folder(folder, {"non_cc_assessments/gquiz1.xml.qti": copy}), language="en")


@pytest.fixture(scope="module")
def qti21():
    return QTI.read(zip_folder(FIXTURES / "qti21"), language="de")


# --- the format is registered -------------------------------------------------------------------


def test_qti_is_registered_for_zip_and_xml():
    assert QTI.name == "qti" and QTI.can_write
    assert set(QTI.extensions) == {".zip", ".xml"}
    assert format_named("qti") is QTI


# --- Canvas QTI 1.2 -------------------------------------------------------------------------------


def test_canvas_quiz_title_and_no_double_import(canvas):
    assert canvas.title == "Back-office basics"
    assert len(canvas.questions) == 11


def test_canvas_multiple_choice_with_html_and_every_kind_of_feedback(canvas):
    q = by_id(canvas)["invoice-number"]
    assert q.type == "single" and q.points == 2
    assert q.text.en == "Which field makes an invoice **unique** & traceable?\nPick *one*."
    assert q.text.de is None  # imported into the one language asked for
    assert "alert" not in q.text.en and "<" not in q.text.en
    assert [o.correct for o in q.options] == [True, False, False]
    assert q.options[2].text.en == "The customer's name"
    assert q.options[1].feedback.en == "Many invoices share a date."
    assert q.explanation.en == "Numbers are assigned once.\nIf correct: Right.\nIf incorrect: Look again."
    notes = [n.message for n in canvas.notes if n.question == "Invoice number"]
    assert any("img" in n for n in notes)
    assert any("merged into the explanation" in n for n in notes)


def test_canvas_multiple_answers_reads_the_and_not_condition(canvas):
    q = by_id(canvas)["mandatory-fields"]
    assert q.type == "multiple" and q.points == 3
    assert [o.correct for o in q.options] == [True, True, False]


def test_canvas_true_false(canvas):
    q = by_id(canvas)["net-and-gross"]
    assert q.type == "true_false" and q.answer is False


def test_canvas_short_answer_accepts_every_listed_answer(canvas):
    q = by_id(canvas)["customs-number"]
    assert q.type == "short_text" and q.answers.all() == ["EORI", "EORI number"]
    assert q.case_sensitive is False


def test_canvas_numerical_exact_with_margin(canvas):
    q = by_id(canvas)["vat-amount"]
    assert q.type == "numeric" and q.answer == Decimal("19.0") and q.tolerance == Decimal("0.01")


def test_canvas_numerical_range_becomes_middle_and_half_width(canvas):
    q = by_id(canvas)["working-days"]
    assert (q.answer, q.tolerance) == (Decimal("21.5"), Decimal("1.5"))
    assert any("range" in n.message for n in canvas.notes if n.question == "Working days")


def test_canvas_matching_with_a_distractor(canvas):
    q = by_id(canvas)["incoterms"]
    assert [(p.left.en, p.right.en) for p in q.pairs] == [("FOB", "Free On Board"), ("EXW", "Ex Works")]
    assert [d.en for d in q.distractors] == ["Delivered Duty Paid"]


def test_canvas_essay_keeps_general_feedback(canvas):
    q = by_id(canvas)["complaint-reply"]
    assert q.type == "essay" and q.points == 5
    assert q.explanation.en == "Apologise, explain, offer a remedy."


def test_canvas_fill_in_multiple_blanks_becomes_a_cloze(canvas):
    q = by_id(canvas)["invoice-totals"]
    assert q.type == "cloze"
    assert q.text.en == "Net plus {{tax}} gives the {{total-amount}}."
    assert [g.answers.all() for g in q.gaps] == [["VAT", "value added tax"], ["gross amount"]]


def test_canvas_multiple_dropdowns_become_choice_gaps(canvas):
    q = by_id(canvas)["payment-terms"]
    assert q.text.en.endswith("within {{days}} days.")
    gap = q.gaps[0]
    assert gap.type == "choice" and [(o.text.en, o.correct) for o in gap.options] == [("10", True), ("30", False)]


def test_canvas_unsupported_kinds_and_broken_questions_are_skipped_with_line_and_reason(canvas):
    skipped = {f.question: f for f in canvas.skipped}
    assert set(skipped) == {"Instructions", "Upload the scan", "Formula", "No key"}
    assert "text_only_question" in skipped["Instructions"].message
    assert "file upload" in skipped["Upload the scan"].message
    assert "calculated" in skipped["Formula"].message
    assert skipped["No key"].message == "options: exactly one option must be correct, found 0"
    assert all(f.line for f in canvas.skipped)


def test_canvas_sections_become_tags_and_names_stay_unique(canvas):
    questions = by_id(canvas)
    assert "invoice-number-2" in questions  # a second question named "Invoice number"
    assert canvas.tags["invoice-number-2"] == ["Back-office basics", "Billing"]
    assert canvas.tags["invoice-number"] == ["Back-office basics"]


def test_a_single_canvas_assessment_file_reads_too():
    bank = QTI.read((FIXTURES / "canvas" / "gquiz1" / "gquiz1.xml").read_bytes(), language="de")
    assert len(bank.questions) == 11
    assert bank.questions[0].text.de.startswith("Which field")


# --- QTI 2.1 --------------------------------------------------------------------------------------


def test_qti21_package_title_and_section_tags(qti21):
    assert qti21.title == "Office practice"
    assert qti21.tags["dunning-level"] == ["Billing"]
    assert qti21.tags["incoterms"] == ["Customs", "Incoterms"]  # nested sections, namespace prefix
    assert "order-to-cash" not in qti21.tags  # listed in the manifest only


def test_qti21_single_choice_prompt_inline_and_modal_feedback(qti21):
    q = by_id(qti21)["dunning-level"]
    assert q.type == "single" and q.points == 2
    assert q.text.de == "A customer has not paid **30 days** after the due date.\nWhat do you send *first*?"
    assert [o.correct for o in q.options] == [False, True, False]
    assert q.options[0].text.de == "A lawyer's letter"
    assert q.options[0].feedback.de == "Too early for a lawyer."
    assert q.options[2].feedback.de == "Silence costs money."  # modalFeedback named after the choice
    assert q.explanation.de == "Start polite; escalate step by step."


def test_qti21_multiple_choice_from_a_partial_credit_mapping(qti21):
    q = by_id(qti21)["retention"]
    assert q.type == "multiple" and q.points == 3  # normalMaximum
    assert [o.correct for o in q.options] == [True, True, False]


def test_qti21_text_entry_short_answer_with_mapping(qti21):
    q = by_id(qti21)["customs-number"]
    assert q.type == "short_text" and q.answers.all() == ["EORI", "EORI number"] and not q.case_sensitive


def test_qti21_numeric_with_absolute_tolerance_and_unit(qti21):
    q = by_id(qti21)["gross-amount"]
    assert q.type == "numeric" and q.points == 1.5
    assert (q.answer, q.tolerance, q.unit.de) == (Decimal("1190.00"), Decimal("0.005"), "EUR")
    assert q.text.de == "1000 EUR net plus 19 % VAT gives what gross amount?"  # the unit is not text


def test_qti21_numeric_with_equal_rounded_becomes_half_a_unit(qti21):
    q = by_id(qti21)["discount"]
    assert (q.answer, q.tolerance) == (Decimal("30.94"), Decimal("0.005"))
    assert any("rounding" in n.message for n in qti21.notes if n.question == "Discount")


def test_qti21_extended_text_is_an_essay_with_the_scorer_rubric(qti21):
    q = by_id(qti21)["complaint-reply"]
    assert q.type == "essay" and q.points == 5
    assert q.rubric.de == "Full marks for apology, explanation and remedy."
    assert "Full marks" not in q.text.de


def test_qti21_match_and_associate_become_matching(qti21):
    match = by_id(qti21)["incoterms"]
    assert [(p.left.de, p.right.de) for p in match.pairs] == [("FOB", "Free On Board"), ("EXW", "Ex Works")]
    assert [d.de for d in match.distractors] == ["Delivered Duty Paid"]
    associate = by_id(qti21)["documents"]
    assert [(p.left.de, p.right.de) for p in associate.pairs] == [
        ("Purchase order", "Order confirmation"), ("Goods shipped", "Delivery note")]


def test_qti21_order_interaction_uses_the_correct_order(qti21):
    q = by_id(qti21)["order-to-cash"]  # a QTI 2.2 namespace: matched by local name
    assert [i.text.de for i in q.items] == ["Take the order", "Deliver", "Invoice"]


def test_qti21_inline_interactions_in_text_become_a_cloze(qti21):
    q = by_id(qti21)["vat-sentence"]
    assert q.type == "cloze" and q.points == 3
    assert q.text.de == "The German VAT rate of {{rate}} % is called the {{name}}; the {{who}} charges it."
    rate, name, who = q.gaps
    assert (rate.type, rate.answer) == ("numeric", Decimal("19"))
    assert name.answers.all() == ["standard rate"] and name.case_sensitive  # QTI match is case-sensitive
    assert [(o.text.de, o.correct) for o in who.options] == [("seller", True), ("buyer", False)]


def test_qti21_unsupported_interaction_is_skipped_with_file_and_line(qti21):
    [skipped] = qti21.skipped
    assert skipped.question == "Scan upload" and skipped.line == 2
    assert "items/upload.xml" in skipped.message and "uploadInteraction" in skipped.message


def test_a_single_qti21_item_file_reads_too():
    bank = QTI.read((FIXTURES / "qti21" / "items" / "order.xml").read_bytes(), language="en")
    assert [q.type for q in bank.questions] == ["ordering"]


# --- hostile and malformed input ------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<questestinterop>&lol2;</questestinterop>"""


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_billion_laughs_file_is_refused():
    with pytest.raises(FormatError, match="DTD"):
        QTI.read(BILLION_LAUGHS)


def test_billion_laughs_inside_a_package_is_refused_naming_the_file():
    manifest = (FIXTURES / "canvas" / "imsmanifest.xml").read_bytes()
    with pytest.raises(FormatError, match="gquiz1/gquiz1.xml"):
        QTI.read(_zip({"imsmanifest.xml": manifest, "gquiz1/gquiz1.xml": BILLION_LAUGHS}))


def test_zip_with_a_path_leaving_it_is_refused():
    with pytest.raises(FormatError, match="leaves"):
        QTI.read(_zip({"imsmanifest.xml": b"<manifest/>", "../../etc/cron.d/evil": b"x"}))


def test_zip_bomb_is_refused():
    with pytest.raises(FormatError, match="zip bomb"):
        QTI.read(_zip({"imsmanifest.xml": b"<manifest/>", "bomb.xml": b"\0" * (5 * 1024 * 1024)}))


def test_malformed_item_names_file_and_line():
    broken = b'<?xml version="1.0"?>\n<assessmentItem identifier="x">\n<itemBody>\n</assessmentItem>'
    folder = FIXTURES / "qti21"
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    package = _zip({**files, "items/choice.xml": broken})
    with pytest.raises(FormatError) as refused:
        QTI.read(package)
    finding = refused.value.findings[0]
    assert "items/choice.xml" in finding.message and finding.line == 4


def test_a_file_the_manifest_names_but_the_archive_lacks_is_refused():
    with pytest.raises(FormatError, match="names 'test.xml'"):
        QTI.read(_zip({"imsmanifest.xml": (FIXTURES / "qti21" / "imsmanifest.xml").read_bytes()}))


@pytest.mark.parametrize("data, message", [
    (b"not xml at all", "not well-formed"),
    (b"<html><body/></html>", "not a QTI file"),
    (_zip({"readme.txt": b"hello"}), "imsmanifest.xml"),
    (_zip({"imsmanifest.xml": b"<manifest><resources/></manifest>"}), "no QTI resources"),
    (b"PK\x03\x04broken", "zip"),
])
def test_files_that_are_not_qti_are_refused_clearly(data, message):
    with pytest.raises(FormatError, match=message):
        QTI.read(data)


def test_too_many_questions_are_refused_before_building(monkeypatch):
    from lms_module.engine import limits
    monkeypatch.setattr(limits, "MAX_IMPORT_QUESTIONS", 3)
    with pytest.raises(FormatError, match="more than 3 questions"):
        QTI.read((FIXTURES / "canvas" / "gquiz1" / "gquiz1.xml").read_bytes())


# --- writing and round trips ---------------------------------------------------------------------

ROUND_TRIP = [
    {"type": "single", "points": 2, "text": "Pick **one**:\nthe *right* one", "explanation": "Because.",
     "options": [{"id": "a", "text": "Right", "correct": True},
                 {"id": "b", "text": "Wrong & <b>odd</b>", "feedback": "Not this."},
                 {"id": "c", "text": "`code`"}]},
    {"type": "multiple", "points": 3, "text": "Pick two",
     "options": [{"id": "a", "text": "A", "correct": True, "feedback": "Yes."},
                 {"id": "b", "text": "B", "correct": True}, {"id": "c", "text": "C"}]},
    {"type": "true_false", "text": "Sky is blue.", "answer": True, "explanation": "Rayleigh."},
    {"type": "true_false", "text": "Sky is green.", "answer": False},
    {"type": "numeric", "points": 1.5, "text": "VAT?", "answer": "19.00", "tolerance": "0.005", "unit": "EUR"},
    {"type": "numeric", "text": "Exactly?", "answer": "-42"},
    {"type": "short_text", "text": "Code?", "answers": ["EORI", "EORI number"]},
    {"type": "short_text", "text": "Case?", "answers": ["DE123"], "case_sensitive": True},
    {"type": "matching", "points": 2, "text": "Match",
     "pairs": [{"left": "FOB", "right": "Free On Board"}, {"left": "EXW", "right": "Ex Works"}],
     "distractors": ["Delivered Duty Paid"]},
    {"type": "ordering", "text": "Order", "items": [{"id": "one", "text": "One"}, {"id": "two", "text": "Two"},
                                                     {"id": "three", "text": "Three"}]},
    {"type": "cloze", "points": 3, "text": "Rate {{rate}} % is the {{name}};\n{{who}} pays it.",
     "gaps": [{"id": "name", "type": "short_text", "answers": ["standard rate"]},
              {"id": "rate", "type": "numeric", "answer": "19", "tolerance": "0.5"},
              {"id": "who", "type": "choice", "options": [{"id": "b", "text": "the buyer", "correct": True},
                                                          {"id": "s", "text": "the seller"}]}]},
    {"type": "essay", "points": 5, "text": "Write.", "rubric": "Full marks for **clarity**.",
     "explanation": "A model answer."},
]


def _dump(question, language):
    def local(value):
        if isinstance(value, dict):
            if value and set(value) <= {"de", "en"}:
                return local(value.get(language))
            return {k: local(v) for k, v in value.items()}
        if isinstance(value, list):
            return [local(v) for v in value]
        return value
    data = local(question.model_dump(mode="json", exclude_none=True))
    data.pop("id")
    return data


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("spec", ROUND_TRIP, ids=[f"{s['type']}-{i}" for i, s in enumerate(ROUND_TRIP)])
def test_round_trip_through_qti21(spec, language):
    question = QUESTION.validate_python({"id": "q-under-test", **spec})
    exported = QTI.write([question], title="Round trip", language=language)
    bank = QTI.read(exported.data, language=language)
    assert not bank.skipped, bank.skipped
    [back] = bank.questions
    assert back.id == "q-under-test"
    assert _dump(back, language) == _dump(question, language)


def test_export_is_a_qti21_package_with_manifest_test_and_items():
    questions = [QUESTION.validate_python({"id": "2026-rate", **ROUND_TRIP[0]})]
    exported = QTI.write(questions, title="Billing basics", language="en")
    assert exported.filename.endswith(".zip") and exported.media_type == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(exported.data))
    names = set(archive.namelist())
    assert {"imsmanifest.xml", "assessmentTest.xml", "items/id-2026-rate.xml"} <= names
    manifest = archive.read("imsmanifest.xml").decode()
    assert 'type="imsqti_item_xmlv2p1"' in manifest and 'type="imsqti_test_xmlv2p1"' in manifest
    item = archive.read("items/id-2026-rate.xml").decode()
    assert 'xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"' in item
    assert "<strong>one</strong>" in item and "&lt;b&gt;odd&lt;/b&gt;" in item  # markup rendered, HTML escaped
    assert 'identifier="MAXSCORE"' in item


def test_essay_word_limits_are_reported_not_dropped_silently():
    essay = QUESTION.validate_python({"id": "e", "type": "essay", "text": "Write.", "min_words": 50})
    exported = QTI.write([essay], title="t", language="en")
    assert any("word limits" in n.message for n in exported.notes)


def test_document_check_is_written_as_multiple_response_over_fields_with_a_note():
    quiz = load_quiz(QUIZZES / "accuracy" / "accuracy-exam.yaml")
    check = next(q for q in quiz.questions if q.type == "document_check")
    exported = QTI.write([check], title="t", language="en")
    assert any("document check" in n.message for n in exported.notes)
    [back] = QTI.read(exported.data, language="en").questions
    assert back.type == "multiple"
    assert [o.correct for o in back.options] == [f.error is not None for f in check.document.fields]
    faulty = next(f for f in check.document.fields if f.error is not None)
    option = back.options[check.document.fields.index(faulty)]
    assert option.feedback.en == faulty.error.en
    assert option.text.en.startswith(faulty.label.en)


def test_data_entry_is_written_as_text_entries_per_field_with_a_note():
    quiz = next(load_quiz(p) for p in sorted(QUIZZES.glob("*/*.yaml"))
                if any(q.type == "data_entry" for q in load_quiz(p).questions))
    entry = next(q for q in quiz.questions if q.type == "data_entry")
    exported = QTI.write([entry], title="t", language="de")
    assert any("data entry" in n.message for n in exported.notes)
    [back] = QTI.read(exported.data, language="de").questions
    assert back.type == "cloze" and len(back.gaps) == len(entry.fields)
    assert [g.answers.all() for g in back.gaps] == [f.answer for f in entry.fields]


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_whole_library_exports_and_reimports_without_errors(language):
    for path in sorted(QUIZZES.glob("*/*.yaml")):
        quiz = load_quiz(path)
        exported = QTI.write(quiz.questions, title=quiz.title.en, language=language)
        bank = QTI.read(exported.data, language=language)
        assert not bank.skipped, (path.name, bank.skipped)
        assert len(bank.questions) == len(quiz.questions), path.name
        assert bank.title == quiz.title.en
        for original, back in zip(quiz.questions, bank.questions):
            assert back.id == original.id
            assert back.points == original.points
            if original.type not in ("document_check", "data_entry"):
                expected = _dump(original, language)
                for key in ("source", "difficulty", "valid_as_of", "review_by", "min_words", "max_words"):
                    expected.pop(key, None)
                assert _dump(back, language) == expected, (path.name, original.id)


def test_format_for_filename_does_not_guess_qti_for_xml_alone():
    # .xml is shared with Moodle XML: the caller must then say --format.
    assert format_for_filename("bank.zip") is QTI


# --- language marks (issue 16, WCAG 3.1.2) -------------------------------------------------------

LANG_MARKED = {
    "type": "single", "points": 1,
    "text": {"de": "Wie endet „[Dear Sir or Madam]{lang=en}“?", "en": "How does „[Dear Sir or Madam]{lang=en}“ end?"},
    "options": [
        {"id": "a", "text": "[Yours faithfully]{lang=en}", "correct": True},
        {"id": "b", "text": {"de": "Mit freundlichen Grüßen", "en": "Kind regards", "lang": "de"}},
    ],
    "explanation": {"de": "Britisch: [**Yours faithfully**]{lang=en}.", "en": "British: [**Yours faithfully**]{lang=en}."},
}


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_marked_phrase_is_written_as_xml_lang_span_and_read_back_as_the_mark(language):
    question = QUESTION.validate_python({"id": "letter", **LANG_MARKED})
    exported = QTI.write([question], title="Marks", language=language)
    item = zipfile.ZipFile(io.BytesIO(exported.data)).read("items/letter.xml").decode()
    assert '<span xml:lang="en">Dear Sir or Madam</span>' in item
    assert ' lang="' not in item  # HTML's lang is not valid QTI 2.1
    [back] = QTI.read(exported.data, language=language).questions
    assert back.text.model_dump()[language] == getattr(question.text, language)
    assert [o.text.model_dump()[language] for o in back.options] == [
        "[Yours faithfully]{lang=en}",
        # a whole text's language has no place in QTI: it comes back as a mark around the text
        "[Mit freundlichen Grüßen]{lang=de}" if language == "de" else "[Kind regards]{lang=de}",
    ]
    assert getattr(back.explanation, language).endswith("[**Yours faithfully**]{lang=en}.")


def test_a_documents_language_becomes_marks_around_its_texts():
    from lms_module.engine.formats.language_marks import as_phrase_marks
    [question] = [q for q in load_quiz(QUIZZES / "accuracy" / "accuracy-exam.yaml").questions
                  if q.type == "data_entry" and q.document.lang == "en"]
    [marked], _notes = as_phrase_marks([question])
    assert marked.document.lang is None
    first = marked.document.fields[0]
    assert first.label.en == "[Invoice No.]{lang=en}"
    assert first.label.de == "[Invoice No. (]{lang=en}[Rechnungsnummer]{lang=de})"  # the gloss stays German
    assert first.value.de.startswith("[") and first.value.de.endswith("]{lang=en}")
