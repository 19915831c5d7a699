"""What the person is told when an attempt action is refused (their language, no jargon)."""
from flask_babel import lazy_gettext as _l

REFUSALS = {
    "no_quiz": _l("No quiz has been chosen for this activity yet."),
    "unknown_quiz": _l("The quiz for this activity is not available. Please tell your instructor."),
    "closed": _l("This quiz is closed. No new attempts can be started."),
    "no_attempts_left": _l("You have used all your attempts for this quiz."),
    "conflict": _l("The attempt could not be started because of a simultaneous request. Please try again."),
    "already_submitted": _l("This attempt has already been submitted. Your answers were not changed."),
    "deadline_passed": _l("The time for this attempt is over. It was submitted with the answers saved before the deadline."),
    "unknown_question": _l("This question is not part of your attempt. Nothing was saved."),
    "check_not_allowed": _l("Answers can only be checked in practice mode."),
    "wrong_shape": _l("The answer was sent in a form Kontor does not understand. Nothing was saved; please reload the page."),
    "unknown_choice": _l("The answer contains a choice this question does not offer. Nothing was saved; please reload the page."),
    "unknown_position": _l("The answer contains a position that does not exist. Nothing was saved; please reload the page."),
    "too_long": _l("The answer is too long. Nothing was saved; please shorten it."),
    "number_too_long": _l("A number in your answer has more than 20 digits. Nothing was saved; please check the number."),
    # services.submit_by_student: the submission itself fails (e.g. the quiz changed under the attempt).
    "not_submittable": _l("Your saved answers are kept, but a problem on our side stops this attempt from being "
                          "submitted. It has been recorded for your teacher, who will look into it; you do not need "
                          "to do anything now."),
    # services.planned_content: the attempt's plan names a question its quiz version lacks (corrupt data).
    "plan_not_in_quiz": _l("Your saved answers are kept, but a problem on our side stops this attempt from being "
                           "shown: it contains a question that its quiz does not have. Please tell your teacher."),
    # services.layout_refused: a question's stored layout (its options, items) does not fit it (corrupt data).
    "layout_not_in_quiz": _l("Your saved answers are kept, but a problem on our side stops this attempt from being "
                             "shown: one of its questions no longer fits its quiz. Please tell your teacher."),
}
# The page's heading for the refusals that are Kontor's fault, not the student's (attempts/refused.html).
HEADINGS = {
    "not_submittable": _l("Your attempt could not be submitted"),
    "plan_not_in_quiz": _l("Your attempt cannot be shown"),
    "layout_not_in_quiz": _l("Your attempt cannot be shown"),
}


def refusal_message(reason: str):
    return REFUSALS.get(reason, REFUSALS["wrong_shape"])
