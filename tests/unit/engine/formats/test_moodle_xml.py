"""Moodle XML: the documented features are read, hostile files refused, every Kontor type survives
a round trip, and the whole library exports to a file Moodle's importer takes (checked structurally
against what question/format/xml/format.php and qtype_multianswer read)."""
from __future__ import annotations

import base64
import html
import re
from decimal import Decimal
from pathlib import Path

import pytest

from lms_module.engine import limits
from lms_module.engine.formats import FormatError, format_named
from lms_module.engine.formats.safe_xml import parse_xml
from lms_module.engine.loader import load_quiz
from lms_module.engine.schema import Question
from pydantic import TypeAdapter

ROOT = Path(__file__).resolve().parents[4]
FIXTURE = ROOT / "tests/fixtures/formats/moodle_xml/all-features.xml"
MOODLE = format_named("moodlexml")
QUIZZES = Path(__file__).resolve().parents[4] / "quizzes"
QUESTION = TypeAdapter(Question)
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC")


# --- a structural check of what Moodle's importer needs -----------------------------------------

# Moodle's cloze grammar (qtype_multianswer), restated: an answer ends at an unescaped ~ # } (a #
# after & belongs to an entity), feedback at an unescaped ~ }.
_ALT = (r"(=|%(-?[0-9]+(?:[.,][0-9]*)?)%)?(.+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$))"
        r"(#(.*?(?<!\\)(?=[~}]|$)))?")
_TYPES = (r"(NUMERICAL|NM)|(MULTICHOICE|MC)|(MULTICHOICE_V|MCV)|(MULTICHOICE_H|MCH)|"
          r"(SHORTANSWER|SA|MW)|(SHORTANSWER_C|SAC|MWC)")
_ANSWER = re.compile(r"\{([0-9]*):(" + _TYPES + r"):(" + _ALT + r"(~" + _ALT + r")*)\}", re.DOTALL)
_NUMBER = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
_NUMERICAL = re.compile(r"^(" + _NUMBER + r")(:" + _NUMBER + r")?$")
ESSAY_FORMATS = {"editor", "editorfilepicker", "plain", "monospaced", "noinline"}


def _text(element, *path):
    for step in path:
        assert element is not None, f"missing <{step}>"
        element = element.find(step)
    assert element is not None, f"missing <{path[-1]}>"
    return (element.text or "").strip()


def cloze_parts(text: str) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """(type, [(fraction, answer, feedback)]) for every embedded answer, as Moodle finds them."""
    parts = []
    while (match := _ANSWER.search(text)) is not None:
        alternatives, rest = [], match.group(9)
        while rest and (alt := re.match(r"~?" + _ALT, rest, re.DOTALL)):
            alternatives.append((alt.group(1) or "", alt.group(3), alt.group(5) or ""))
            rest = rest[alt.end():]
        parts.append((match.group(2), alternatives))
        text = text[:match.start()] + "{#}" + text[match.end():]
    assert not re.search(r"\{[0-9]*:[A-Z_]+:", text), f"an embedded answer Moodle would not read: {text[:200]}"
    return parts


