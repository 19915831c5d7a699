"""What every question type provides, and the helpers they share.

A question type is a handler object registered under its `type` name (the CTFd pattern): the
attempt flow never switches on the type, it asks the registry.  Handlers are stateless; all
per-attempt state lives in the JSON-safe *layout* (made once when the attempt is planned) and the
JSON-safe *response* (made by `parse` from the submitted form).

HTML input names all start with ``q-<question id>`` so that several questions can share one
form; a part of a question is appended after ``__`` (question ids cannot contain ``_``, so
``q-a__0`` can never collide with another question's name).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from markupsafe import Markup, escape

from ..limits import MAX_NUMBER_DIGITS, digit_count
from ..schema import AnyQuestion, Option
from ..text import LocalText, normalize_locale, plain, render

Layout = dict[str, Any]
Response = dict[str, Any]
View = dict[str, Any]
Review = dict[str, Any]
Form = Mapping[str, Sequence[str] | str]

SHORT_MAX_LENGTH = 500
LONG_MAX_LENGTH = 20_000
MARK_DIGITS = 4  # marks are rounded so that sums over many questions stay stable

Q = TypeVar("Q", bound=AnyQuestion)
log = logging.getLogger("kontor.engine")


class InvalidAnswer(ValueError):
    """A submitted form that no honest use of the page can produce (or text over the limit).

    `message_key` is one of: ``wrong_shape`` (several values where one is expected, non-text),
    ``unknown_choice`` (an option, token or field the question does not offer),
    ``unknown_position`` (an ordering position out of range), ``too_long``, ``number_too_long``
    (a number with more digits than anyone types; scoring could not compute with it).
    """

    def __init__(self, message_key: str) -> None:
        super().__init__(message_key)
        self.message_key = message_key


class LayoutError(ValueError):
    """The stored layout does not fit the question (the quiz changed after the attempt began)."""


@dataclass(frozen=True)
class Part:
    """Correctness of one part of an answer (an option, a pair, a gap, a field)."""

    key: str
    correct: bool


@dataclass(frozen=True)
class Score:
    marks: float
    max_marks: float
    needs_manual: bool = False
    parts: tuple[Part, ...] = field(default_factory=tuple)

    @property
    def fraction(self) -> float:
        return self.marks / self.max_marks if self.max_marks else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, for storing beside the response."""
        return {
            "marks": self.marks,
            "max_marks": self.max_marks,
            "needs_manual": self.needs_manual,
            "parts": [asdict(p) for p in self.parts],
        }


def scaled(points: float, fraction: float) -> float:
    """`points` × `fraction`, clamped to 0..points and rounded."""
    return round(points * min(1.0, max(0.0, fraction)), MARK_DIGITS)


def score_parts(points: float, parts: Sequence[Part]) -> Score:
    """The usual per-part rule: points × correct parts / number of parts."""
    correct = sum(p.correct for p in parts)
    return Score(scaled(points, correct / len(parts) if parts else 0.0), float(points), False, tuple(parts))


class QuestionType(Generic[Q]):
    """Base class of the question type handlers; see the module docstring."""

    name: ClassVar[str]

    def layout(self, question: Q, rng: random.Random, shuffle_options: bool) -> Layout:
        """The per-attempt presentation (option order, opaque tokens); JSON-safe."""
        return {}

    def view(self, question: Q, layout: Layout, locale: str, response: Response | None = None) -> View:
        """What the template needs to render the question; never any part of the answer key."""
        raise NotImplementedError

    def parse(self, question: Q, layout: Layout, form: Form) -> Response:
        """The canonical response from the submitted form; {} when unanswered."""
        raise NotImplementedError

    def score(self, question: Q, response: Response) -> Score:
        raise NotImplementedError

    def review(self, question: Q, layout: Layout, locale: str, response: Response) -> Review:
        """Full feedback: answer key, per-part correctness, option feedback, explanation."""
        raise NotImplementedError

    def is_answered(self, response: Response | None) -> bool:
        return bool(response)

    def fits(self, question: Q, response: Response) -> bool:
        """Whether a stored, non-empty response has the shape `parse` gives it and names only what
        the question has (options, gaps, items, fields). Never raises, whatever JSON it is given:
        a response that does not fit is corrupt data, which `readable_response` reads as none."""
        raise NotImplementedError

    # --- shared pieces -------------------------------------------------------------------

    def base_view(self, question: Q, locale: str, response: Response | None) -> View:
        return {
            "id": question.id,
            "type": question.type,
            "dom_id": input_name(question.id),
            "name": input_name(question.id),
            "stem": render(question.text, locale),
            "points": question.points,
            "points_label": number_label(question.points, locale),
            "answered": self.is_answered(response),
        }

    def base_review(self, question: Q, locale: str, response: Response, rows: list[dict[str, Any]]) -> Review:
        score = score_answer(question, response)
        answered = self.is_answered(response)
        return {
            "id": question.id,
            "type": question.type,
            "dom_id": input_name(question.id),
            "stem": render(question.text, locale),
            "answered": answered,
            "marks": score.marks,
            "max_marks": score.max_marks,
            "marks_label": number_label(score.marks, locale),
            "max_marks_label": number_label(score.max_marks, locale),
            "needs_manual": score.needs_manual,
            "outcome": outcome(score, answered),
            "rows": rows,
            "explanation": render(question.explanation, locale) if question.explanation else None,
            "source": render(question.source, locale) if question.source else None,
            "valid_as_of": question.valid_as_of,  # a date: the page formats it in its locale
        }


