"""The import's guess of a file's language from its questions' words: German, English, or no answer
when there is too little text or no clear winner."""
from lms_module.engine.formats.language_guess import MAX_GUESS_CHARS, guess_language

GERMAN = ["Welche Angabe muss auf der Rechnung stehen, damit die Vorsteuer abgezogen werden kann?",
          "Die Steuernummer des leistenden Unternehmers", "Das Datum der Bestellung",
          "Ist eine Kleinbetragsrechnung bis 250 Euro ohne Empfänger gültig?"]
ENGLISH = ["Which of the following must be on an invoice for the input tax to be deductible?",
           "The tax number of the supplier", "The date of the order",
           "Is a small invoice of up to 250 euros valid without the name of the recipient?"]


def test_german_questions_are_german():
    assert guess_language(GERMAN) == "de"


def test_english_questions_are_english():
    assert guess_language(ENGLISH) == "en"


def test_words_are_counted_whatever_their_case():
    assert guess_language([text.upper() for text in ENGLISH]) == "en"


def test_umlauts_and_sharp_s_count_for_german():
    # No German function word at all: the letters alone decide.
    assert guess_language(["Größe", "Übergabe", "Fälligkeit", "Gebühr", "Straße"]) == "de"


def test_too_little_text_is_no_answer():
    assert guess_language([]) is None
    assert guess_language(["Paris", "London", "Berlin"]) is None
    assert guess_language(["What is the tax?"]) is None  # three words of evidence


def test_a_file_in_both_languages_is_no_answer():
    assert guess_language(GERMAN + ENGLISH) is None


def test_html_tags_and_entities_are_no_words():
    # Each tag and attribute name is an English word of the list; none of them may count.
    tagged = ['<p class="the">Die Antwort</p>', '<a href="x" title="to be or not">ist</a>',
              '<span style="is:it">und</span>', '<this>das</this>', '<which>der</which>']
    assert guess_language(tagged) == "de"
    # An entity is the character it stands for: "f&uuml;r" is "für", "&amp;" no word at all.
    assert guess_language(["f&uuml;r die Kasse &amp; den Beleg", "Was ist &quot;der&quot; Satz?"]) == "de"


def test_only_the_first_characters_are_read():
    padding = "Paris " * (MAX_GUESS_CHARS // 6 + 1)  # no evidence, and more than the bound
    assert guess_language([padding, *ENGLISH]) is None
    assert guess_language([*ENGLISH, padding]) == "en"
