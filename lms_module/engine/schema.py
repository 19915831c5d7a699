"""The quiz file format of quizzes/README.md as pydantic models.

Unknown keys are errors so that a typo ("feedbak:") is reported instead of silently ignored.
The structural rules that hold for every quiz (unique ids, one correct option, ...) live here;
the stricter rules for the built-in library live in `library_rules`.

A rule that concerns a nested node raises `rule_error(message, at=...)`: `at` is the location
relative to the validated model, which the loader appends to pydantic's location so the error
points at the offending line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from . import limits
from .normalize import NormalizeRule, normalize_expected
from .text import LOCALES, Locale, LocalText

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=64)]
Topic = Literal[
    "accuracy",
    "admin-software",
    "insurance-billing",
    "import-export",
    "compliance",
    "executives",
    "career",
]
TOPICS: tuple[str, ...] = Topic.__args__  # type: ignore[attr-defined]
# How the attempts of a student make the activity's grade (engine.grading.activity_grade); the one
# list that quiz files, settings, custom parameters and the grade sync accept.
GradingMethod = Literal["highest", "last", "first", "average"]
GRADING_METHODS: tuple[str, ...] = GradingMethod.__args__  # type: ignore[attr-defined]
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
GAP_PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]*)\s*\}\}")
RULE_ERROR = "quiz_rule"


def rule_error(message: str, at: Sequence[str | int] = ()) -> PydanticCustomError:
    """A structural-rule violation located `at` a path below the model being validated."""
    return PydanticCustomError(RULE_ERROR, "{message}", {"message": message, "at": list(at)})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _first_duplicate(values: Iterable[str]) -> tuple[int, str] | None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            return index, value
        seen.add(value)
    return None


# --- settings -------------------------------------------------------------------------------


class Settings(_Model):
    """Defaults for an activity; an instructor can override them per activity."""

    mode: Literal["exam", "practice"] = "exam"
    attempts: int = Field(default=1, ge=0, le=limits.MAX_ATTEMPTS)  # 0 = unlimited
    grading: GradingMethod = "highest"
    time_limit_minutes: int | None = Field(default=None, gt=0, le=limits.MAX_TIME_LIMIT_MINUTES)
    pass_mark: float = Field(default=0.5, ge=0, le=1)
    shuffle_questions: bool = False
    shuffle_options: bool = True
    feedback: Literal["immediate", "after_submit", "after_close", "never"] = "after_submit"
    questions_per_attempt: int | None = Field(default=None, gt=0, le=limits.MAX_QUESTIONS)
    layout: Literal["one_per_page", "all_on_one_page"] = "one_per_page"

    @model_validator(mode="after")
    def _no_time_limit_in_practice(self) -> Settings:
        # WCAG 2.2.1 excuses time limits for exams only; a practice quiz is for learning at one's pace.
        if self.mode == "practice" and self.time_limit_minutes:
            raise rule_error("a practice quiz has no time limit; remove time_limit_minutes or make it an exam",
                             at=["time_limit_minutes"])
        return self


# --- building blocks ------------------------------------------------------------------------


class Option(_Model):
    id: Id
    text: LocalText
    correct: bool = False
    feedback: LocalText | None = None


class AcceptedAnswers(_Model):
    """short_text answers: a list for both languages, or per language (both are accepted)."""

    de: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _accept_list(cls, value: Any) -> Any:
        if isinstance(value, list):
            if not all(isinstance(item, str) for item in value):
                raise rule_error("answers must be text; put numbers in quotes")
            return {"de": value, "en": value}
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> AcceptedAnswers:
        if not any(a.strip() for a in self.all()):
            raise rule_error("needs at least one accepted answer")
        return self

    def all(self) -> list[str]:
        """Every accepted answer, both languages, without repeats."""
        return list(dict.fromkeys([*self.de, *self.en]))

    def for_locale(self, locale: str) -> list[str]:
        own = self.de if locale == "de" else self.en
        return own or self.all()


def _check_choice_options(options: Sequence[Option], exactly_one: bool) -> None:
    duplicate = _first_duplicate(o.id for o in options)
    if duplicate:
        raise rule_error(f"option id {duplicate[1]!r} is used twice", at=["options", duplicate[0], "id"])
    n_correct = sum(o.correct for o in options)
    if exactly_one and n_correct != 1:
        raise rule_error(f"exactly one option must be correct, found {n_correct}", at=["options"])
    if not exactly_one and n_correct < 1:
        raise rule_error("at least one option must be correct", at=["options"])


# --- questions ------------------------------------------------------------------------------


class QuestionBase(_Model):
    id: Id
    # Random questions: a question with a pool is one of the candidates of the quiz's draw from that
    # pool (quiz `draws`); questions without a pool are in every attempt.
    pool: Id | None = None
    points: float = Field(default=1.0, gt=0, le=limits.MAX_POINTS, allow_inf_nan=False)
    difficulty: int | None = Field(default=None, ge=1, le=3)
    text: LocalText
    explanation: LocalText | None = None
    source: LocalText | None = None
    # A key that depends on the law or a standard on a date: the date it was checked against, and
    # the date by which it must be checked again (quizzes/README.md, "Facts that expire").
    valid_as_of: date | None = None
    review_by: date | None = None

    @field_validator("valid_as_of", "review_by", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        # YAML reads an unquoted 2026-01-01 as a date; a quoted one arrives as text. Nothing else
        # (pydantic would take a number as a Unix time, and YAML a date with a time as a datetime).
        if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
            return value
        if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise rule_error("write a date as YYYY-MM-DD, e.g. 2026-01-01")

    @model_validator(mode="after")
    def _review_dates(self) -> QuestionBase:
        if self.valid_as_of is not None and self.review_by is None:
            raise rule_error("a question with valid_as_of needs review_by (when to check it again)", at=["valid_as_of"])
        if self.valid_as_of is not None and self.review_by is not None and self.review_by <= self.valid_as_of:
            raise rule_error("review_by must be after valid_as_of", at=["review_by"])
        return self


class SingleQuestion(QuestionBase):
    type: Literal["single"]
    options: list[Option] = Field(min_length=2, max_length=limits.MAX_OPTIONS)

    @model_validator(mode="after")
    def _rules(self) -> SingleQuestion:
        _check_choice_options(self.options, exactly_one=True)
        return self


class MultipleQuestion(QuestionBase):
    type: Literal["multiple"]
    options: list[Option] = Field(min_length=2, max_length=limits.MAX_OPTIONS)

    @model_validator(mode="after")
    def _rules(self) -> MultipleQuestion:
        _check_choice_options(self.options, exactly_one=False)
        return self


class TrueFalseQuestion(QuestionBase):
    type: Literal["true_false"]
    answer: bool


class NumericQuestion(QuestionBase):
    type: Literal["numeric"]
    answer: Decimal = Field(allow_inf_nan=False, gt=-limits.MAX_NUMBER_ABS, lt=limits.MAX_NUMBER_ABS)
    tolerance: Decimal = Field(default=Decimal(0), ge=0, lt=limits.MAX_NUMBER_ABS, allow_inf_nan=False)
    unit: LocalText | None = None


class ShortTextQuestion(QuestionBase):
    type: Literal["short_text"]
    answers: AcceptedAnswers
    case_sensitive: bool = False


class Pair(_Model):
    left: LocalText
    right: LocalText


class MatchingQuestion(QuestionBase):
    type: Literal["matching"]
    pairs: list[Pair] = Field(min_length=2, max_length=limits.MAX_OPTIONS)
    distractors: list[LocalText] = Field(default_factory=list, max_length=limits.MAX_OPTIONS)

    @model_validator(mode="after")
    def _rules(self) -> MatchingQuestion:
        # Two right-hand choices that read the same cannot be told apart by the student.
        for lang in LOCALES:
            rights = [getattr(p.right, lang) for p in self.pairs]
            rights += [getattr(d, lang) for d in self.distractors]
            duplicate = _first_duplicate(r for r in rights if r is not None)
            if duplicate:
                raise rule_error(f"right-hand choice {duplicate[1]!r} appears twice", at=["pairs"])
        return self


class OrderItem(_Model):
    id: Id
    text: LocalText


class OrderingQuestion(QuestionBase):
    type: Literal["ordering"]
    items: list[OrderItem] = Field(min_length=3, max_length=limits.MAX_OPTIONS)

    @model_validator(mode="after")
    def _rules(self) -> OrderingQuestion:
        duplicate = _first_duplicate(i.id for i in self.items)
        if duplicate:
            raise rule_error(f"item id {duplicate[1]!r} is used twice", at=["items", duplicate[0], "id"])
        return self


class ShortTextGap(_Model):
    id: Id
    type: Literal["short_text"]
    answers: AcceptedAnswers
    case_sensitive: bool = False


class NumericGap(_Model):
    id: Id
    type: Literal["numeric"]
    answer: Decimal = Field(allow_inf_nan=False, gt=-limits.MAX_NUMBER_ABS, lt=limits.MAX_NUMBER_ABS)
    tolerance: Decimal = Field(default=Decimal(0), ge=0, lt=limits.MAX_NUMBER_ABS, allow_inf_nan=False)


class ChoiceGap(_Model):
    id: Id
    type: Literal["choice"]
    options: list[Option] = Field(min_length=2, max_length=limits.MAX_OPTIONS)

    @model_validator(mode="after")
    def _rules(self) -> ChoiceGap:
        _check_choice_options(self.options, exactly_one=True)
        return self


Gap = Annotated[Union[ShortTextGap, NumericGap, ChoiceGap], Field(discriminator="type")]


class ClozeQuestion(QuestionBase):
    type: Literal["cloze"]
    gaps: list[Gap] = Field(min_length=1, max_length=limits.MAX_OPTIONS)

    @model_validator(mode="after")
    def _rules(self) -> ClozeQuestion:
        duplicate = _first_duplicate(g.id for g in self.gaps)
        if duplicate:
            raise rule_error(f"gap id {duplicate[1]!r} is used twice", at=["gaps", duplicate[0], "id"])
        gap_ids = [g.id for g in self.gaps]
        # A plain-string text is the same in both languages: check (and report) it once.
        languages = ("de",) if self.text.de == self.text.en else LOCALES
        for lang in languages:
            source = getattr(self.text, lang)
            if source is None:
                continue
            at = ["text"] if len(languages) == 1 else ["text", lang]
            found = Counter(GAP_PLACEHOLDER.findall(source))
            unknown = [name for name in found if name not in gap_ids]
            if unknown:
                raise rule_error(f"{{{{{unknown[0]}}}}} has no gap with that id", at=at)
            for gap_id in gap_ids:
                if found[gap_id] != 1:
                    raise rule_error(
                        f"gap {{{{{gap_id}}}}} must appear exactly once, found {found[gap_id]}", at=at
                    )
        return self


class Table(_Model):
    columns: list[LocalText] = Field(min_length=1)
    rows: list[list[LocalText]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rules(self) -> Table:
        for index, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise rule_error(
                    f"row has {len(row)} cells but there are {len(self.columns)} columns",
                    at=["rows", index],
                )
        return self


class DocumentField(_Model):
    id: Id | None = None  # not needed for a source document; allowed so fields can be copied
    label: LocalText
    value: LocalText


class Document(_Model):
    """A document shown to the student: a reference, or the source of a data entry task."""

    title: LocalText | None = None
    lang: Locale | None = None  # the document's language when it is not the page's (an English invoice)
    fields: list[DocumentField] = Field(default_factory=list)
    table: Table | None = None
    body: LocalText | None = None


class CheckField(_Model):
    id: Id
    label: LocalText
    value: LocalText
    error: LocalText | None = None  # present = this field is faulty; says what is wrong and why


class CheckedDocument(_Model):
    """The document a student checks in a document_check: its fields can be marked as wrong."""

    title: LocalText | None = None
    lang: Locale | None = None  # the document's language when it is not the page's
    fields: list[CheckField] = Field(min_length=2, max_length=limits.MAX_OPTIONS)
    table: Table | None = None
    body: LocalText | None = None

    @model_validator(mode="after")
    def _rules(self) -> CheckedDocument:
        duplicate = _first_duplicate(f.id for f in self.fields)
        if duplicate:
            raise rule_error(f"field id {duplicate[1]!r} is used twice", at=["fields", duplicate[0], "id"])
        if not any(f.error for f in self.fields):
            raise rule_error("at least one field must be faulty (have an error)", at=["fields"])
        if all(f.error for f in self.fields):
            raise rule_error("at least one field must be correct (have no error)", at=["fields"])
        return self


class DocumentCheckQuestion(QuestionBase):
    type: Literal["document_check"]
    reference: Document | None = None
    document: CheckedDocument


class EntryField(_Model):
    id: Id
    label: LocalText
    answer: list[str]
    normalize: NormalizeRule = "text"

    @field_validator("answer", mode="before")
    @classmethod
    def _answer_list(cls, value: Any) -> Any:
        # An unquoted ISO date is a date to YAML; it is what the author meant, so keep it.
        # Unquoted numbers are refused: YAML reads 00123 as an octal number.
        items = value if isinstance(value, list) else [value]
        out: list[str] = []
        for item in items:
            if isinstance(item, date):
                out.append(item.isoformat())
            elif isinstance(item, str):
                out.append(item)
            else:
                raise rule_error("write the answer in quotes, e.g. \"1190.00\"")
        if not out:
            raise rule_error("needs at least one accepted answer")
        return out

    @model_validator(mode="after")
    def _answers_normalise(self) -> EntryField:
        for index, answer in enumerate(self.answer):
            try:
                normalize_expected(answer, self.normalize)
            except ValueError as exc:
                at: list[str | int] = ["answer", index] if len(self.answer) > 1 else ["answer"]
                raise rule_error(str(exc), at=at) from None
        return self

    def expected_forms(self) -> frozenset[str]:
        return frozenset(normalize_expected(a, self.normalize) for a in self.answer)


class DataEntryQuestion(QuestionBase):
    type: Literal["data_entry"]
    document: Document
    fields: list[EntryField] = Field(min_length=1, max_length=limits.MAX_OPTIONS)

    @model_validator(mode="after")
    def _rules(self) -> DataEntryQuestion:
        duplicate = _first_duplicate(f.id for f in self.fields)
        if duplicate:
            raise rule_error(f"field id {duplicate[1]!r} is used twice", at=["fields", duplicate[0], "id"])
        return self


class EssayQuestion(QuestionBase):
    type: Literal["essay"]
    min_words: int | None = Field(default=None, ge=1, le=limits.MAX_WORDS)
    max_words: int | None = Field(default=None, ge=1, le=limits.MAX_WORDS)
    rubric: LocalText | None = None

    @model_validator(mode="after")
    def _rules(self) -> EssayQuestion:
        if self.min_words and self.max_words and self.min_words > self.max_words:
            raise rule_error("min_words is larger than max_words", at=["min_words"])
        return self


Question = Annotated[
    Union[
        SingleQuestion,
        MultipleQuestion,
        TrueFalseQuestion,
        NumericQuestion,
        ShortTextQuestion,
        MatchingQuestion,
        OrderingQuestion,
        ClozeQuestion,
        DocumentCheckQuestion,
        DataEntryQuestion,
        EssayQuestion,
    ],
    Field(discriminator="type"),
]
QUESTION_TYPES: tuple[str, ...] = (
    "single",
    "multiple",
    "true_false",
    "numeric",
    "short_text",
    "matching",
    "ordering",
    "cloze",
    "document_check",
    "data_entry",
    "essay",
)
GAP_TYPES: tuple[str, ...] = ("short_text", "numeric", "choice")


class Draw(_Model):
    """Random questions: every attempt gets `count` questions picked from the questions of `pool`."""

    pool: Id
    count: int = Field(ge=1, le=limits.MAX_QUESTIONS)


class Quiz(_Model):
    slug: Annotated[str, Field(pattern=ID_PATTERN, max_length=80)]
    title: LocalText
    topic: Topic
    description: LocalText | None = None
    settings: Settings = Field(default_factory=Settings)
    questions: list[Question] = Field(min_length=1, max_length=limits.MAX_QUESTIONS)
    draws: list[Draw] = Field(default_factory=list, max_length=limits.MAX_QUESTIONS)

    @model_validator(mode="after")
    def _rules(self) -> Quiz:
        total = sum(q.points for q in self.questions)
        if total > limits.MAX_TOTAL_POINTS:
            raise rule_error(f"the questions' points add up to {total:g}; at most {limits.MAX_TOTAL_POINTS} are allowed",
                             at=["questions"])
        duplicate = _first_duplicate(q.id for q in self.questions)
        if duplicate:
            raise rule_error(
                f"question id {duplicate[1]!r} is used twice", at=["questions", duplicate[0], "id"]
            )
        self._check_draws()
        wanted = self.settings.questions_per_attempt
        per_attempt = self.questions_per_attempt_at_most()
        if wanted is not None and wanted > per_attempt:
            raise rule_error(
                f"questions_per_attempt is {wanted} but an attempt of this quiz has {per_attempt} questions",
                at=["settings", "questions_per_attempt"],
            )
        return self

    def _check_draws(self) -> None:
        """Every draw names a pool with enough questions, once; every pool is drawn from."""
        sizes = Counter(q.pool for q in self.questions if q.pool is not None)
        duplicate = _first_duplicate(d.pool for d in self.draws)
        if duplicate:
            raise rule_error(f"pool {duplicate[1]!r} is drawn from twice", at=["draws", duplicate[0], "pool"])
        for index, draw in enumerate(self.draws):
            if sizes[draw.pool] == 0:
                raise rule_error(f"no question is in pool {draw.pool!r}", at=["draws", index, "pool"])
            if draw.count > sizes[draw.pool]:
                raise rule_error(f"count is {draw.count} but pool {draw.pool!r} has {sizes[draw.pool]} questions",
                                 at=["draws", index, "count"])
        drawn = {d.pool for d in self.draws}
        for index, question in enumerate(self.questions):
            if question.pool is not None and question.pool not in drawn:
                raise rule_error(f"pool {question.pool!r} has no draw (add it to the quiz's draws)",
                                 at=["questions", index, "pool"])

    def questions_per_attempt_at_most(self) -> int:
        """How many questions an attempt holds before questions_per_attempt: the questions without
        a pool plus each draw's count."""
        return sum(q.pool is None for q in self.questions) + sum(d.count for d in self.draws)

    @property
    def source_path(self) -> str | None:
        """The file this quiz was loaded from (None for quizzes built in code or from the database)."""
        source = getattr(self, "_kontor_source", None)  # set by loader.parse_quiz
        return source.path if source is not None else None

    def question(self, question_id: str) -> AnyQuestion:
        """The question with `question_id`; KeyError if there is none."""
        return self._questions_by_id()[question_id]

    def lacking(self, question_ids: Iterable[str]) -> list[str]:
        """Those of `question_ids` that name no question of this quiz, in their order."""
        by_id = self._questions_by_id()
        return [question_id for question_id in question_ids if question_id not in by_id]

    def _questions_by_id(self) -> dict[str, AnyQuestion]:
        """The questions by id, built on first use: a validated quiz does not change, the library
        keeps each parsed version for the process, and a question page looks up every planned
        question. Kept with the list it indexes, as model_copy(update=...) copies it along."""
        kept = self.__dict__.get("_kontor_questions_by_id")
        if kept is None or kept[0] is not self.questions:
            by_id: dict[str, AnyQuestion] = {}
            for question in self.questions:
                by_id.setdefault(question.id, question)
            kept = (self.questions, by_id)
            object.__setattr__(self, "_kontor_questions_by_id", kept)  # not a field: never dumped or compared
        return kept[1]


AnyQuestion = (
    SingleQuestion
    | MultipleQuestion
    | TrueFalseQuestion
    | NumericQuestion
    | ShortTextQuestion
    | MatchingQuestion
    | OrderingQuestion
    | ClozeQuestion
    | DocumentCheckQuestion
    | DataEntryQuestion
    | EssayQuestion
)