def assert_moodle_importable(data: bytes) -> int:
    """Every <question> has what format.php reads for its type; returns the number of questions."""
    root = parse_xml(data)
    assert root.tag == "quiz"
    questions = list(root)
    assert questions[0].get("type") == "category"
    assert _text(questions[0], "category", "text").startswith("$course$/top/")
    count = 0
    for question in questions[1:]:
        kind = question.get("type")
        where = f"{kind} {question.findtext('name/text')!r}"
        assert _text(question, "name", "text"), where
        assert question.find("questiontext").get("format") == "html", where
        text = _text(question, "questiontext", "text")
        assert text, where
        _text(question, "generalfeedback", "text")
        assert float(_text(question, "defaultgrade")) > 0, where
        assert 0 <= float(_text(question, "penalty")) <= 1, where
        assert _text(question, "hidden") == "0", where
        answers = question.findall("answer")
        fractions = [float(a.get("fraction")) for a in answers]
        if kind == "multichoice":
            for tag in ("single", "shuffleanswers", "answernumbering"):
                _text(question, tag)
            assert len(answers) >= 2, where
            for answer in answers:
                assert _text(answer, "text"), where
                _text(answer, "feedback", "text")
            if _text(question, "single") == "true":
                assert max(fractions) == 100, where  # qtype_multichoice: a single needs a 100% answer
            else:
                assert round(sum(f for f in fractions if f > 0), 2) == 100, where  # they add up to 100%
                assert all(-100 <= f <= 100 for f in fractions), where
        elif kind == "truefalse":
            assert sorted(_text(a, "text") for a in answers) == ["false", "true"], where
            assert sorted(fractions) == [0, 100], where
        elif kind == "shortanswer":
            assert _text(question, "usecase") in ("0", "1"), where
            assert any(f == 100 and _text(a, "text") for a, f in zip(answers, fractions)), where
        elif kind == "numerical":
            assert 100 in fractions, where
            for answer in answers:
                assert _NUMERICAL.match(_text(answer, "text").replace(" ", "")), where
                assert float(_text(answer, "tolerance")) >= 0, where
            for unit in question.findall("units/unit"):
                float(_text(unit, "multiplier"))
                assert _text(unit, "unit_name"), where
        elif kind == "matching":
            _text(question, "shuffleanswers")
            subquestions = question.findall("subquestion")
            assert sum(bool(_text(s, "text")) for s in subquestions) >= 2, where
            assert all(_text(s, "answer", "text") for s in subquestions), where
        elif kind == "essay":
            assert _text(question, "responseformat") in ESSAY_FORMATS, where
            for tag in ("responserequired", "responsefieldlines", "attachments", "attachmentsrequired"):
                int(_text(question, tag))
            _text(question, "graderinfo", "text")
            _text(question, "responsetemplate", "text")
        elif kind == "multianswer":
            parts = cloze_parts(text)
            assert parts, where
            for part_type, alternatives in parts:
                assert any(f in ("=", "%100%") for f, _, _ in alternatives), where
                if part_type in ("NUMERICAL", "NM"):
                    assert all(_NUMERICAL.match(a) for _, a, _ in alternatives), where
        else:
            raise AssertionError(f"unexpected question type {where}")
        count += 1
    return count


# --- reading the documented features ------------------------------------------------------------


@pytest.fixture(scope="module")
def bank():
    return MOODLE.read(FIXTURE.read_bytes(), language="en")


def by_id(bank, question_id):
    return next(q for q in bank.questions if q.id == question_id)


def notes_of(bank, name):
    return " | ".join(f.message for f in bank.notes if f.question == name)


def test_multichoice_single_reads_html_feedback_points_and_image(bank):
    question = by_id(bank, "main-diagnosis")
    assert question.type == "single" and question.points == 2
    assert question.text.en == "Which code is the **main** diagnosis?\nSee *the chart*: [image: chart.png]"
    assert question.text.de is None  # imported into the one language asked for
    assert question.explanation.en == "The **main** diagnosis caused the stay."
    assert [(o.text.en, o.correct) for o in question.options] == [("I21.0", True), ("I25.1", False), ("E11.9", False)]
    assert question.options[0].feedback.en == "Right: the infarction." and question.options[2].feedback is None
    assert bank.files == {"chart.png": PNG}
    notes = notes_of(bank, "Main diagnosis")
    assert "partial credit" in notes and "image 'chart.png'" in notes


def test_multichoice_multiple_keeps_fractions_that_match_kontors_scoring(bank):
    question = by_id(bank, "secondary-diagnoses")
    assert question.type == "multiple"
    assert [o.correct for o in question.options] == [True, True, False, False]
    assert notes_of(bank, "Secondary diagnoses") == ""  # +50/-50 is exactly Kontor's rule


def test_truefalse_shortanswer_numerical(bank):
    assert by_id(bank, "case-mix").answer is False
    short = by_id(bank, "abbreviation")
    assert short.answers.all() == ["Diagnosis Related Groups", "Diagnosis-related groups"] and short.case_sensitive
    notes = notes_of(bank, "Abbreviation")
    assert "'DRG' earned partial credit" in notes and "wildcard" in notes
    numeric = by_id(bank, "base-rate")
    assert (numeric.answer, numeric.tolerance, numeric.unit.en, numeric.points) == (Decimal(6150), Decimal("0.5"), "EUR", 3)
    assert "'ct'" in notes_of(bank, "Base rate")


def test_matching_empty_subquestions_become_distractors(bank):
    question = by_id(bank, "code-systems")
    assert [(p.left.en, p.right.en) for p in question.pairs] == [("ICD-10-GM", "Diagnoses"), ("OPS", "Procedures")]
    assert [d.en for d in question.distractors] == ["Drugs"]


