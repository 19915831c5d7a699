"""A passed review date in an import's warning is written as every other date of its language
(engine.display.date_text): the English warning said 'Nov 9, 2026' where the review and the
reports say '9 Nov 2026'."""
from datetime import date

import pytest
from flask_babel import force_locale

from lms_module.authoring.quiz_warnings import describe
from lms_module.engine.loader import QuizFileError
from lms_module.engine.review_dates import DueReview


@pytest.mark.parametrize("locale, shown", [("en", "q1 (9 Nov 2026)"), ("de", "q1 (09.11.2026)")])
def test_a_passed_review_date_reads_as_the_languages_dates(app, locale, shown):
    due = DueReview(slug="quiz", question_id="q1", review_by=date(2026, 11, 9), overdue=False,
                    error=QuizFileError("quiz.yaml", 3, "questions[0].review_by", "the review date has passed"))
    with app.test_request_context("/"), force_locale(locale):
        (text,) = describe([due])
    assert text.endswith(shown)
