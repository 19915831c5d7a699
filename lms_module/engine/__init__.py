"""The pure quiz engine: content model, loading and validation, question types, scoring.

Plain Python: nothing here knows Flask, requests, sessions or the database.
"""

from .grading import (
    GRADING_METHODS, ActivityGrade, AttemptResult, CountedAttempt, GradingMethod, activity_grade, attempt_result, passed,
)
from .library_rules import check_difficulty_spread, check_library, library_summary
from .loader import QuizFileError, QuizLoadError, check_path, load_quiz, parse_quiz, source_of
from .planning import PlannedQuestion, plan_attempt
from .questions import (
    REGISTRY, InvalidAnswer, LayoutError, Part, QuestionType, Score, handler_for, readable_response, register, score_answer,
)
from .schema import AnyQuestion, Quiz, Settings
from .text import LocalText, plain, render, render_markdown, resolve

__all__ = [
    "GRADING_METHODS",
    "REGISTRY",
    "AnyQuestion",
    "AttemptResult",
    "GradingMethod",
    "InvalidAnswer",
    "LayoutError",
    "LocalText",
    "Part",
    "PlannedQuestion",
    "QuestionType",
    "Quiz",
    "QuizFileError",
    "QuizLoadError",
    "Score",
    "Settings",
    "attempt_result",
    "check_difficulty_spread",
    "check_library",
    "check_path",
    "handler_for",
    "library_summary",
    "ActivityGrade",
    "CountedAttempt",
    "activity_grade",
    "load_quiz",
    "parse_quiz",
    "passed",
    "plain",
    "plan_attempt",
    "readable_response",
    "register",
    "render",
    "render_markdown",
    "resolve",
    "score_answer",
    "source_of",
]