def test_ddwtos_and_gapselect_become_choice_gaps(bank):
    drag = by_id(bank, "drag-the-codes")
    assert drag.text.en == "Diagnoses use {{g1}}, procedures use {{g2}}."
    assert [[(o.text.en, o.correct) for o in g.options] for g in drag.gaps] == [
        [("ICD", True), ("OPS", False), ("ATC", False)], [("OPS", True), ("ICD", False), ("ATC", False)]]
    select = by_id(bank, "select-the-missing-word")
    assert [o.text.en for o in select.gaps[0].options] == ["grouper", "coder"]  # group 2 is not offered


def test_multianswer_gaps(bank):
    question = by_id(bank, "cloze-claim")
    assert question.text.en == "The claim goes to the {{g1}}, costs {{g2}} EUR and is filed under {{g3}}."
    choice, number, short = question.gaps
    assert [(o.text.en, o.correct, o.feedback.en) for o in choice.options] == [
        ("insurer", True, "Right"), ("patient", False, "Wrong")]
    assert (number.answer, number.tolerance) == (Decimal(1250), Decimal(5))
    assert short.answers.all() == ["§ 301", "section 301"]
    assert question.points == 4  # Moodle's mark: the sum of the gap weights 1 + 2 + 1
    assert "weights" in notes_of(bank, "Cloze claim")


def test_essay_rubric_and_word_limits(bank):
    essay = by_id(bank, "explain-the-appeal")
    assert (essay.min_words, essay.max_words, essay.points) == (50, 300, 5)
    assert essay.rubric.en == "1 point for the **deadline**."


def test_categories_become_tags_and_names_become_unique_ids(bank):
    assert bank.tags["main-diagnosis"] == ["Billing", "DRG"]
    assert bank.tags["plain-text"] == ["Billing", "Other/Misc", "basics"]  # "//" is a slash in a name
    assert bank.title == "DRG"
    assert by_id(bank, "plain-text").text.en == "Plain text keeps a < b as written."
    assert by_id(bank, "plain-text").explanation.en == "It is **bold** in Markdown."
    assert by_id(bank, "plain-text-2").text.en.startswith("English is here.")  # multilang: the asked language


def test_svg_is_refused_and_skips_name_their_reason_and_line(bank):
    assert "evil.svg" not in bank.files
    assert "SVG" in notes_of(bank, "Plain text")
    skipped = {f.question: (f.line, f.message) for f in bank.skipped}
    assert set(skipped) == {"Cloze with several answers per gap", "Read this first", "Formula", "No key"}
    assert "MULTIRESPONSE" in skipped["Cloze with several answers per gap"][1]
    assert "description" in skipped["Read this first"][1]
    assert "'calculated'" in skipped["Formula"][1]
    assert "exactly one option must be correct" in skipped["No key"][1]  # the engine's own rule
    assert all(line for line, _ in skipped.values())


def test_multilang_reads_the_language_asked_for():
    german = MOODLE.read(FIXTURE.read_bytes(), language="de")
    assert german.questions[-1].text.de.startswith("Deutsch ist hier.")


# --- hostile and malformed files -----------------------------------------------------------------

def test_billion_laughs_and_external_entities_are_refused():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa">'
              b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><quiz>&b;</quiz>')
    external = (b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                b'<quiz><question type="truefalse"><name><text>&x;</text></name></question></quiz>')
    for data in (laughs, external):
        with pytest.raises(FormatError):
            MOODLE.read(data)


def test_malformed_and_foreign_files_name_the_line():
    with pytest.raises(FormatError) as broken:
        MOODLE.read(b"<quiz>\n<question type='truefalse'>\n</quiz>")
    assert broken.value.findings[0].line == 3
    with pytest.raises(FormatError, match="not <quiz>"):
        MOODLE.read(b"<questestinterop/>")


def test_too_many_questions_are_refused_before_building():
    one = b'<question type="truefalse"><name><text>q</text></name></question>'
    with pytest.raises(FormatError, match="at most"):
        MOODLE.read(b"<quiz>" + one * (limits.MAX_IMPORT_QUESTIONS + 1) + b"</quiz>")


def _with_file(name: str, payload: str) -> bytes:
    return (f'<quiz><question type="truefalse"><name><text>Q</text></name><questiontext format="html">'
            f'<text>Is it?</text><file name="{name}" encoding="base64">{payload}</file></questiontext>'
            f'<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>'
            f'</question></quiz>').encode()


