"""The built-in library gives no key away by its length (issue 14), in German and in English.

Kept apart from the format checks of the library (tests/unit/engine/test_engine_round_trip.py) so
that the content can be rewritten while this test tells how far it has come.
"""

from pathlib import Path

from lms_module.engine.answer_cues import cue_findings, cue_statistics, cue_table
from lms_module.engine.loader import check_path

LIBRARY = Path(__file__).resolve().parents[3] / "quizzes"


def test_library_keys_not_guessable_by_length():
    quizzes, errors = check_path(LIBRARY)
    assert errors == [] and quizzes
    statistics = cue_statistics(quizzes)
    findings = [str(f) for f in cue_findings(statistics)]
    assert findings == [], cue_table(statistics) + "\n" + "\n".join(findings)
