"""Question types: a registry of handlers, one per `type` of the quiz file format.

Importing this package registers the built-in types; a new type is a `QuestionType` subclass
decorated with `@register` (plus its schema model and template partial).
"""

from . import choice, cloze, documents, essay, free_text, matching, ordering  # noqa: F401  (registers)
from .base import (
    LONG_MAX_LENGTH,
    REGISTRY,
    SHORT_MAX_LENGTH,
    Form,
    InvalidAnswer,
    Layout,
    LayoutError,
    Part,
    QuestionType,
    Response,
    Review,
    Score,
    View,
    handler_for,
    input_name,
    readable_response,
    register,
    score_answer,
)

__all__ = [
    "LONG_MAX_LENGTH",
    "REGISTRY",
    "SHORT_MAX_LENGTH",
    "Form",
    "InvalidAnswer",
    "Layout",
    "LayoutError",
    "Part",
    "QuestionType",
    "Response",
    "Review",
    "Score",
    "View",
    "handler_for",
    "input_name",
    "readable_response",
    "register",
    "score_answer",
]