@pytest.mark.parametrize("name, payload, reason", [
    ("big.png", "A" * (limits.MAX_IMAGE_BYTES * 4 // 3 + 8), "larger than"),
    ("x.png", "!!not base64!!", "not valid base64"),
    ("doc.pdf", base64.b64encode(b"%PDF-1.4").decode(), "not a PNG, JPEG or GIF"),
    ("../../etc/x.png", base64.b64encode(PNG).decode(), None),
])
def test_embedded_files_are_checked(name, payload, reason):
    bank = MOODLE.read(_with_file(name, payload))
    assert len(bank.questions) == 1
    if reason is None:
        assert bank.files == {"x.png": PNG}  # the path is dropped, only the base name is kept
    else:
        assert bank.files == {} and reason in bank.notes[0].message


def test_a_broken_cloze_is_skipped_not_crashed():
    data = (b'<quiz><question type="multianswer"><name><text>C</text></name><questiontext format="html">'
            b'<text>Open {1:SHORTANSWER:=yes</text></questiontext></question></quiz>')
    bank = MOODLE.read(data)
    assert bank.questions == [] and "not closed" in bank.skipped[0].message


# --- round trips -------------------------------------------------------------------------------

def q(**data):
    return QUESTION.validate_python({"points": 2.5, "explanation": {"en": "Because *so*."}, **data})


ROUND_TRIP = [
    q(id="single", type="single", text={"en": "Pick **one** & only one < two"}, options=[
        {"id": "a", "text": {"en": "Right"}, "correct": True, "feedback": {"en": "Yes #1"}},
        {"id": "b", "text": {"en": "Wrong"}, "feedback": {"en": "No"}},
        {"id": "c", "text": {"en": "Also wrong"}}]),
    q(id="multiple", type="multiple", text={"en": "Pick all\nthat apply"}, options=[
        {"id": "a", "text": {"en": "A"}, "correct": True}, {"id": "b", "text": {"en": "B"}, "correct": True},
        {"id": "c", "text": {"en": "C"}, "correct": True}, {"id": "d", "text": {"en": "D"}, "feedback": {"en": "No"}}]),
    q(id="tf", type="true_false", text={"en": "True?"}, answer=False),
    q(id="numeric", type="numeric", text={"en": "How much?"}, answer="1190.00", tolerance="0.005", unit={"en": "EUR"}),
    q(id="short", type="short_text", text={"en": "Name it"}, answers=["EORI", "5 * 3", "a#b}c~d"], case_sensitive=True),
    q(id="matching", type="matching", text={"en": "Match"}, pairs=[
        {"left": {"en": "**FOB**"}, "right": {"en": "Free On Board"}},
        {"left": {"en": "EXW"}, "right": {"en": "Ex Works"}}], distractors=[{"en": "Delivered Duty Paid"}]),
    q(id="ordering", type="ordering", text={"en": "Order"}, items=[
        {"id": "a", "text": {"en": "Pick"}}, {"id": "b", "text": {"en": "Pack"}}, {"id": "c", "text": {"en": "Ship"}}]),
    q(id="cloze", type="cloze", points=3, text={"en": "VAT is {{g1}} EUR, called **{{g2}}**, due to {{g3}}."}, gaps=[
        {"id": "g1", "type": "numeric", "answer": "-19.5", "tolerance": "0.25"},
        {"id": "g2", "type": "short_text", "answers": ["standard rate", "a~b#c}d\\e&f<g"]},
        {"id": "g3", "type": "choice", "options": [
            {"id": "a", "text": {"en": "the *tax* office & co"}, "correct": True, "feedback": {"en": "Yes } # ~"}},
            {"id": "b", "text": {"en": "the 'customer'"}, "feedback": {"en": "No"}}]}]),
    q(id="essay", type="essay", text={"en": "Explain"}, min_words=10, max_words=200, rubric={"en": "**2** points"}),
]


def _without_ids(value):
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


@pytest.mark.parametrize("question", ROUND_TRIP, ids=lambda question: question.type)
def test_round_trip(question):
    exported = MOODLE.write([question], title="Round trip", language="en")
    assert_moodle_importable(exported.data)
    bank = MOODLE.read(exported.data, language="en")
    assert bank.skipped == []
    assert len(bank.questions) == 1
    assert bank.questions[0].id == question.id  # the name carries the id
    assert _without_ids(bank.questions[0].model_dump(mode="json")) == _without_ids(question.model_dump(mode="json"))
    assert bank.tags[question.id] == ["Kontor", "Round trip"]


def test_multiple_fractions_give_kontors_score():
    root = parse_xml(MOODLE.write([ROUND_TRIP[1]], title="t").data)
    fractions = [float(a.get("fraction")) for a in root.iter("answer")]
    assert fractions == [33.33333, 33.33333, 33.33333, -33.33333]


def test_document_check_and_data_entry_are_written_nearest_with_notes():
    quiz = load_quiz(ROOT / "quizzes/accuracy/accuracy-practice.yaml")
    check = next(x for x in quiz.questions if x.type == "document_check")
    entry = next(x for x in quiz.questions if x.type == "data_entry")
    exported = MOODLE.write([check, entry], title="t", language="en")
    assert assert_moodle_importable(exported.data) == 2
    assert {f.question for f in exported.notes if "document check" in f.message} == {check.id}
    assert {f.question for f in exported.notes if "data entry" in f.message} == {entry.id}
    bank = MOODLE.read(exported.data, language="en")
    multiple, cloze = bank.questions
    assert multiple.type == "multiple" and cloze.type == "cloze"
    assert [o.correct for o in multiple.options] == [f.error is not None for f in check.document.fields]
    assert len(cloze.gaps) == len(entry.fields)


def test_both_languages_as_multilang_spans():
    question = q(id="bi", type="true_false", text={"de": "Wahr?", "en": "True?"}, answer=True)
    data = MOODLE.write([question], title="t", language="both").data
    assert b'<span lang="de" class="multilang">Wahr?</span><span lang="en" class="multilang">True?</span>' in data
    assert MOODLE.read(data, language="de").questions[0].text.de == "Wahr?"
    assert MOODLE.read(data, language="en").questions[0].text.en == "True?"


def test_html_in_texts_is_escaped_in_the_file():
    question = q(id="xss", type="true_false", text={"en": "<script>alert(1)</script> ]]> end"}, answer=True)
    data = MOODLE.write([question], title="t").data
    assert b"<script>" not in data.replace(b"<![CDATA[", b"")
    text = parse_xml(data).find("question[@type='truefalse']/questiontext/text").text
    assert "<script>" not in text and html.unescape(text).startswith("<script>")
    assert MOODLE.read(data).questions[0].text.en == "<script>alert(1)</script> ]]> end"


# --- the whole library --------------------------------------------------------------------------

LIBRARY = sorted((ROOT / "quizzes").glob("*/*.yaml"))


@pytest.mark.parametrize("path", LIBRARY, ids=lambda path: path.stem)
def test_library_exports_importably_and_reimports(path):
    quiz = load_quiz(path)
    for language in ("en", "de"):
        exported = MOODLE.write(quiz.questions, title=getattr(quiz.title, language), language=language)
        assert assert_moodle_importable(exported.data) == len(quiz.questions)
        bank = MOODLE.read(exported.data, language=language)
        assert bank.skipped == []
        assert [x.id for x in bank.questions] == [x.id for x in quiz.questions]


# --- language marks (issue 16, WCAG 3.1.2) -------------------------------------------------------

@pytest.mark.parametrize("language", ["de", "en", "both"])
def test_a_marked_phrase_is_written_as_span_lang_and_read_back_as_the_mark(language):
    question = TypeAdapter(Question).validate_python({
        "id": "letter", "type": "single", "points": 1,
        "text": {"de": "Wie endet „[Dear Sir or Madam]{lang=en}“?", "en": "How does „[Dear Sir or Madam]{lang=en}“ end?"},
        "options": [{"id": "a", "text": "[Yours faithfully]{lang=en}", "correct": True},
                    {"id": "b", "text": {"de": "Mit freundlichen Grüßen", "en": "Kind regards", "lang": "de"}}],
    })
    exported = MOODLE.write([question], title="Marks", language=language)
    assert '<span lang="en">Dear Sir or Madam</span>' in html.unescape(exported.data.decode())
    read_as = "de" if language == "de" else "en"
    [back] = MOODLE.read(exported.data, language=read_as).questions
    assert getattr(back.text, read_as) == getattr(question.text, read_as)
    assert [getattr(o.text, read_as) for o in back.options] == [
        "[Yours faithfully]{lang=en}",  # a whole text's lang comes back as a mark around it
        "[Mit freundlichen Grüßen]{lang=de}" if read_as == "de" else "[Kind regards]{lang=de}",
    ]


def test_the_whole_library_keeps_its_language_marks_through_moodle_xml():
    for path in sorted(QUIZZES.glob("*/*.yaml")):
        quiz = load_quiz(path)
        exported = MOODLE.write(quiz.questions, title="Library", language="de")
        bank = MOODLE.read(exported.data, language="de")
        back = {q.id: q for q in bank.questions}
        for original in quiz.questions:
            if original.id in back and original.type in ("single", "multiple"):
                assert back[original.id].text.de == original.text.de, (path.name, original.id)
