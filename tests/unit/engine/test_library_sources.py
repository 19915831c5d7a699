"""The built-in quizzes' source lines ("Quelle: ..." / "Source: ...") are in the page's language:
a line written once for both languages is a citation that reads the same in both (no English
prose), and a line written per language says something different in each."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from lms_module.engine import handler_for
from lms_module.engine.loader import load_quiz

QUIZZES = Path(__file__).resolve().parents[3] / "quizzes"
LIBRARY = sorted(QUIZZES.glob("*/*.yaml"))

# English prose that a German page must not show. Titles of English-language standards and manuals
# ("Coding and Reporting", "The Pyramid Principle") may stay in the German line, so the German side
# is checked against the descriptive words only; a line shared by both languages also must not
# join or describe in English.
ENGLISH_PROSE = re.compile(r"general practice|claim forms?\b|\(US\)|in force|\bsince\b|\bIntroduction\b"
                           r"|\brules? [A-Z]{3}\b|\bas amended\b|\bcurrent versions?\b")
ENGLISH_GLUE = re.compile(r" (?:and|of|with|for) ")


def _sources():
    for path in LIBRARY:
        for question in load_quiz(path).questions:
            if question.source is not None:
                yield f"{path.parent.name}/{path.name}:{question.id}", question.source


SOURCES = list(_sources())


def test_the_library_has_source_lines_to_check():
    assert len(SOURCES) > 200


@pytest.mark.parametrize("where, source", SOURCES, ids=[where for where, _ in SOURCES])
def test_a_source_line_reads_right_on_a_german_page(where, source):
    if source.de == source.en:
        assert not ENGLISH_PROSE.search(source.de) and not ENGLISH_GLUE.search(source.de), \
            f"{where}: English prose in a source shared by both languages: {source.de!r}"
    else:
        assert source.de and source.en, f"{where}: a source per language needs both"
        assert not ENGLISH_PROSE.search(source.de), f"{where}: English prose in the German source: {source.de!r}"


def test_the_review_shows_the_source_in_the_page_language():
    quiz = load_quiz(QUIZZES / "insurance-billing/insurance-billing-exam.yaml")
    question = next(q for q in quiz.questions if q.source and "UB-04" in (q.source.en or ""))
    handler = handler_for(question)
    layout = handler.layout(question, random.Random(1), False)
    german = str(handler.review(question, layout, "de", {})["source"])
    english = str(handler.review(question, layout, "en", {})["source"])
    assert german == "CMS, Formulare UB-04 (CMS-1450) und CMS-1500 (USA)"
    assert english == "CMS, UB-04 (CMS-1450) and CMS-1500 claim forms (US)"


# The GoBD are the BMF letter of 28 November 2019, amended by the letters of 11 March 2024 and
# 14 July 2025 (the second amendment added the e-invoice rules, Rz. 119). A source that dates them
# names the letter and its last amendment, the same way in every question.
GOBD_DATED = re.compile(r"GoBD \(BMF-Schreiben vom [^)]*\)")
GOBD_CITATION = "GoBD (BMF-Schreiben vom 28.11.2019, zuletzt geändert am 14.07.2025)"


def test_dated_gobd_citations_name_the_letter_and_its_last_amendment():
    dated = {(where, cited) for where, source in SOURCES for text in {source.de, source.en}
             for cited in GOBD_DATED.findall(text or "")}
    assert len(dated) >= 3
    assert {cited for _, cited in dated} == {GOBD_CITATION}, sorted(dated)
