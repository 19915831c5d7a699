"""What the reports say, by code: refusals, why a statistic has no value, flags (topic labels:
web.template_helpers.TOPIC_LABELS)."""
from flask_babel import lazy_gettext as _l

from ..attempts.models import AWAITING_GRADING, IN_PROGRESS, UNSUBMITTABLE
from ..web.template_helpers import ATTEMPT_STATUS_LABELS
from ..web.time_zone import NONEXISTENT_LOCAL_TIME
from . import formulas

REFUSALS = {
    "marks_missing": _l("Please enter the marks. Nothing was changed."),
    "marks_not_a_number": _l("The marks must be a number, for example 1.5. Nothing was changed."),
    "marks_out_of_range": _l("The marks must be between 0 and the question's maximum. Nothing was changed."),
    "comment_too_long": _l("The comment is too long (at most 5,000 characters). Nothing was changed."),
    "attempt_not_finished": _l("This attempt is still in progress. Marks can be changed once it is submitted."),
    "already_graded": _l(
        "Someone graded this answer in the meantime. Nothing was changed; open the attempt to see or change "
        "the mark."
    ),
    "unknown_answer": _l("This answer does not exist. Nothing was changed."),
    "extra_attempts_invalid": _l("Extra attempts must be a whole number from 0 to 99. Nothing was changed."),
    "extra_minutes_invalid": _l(
        "Extra time must be a whole number of minutes from 0 to 10080 (one week). Nothing was changed."
    ),
    "close_at_invalid": _l("The new closing date could not be read. Please use the date picker. Nothing was changed."),
    "close_at_nonexistent": NONEXISTENT_LOCAL_TIME,
}

UNDEFINED = {
    formulas.NO_ATTEMPTS: _l("No chosen attempt contained this question."),
    formulas.NO_GRADED_ATTEMPTS: _l(
        "No student has submitted a graded attempt yet. The analysis appears here once they have."
    ),
    formulas.ONE_ATTEMPT: _l("A spread needs at least two attempts."),
    formulas.NO_MAX_MARK: _l("The question has no marks to give."),
    formulas.SAME_MARK: _l("Every attempt has the same mark on this question, so it cannot tell students apart."),
    formulas.SAME_REST: _l("Every attempt has the same score on the other questions."),
    formulas.FEW_ATTEMPTS: _l("Needs more than two attempts."),
    formulas.ONE_QUESTION: _l("Needs more than one question."),
    formulas.SAME_TOTAL: _l("Every attempt has the same total score."),
    formulas.DIFFERENT_QUESTIONS: _l(
        "The attempts drew different questions; the coefficient assumes that every attempt answers the same "
        "questions."
    ),
    formulas.NO_CIC: _l("Follows from the coefficient of internal consistency, which has no value here."),
}

FLAGS = {
    "negative_discrimination": _l("Negative discrimination: strong students do worse on it than weak ones. "
                                  "Check the answer key."),
    "too_easy": _l("Very easy: more than 95 percent of the marks were gained."),
    "too_hard": _l("Very hard: less than 20 percent of the marks were gained. Check the wording and the key."),
}

# The gradebook's filters (gradebook_queries.FILTERS); those named after an attempt's status say
# what its one label table says.
FILTERS = {
    "all": _l("All students"),
    "not_started": _l("Not started"),
    **{status: ATTEMPT_STATUS_LABELS[status] for status in (IN_PROGRESS, UNSUBMITTABLE, AWAITING_GRADING)},
    "passed": _l("Passed"),
    "failed": _l("Failed"),
}

CHOSEN = {
    "all": _l("All graded attempts"),
    "first": _l("First attempt of each student"),
    "highest": _l("Highest-scoring attempt of each student"),
    "last": _l("Last attempt of each student"),
}

def refusal(reason: str):
    return REFUSALS.get(reason, REFUSALS["marks_not_a_number"])


def undefined(reason: str | None):
    return UNDEFINED.get(reason or "", "")

