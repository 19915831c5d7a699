"""The bank's language status of a question: which languages every one of its texts has."""
from lms_module.authoring.bank import clean_tags, language_status


def _single(text, option_b="B", feedback=None):
    option = {"id": "b", "text": option_b}
    if feedback is not None:
        option["feedback"] = feedback
    return {"id": "q", "type": "single", "text": text, "options": [{"id": "a", "text": "A", "correct": True}, option]}


def test_plain_strings_read_the_same_in_both_languages():
    assert language_status(_single("Same text")) == "both"


def test_every_text_counts_not_only_the_question():
    assert language_status(_single({"de": "Frage", "en": "Question"})) == "both"
    assert language_status(_single({"de": "Frage", "en": "Question"}, option_b={"de": "Nur Deutsch"})) == "de"
    assert language_status(_single({"en": "Question"}, feedback={"en": "Why"})) == "en"
    assert language_status(_single({"de": "Frage", "en": "  "})) == "de"  # blank is missing


def test_accepted_answers_are_texts_too():
    question = {"id": "s", "type": "short_text", "text": {"de": "Frage", "en": "Question"},
                "answers": {"de": ["Antwort"], "en": []}}
    assert language_status(question) == "de"


def test_a_question_mixing_languages_counts_by_its_question_text():
    assert language_status(_single({"de": "Frage"}, option_b={"en": "Only English"})) == "de"


def test_tags_are_trimmed_deduplicated_and_bounded():
    assert clean_tags(["  a  b ", "a b", "", "x" * 100]) == ["a b", "x" * 64]
    assert len(clean_tags(str(n) for n in range(50))) == 20
