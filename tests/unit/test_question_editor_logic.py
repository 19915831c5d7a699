"""question_editor's pure rules: rows to content and back, engine findings at the form's own rows
(blank rows skipped), the longest-key cue, translation status, cloze segments."""
from lms_module.authoring import question_editor as qe


def test_findings_name_the_form_row_even_after_blank_rows():
    values = qe.new_values("single")
    values.update(key="q", text_de="Frage")
    values["options"][0].update(text_de="A", correct=True)
    values["options"][2].update(text_de="B", id="BAD ID")  # row 1 is blank and left out
    values["options"][3].update(feedback_de="only feedback, no option text")
    content, question, problems = qe.check("single", values)
    assert question is None
    assert [o["id"] for o in content["options"]] == ["o1", "o2", "o3"]  # the bad id replaced
    assert problems[0].fields[0] == "options-3-text_de"  # content row 2 is form row 3
    values["options"][3].update(text_de="C")
    assert qe.check("single", values)[2] == []


def test_negative_tolerance_is_at_the_tolerance_field():
    values = {"key": "n", "text_de": "x", "answer": "3", "tolerance": "-1"}
    _, _, problems = qe.check("numeric", values)
    assert problems[0].fields[0] == "tolerance" and problems[0].kind == "greater_than_equal"


def test_a_document_field_error_names_its_row():
    values = {"key": "d", "text_de": "x", "check_fields": [{"label_de": "A", "value_de": "1"}, {},
                                                          {"label_de": "B", "value_de": "2"}]}
    _, _, problems = qe.check("document_check", values)
    assert problems[0].fields[0] == "check_fields"  # no faulty field: the list


def test_round_trip_keeps_every_type():
    content = {"id": "c", "type": "cloze", "text": {"de": "a {{g}}", "en": "b {{g}}"},
               "gaps": [{"id": "g", "type": "choice", "options": [
                   {"id": "o1", "text": {"de": "x", "en": "y"}, "correct": True},
                   {"id": "o2", "text": {"de": "z", "en": "w"}, "correct": False}]}]}
    values = qe.values_from_content(content)
    rebuilt, question, problems = qe.check("cloze", values)
    assert problems == [] and question.gaps[0].options[0].correct


def test_longest_key_and_translation_status():
    values = {"key": "q", "text_de": "F", "options": [{"text_de": "lange richtige", "correct": True}, {"text_de": "kurz"}]}
    _, question, _ = qe.check("single", values)
    assert qe.longest_key_languages(question) == ["de", "en"]  # en falls back to the German text
    assert qe.missing_translation({"text_de": "F", "text_en": ""}, "text") == "en"
    assert qe.missing_translation({"text_de": "F", "text_en": "Q"}, "text") is None


def test_cloze_segments_mark_unknown_gaps():
    segments = qe.cloze_segments("a {{x}} b {{y}}", ["x"])
    assert [(s.gap, s.known) for s in segments if s.gap] == [("x", True), ("y", False)]
    assert qe.unused_gaps("a {{x}}", ["x", "z"]) == ["z"]