def outcome(score: Score, answered: bool) -> str:
    """unanswered | pending (awaits manual grading) | correct | partial | wrong."""
    if not answered:
        return "unanswered"
    if score.needs_manual:
        return "pending"
    if score.marks >= score.max_marks:
        return "correct"
    return "partial" if score.marks > 0 else "wrong"


REGISTRY: dict[str, QuestionType[Any]] = {}

H = TypeVar("H", bound=type[QuestionType[Any]])


def register(handler_class: H) -> H:
    """Class decorator: make a question type available under its `name`."""
    REGISTRY[handler_class.name] = handler_class()
    return handler_class


def handler_for(question: AnyQuestion | str) -> QuestionType[Any]:
    """The handler of a question (or of a type name); KeyError for an unknown type."""
    return REGISTRY[question if isinstance(question, str) else question.type]


def readable_response(question: AnyQuestion, response: Any) -> Response | None:
    """A stored response as the question's handler can read it: {} when there is none, None when
    it does not fit the question (`QuestionType.fits`: a wrong shape, an unknown option id). The
    one check before a stored response reaches view, is_answered, score or review."""
    if response is None or response == {}:
        return {}
    if isinstance(response, dict) and handler_for(question).fits(question, response):
        return response
    return None


def only_from(values: Any, allowed: Collection[str]) -> bool:
    """`values` is a list of distinct strings, each one of `allowed` (for `fits`)."""
    return (isinstance(values, list) and all(isinstance(v, str) and v in allowed for v in values)
            and len(set(values)) == len(values))


def score_answer(question: AnyQuestion, response: Response) -> Score:
    """The score of one answer. A handler that fails on a stored response counts the answer as
    wrong (and logs why): one question can never stop a whole attempt from being graded."""
    try:
        return handler_for(question).score(question, response)
    except Exception:
        log.exception("scoring question %r failed; the answer counts as wrong", question.id)
        return Score(0.0, float(question.points))


# --- forms ----------------------------------------------------------------------------------


def input_name(question_id: str, part: str | int | None = None) -> str:
    return f"q-{question_id}" if part is None else f"q-{question_id}__{part}"


def form_values(form: Form, name: str) -> list[str]:
    """All values submitted under `name` (a bare string counts as one value)."""
    raw = form.get(name)
    if raw is None:
        return []
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise InvalidAnswer("wrong_shape")
    return list(values)


def form_value(form: Form, name: str, max_length: int = SHORT_MAX_LENGTH, strip: bool = True) -> str | None:
    """The one value submitted under `name`; None when absent or blank."""
    values = form_values(form, name)
    if len(values) > 1:
        raise InvalidAnswer("wrong_shape")
    if not values:
        return None
    value = values[0].replace("\r\n", "\n")
    if len(value) > max_length:
        raise InvalidAnswer("too_long")
    if not value.strip():
        return None
    return value.strip() if strip else value


def number_input(value: str | None) -> str | None:
    """A typed number as given, refused (``number_too_long``) beyond MAX_NUMBER_DIGITS digits."""
    if value is not None and digit_count(value) > MAX_NUMBER_DIGITS:
        raise InvalidAnswer("number_too_long")
    return value


# --- opaque tokens --------------------------------------------------------------------------


def new_tokens(rng: random.Random, count: int) -> list[str]:
    """`count` distinct random tokens.  Form values use these instead of option ids, because
    authored ids (a, b, c; 'wrong-qty') can hint at the answer."""
    tokens: list[str] = []
    while len(tokens) < count:
        token = f"{rng.getrandbits(48):012x}"
        if token not in tokens:
            tokens.append(token)
    return tokens


def option_layout(options: Sequence[Option], rng: random.Random, shuffle: bool) -> list[dict[str, str]]:
    """[{id, token}] in display order."""
    order = list(options)
    if shuffle:
        rng.shuffle(order)
    return [{"id": o.id, "token": t} for o, t in zip(order, new_tokens(rng, len(order)))]


def laid_out_options(options: Sequence[Option], entries: Any) -> list[tuple[Option, str]]:
    """The options with their tokens in display order; LayoutError if the layout does not fit."""
    by_id = {o.id: o for o in options}
    try:
        pairs = [(by_id[e["id"]], str(e["token"])) for e in entries]
    except (KeyError, TypeError) as exc:
        raise LayoutError(f"layout names an unknown option: {exc}") from None
    if len(pairs) != len(by_id) or len({o.id for o, _ in pairs}) != len(by_id):
        raise LayoutError("layout does not list every option once")
    return pairs


def choice_for_token(pairs: Sequence[tuple[Option, str]], token: str) -> Option:
    for option, candidate in pairs:
        if candidate == token:
            return option
    raise InvalidAnswer("unknown_choice")


# --- presentation ---------------------------------------------------------------------------


def number_label(value: float, locale: str) -> str:
    """1.0 -> '1'; 1.5 -> '1.5' (English) or '1,5' (German); at most two decimals."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if normalize_locale(locale) == "de" else text


def option_label(text: LocalText, locale: str) -> str:
    """Text for an <option> element, which cannot hold markup."""
    return plain(text, locale)


def student_text(value: str | None) -> Markup | None:
    """A student's own text for display: escaped, line breaks kept, no Markdown."""
    if value is None:
        return None
    return Markup("<br>\n".join(str(escape(line)) for line in value.split("\n")))
