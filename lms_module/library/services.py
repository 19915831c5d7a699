"""Importing quiz files into the library and reading quizzes back as engine models."""
from __future__ import annotations

import hashlib
import json
from datetime import date
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Integer, bindparam, select

from ..engine.answer_cues import CueFinding, cue_findings, cue_statistics, cue_table
from ..engine.library_rules import check_difficulty_spread, check_library
from ..engine.loader import QuizFileError, QuizLoadError, check_path, parse_quiz
from ..engine.review_dates import DueReview, due_reviews
from ..engine.schema import Quiz as QuizContent
from ..engine.text import resolve
from ..extensions import db
from .models import Quiz, QuizVersion

BUILTIN_QUIZZES = Path(__file__).resolve().parents[2] / "quizzes"


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[QuizFileError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def is_builtin(path: Path) -> bool:
    try:
        path.resolve().relative_to(BUILTIN_QUIZZES)
        return True
    except ValueError:
        return False


def validate_path(path: Path, library_rules: bool) -> tuple[list[QuizContent], list[QuizFileError]]:
    quizzes, errors = check_path(path)
    if library_rules and quizzes:
        errors = [*errors, *check_library(quizzes)]
        if path.resolve() == BUILTIN_QUIZZES:
            # Properties of the library as a whole: every question tagged, every topic with a spread.
            errors = [*errors, *check_difficulty_spread(quizzes)]
    return quizzes, errors


@dataclass
class QualityReport:
    """The checks of `quiz validate` beyond the format: answer cues and review dates."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cue_table: str = ""


def quality_checks(quizzes: list[QuizContent], *, library_rules: bool, today: date) -> QualityReport:
    """Answer-cue statistics and due reviews. With library rules a cue beyond its limit and a review
    more than a month overdue are errors; otherwise everything is a warning. Not part of importing:
    a server must not refuse the library because a date has passed (CI catches that instead)."""
    statistics = cue_statistics(quizzes)
    report = QualityReport(cue_table=cue_table(statistics))
    cues = [str(f) for f in cue_findings(statistics)]
    (report.errors if library_rules else report.warnings).extend(cues)
    for due in due_reviews(quizzes, today):
        (report.errors if library_rules and due.overdue else report.warnings).append(str(due))
    return report


def content_hash(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def import_path(path: Path, *, origin: str = "library") -> ImportReport:
    """Import a file or a folder. All or nothing: with any error in any file, nothing is stored."""
    quizzes, errors = validate_path(path, library_rules=is_builtin(path))
    report = ImportReport(errors=list(errors))
    slugs = [q.slug for q in quizzes]
    if len(slugs) != len(set(slugs)):
        duplicate = next(s for s in slugs if slugs.count(s) > 1)
        report.errors.append(QuizFileError(str(path), None, "slug", f"slug {duplicate!r} is used by two files"))
    if report.errors:
        return report
    for quiz in quizzes:
        outcome = _store(quiz, origin)
        getattr(report, outcome).append(quiz.slug)
    db.session.flush()
    return report


def _store(content: QuizContent, origin: str, course_id: int | None = None) -> str:
    """Store a version in the namespace of `course_id` (None: the library); never in another's."""
    data = content.model_dump(mode="json", exclude_none=True)
    digest = content_hash(data)
    owner = Quiz.course_id.is_(None) if course_id is None else Quiz.course_id == course_id
    quiz = db.session.scalars(select(Quiz).where(Quiz.slug == content.slug, owner)).first()
    if quiz is None:
        quiz = Quiz(slug=content.slug, topic=content.topic, origin=origin, latest_version=0, course_id=course_id)
        db.session.add(quiz)
        db.session.flush()
        outcome = "created"
    else:
        latest = latest_version(quiz.id)
        if latest is not None and latest.content_hash == digest:
            return "unchanged"
        outcome = "updated"
    quiz.topic = content.topic
    quiz.latest_version += 1
    db.session.add(
        QuizVersion(
            quiz_id=quiz.id,
            number=quiz.latest_version,
            content_hash=digest,
            content=data,
            title_de=resolve(content.title, "de")[:512],
            title_en=resolve(content.title, "en")[:512],
            question_count=len(content.questions),
            source_path=str(getattr(content, "source_path", "") or "")[:1024],
        )
    )
    return outcome


def latest_version(quiz_id: int) -> QuizVersion | None:
    return db.session.scalars(
        select(QuizVersion).where(QuizVersion.quiz_id == quiz_id).order_by(QuizVersion.number.desc()).limit(1)
    ).first()


def _quiz_by_slug_query(slug: str, course_id: int | None):
    """The quiz a course means by a slug: its own quiz of that slug, else the library's. Without a
    course, only the library. Other courses' quizzes are never found."""
    if course_id is None:
        return select(Quiz).where(Quiz.slug == slug, Quiz.course_id.is_(None)).limit(1)
    return (
        select(Quiz)
        .where(Quiz.slug == slug, Quiz.course_id.is_(None) | (Quiz.course_id == course_id))
        .order_by(Quiz.course_id.is_(None))  # false (the course's own) sorts first
        .limit(1)
    )


def quiz_by_slug(slug: str, course_id: int | None = None) -> Quiz | None:
    """The quiz a course means by a slug (_quiz_by_slug_query)."""
    return db.session.scalars(_quiz_by_slug_query(slug, course_id)).first()


def latest_version_and_owner(slug: str, course_id: int | None = None) -> tuple[QuizVersion, int | None] | None:
    """The latest version of the quiz that quiz_by_slug finds, and the course that quiz belongs to
    (None: the library), in one query: the start page and the start ask for it on every request."""
    statement = _LATEST_OF_LIBRARY if course_id is None else _LATEST_OF_COURSE
    row = db.session.execute(statement, {"lv_slug": slug, "lv_course": course_id}).first()
    return (row[0], row[1]) if row is not None else None


def _latest_version_and_owner_query(course_id):
    quiz_id = _quiz_by_slug_query(bindparam("lv_slug", type_=Quiz.slug.type), course_id).with_only_columns(Quiz.id).scalar_subquery()
    return (
        select(QuizVersion, Quiz.course_id)
        .join(Quiz, Quiz.id == QuizVersion.quiz_id)
        .where(QuizVersion.quiz_id == quiz_id)
        .order_by(QuizVersion.number.desc())
        .limit(1)
    )


# latest_version_and_owner's two statements (a course's quiz or the library's), built once and run
# with the slug and course as bound values: building the statement and its cache key cost more CPU
# than running it, twice per student's exam start.
_LATEST_OF_LIBRARY = _latest_version_and_owner_query(None)
_LATEST_OF_COURSE = _latest_version_and_owner_query(bindparam("lv_course", type_=Integer))


def latest_version_by_slug(slug: str, course_id: int | None = None) -> QuizVersion | None:
    found = latest_version_and_owner(slug, course_id)
    return found[0] if found is not None else None


@lru_cache(maxsize=256)
def _parsed(version_id: int, digest: str) -> QuizContent:
    version = db.session.get(QuizVersion, version_id)
    return QuizContent.model_validate(version.content)


def content_of(version: QuizVersion) -> QuizContent:
    """The engine model of a version (versions never change, so parsing is cached by id and hash)."""
    return _parsed(version.id, version.content_hash)


def content_by_version_and_hash(version_id: int, digest: str) -> QuizContent:
    """content_of for a version whose hash the caller already read (e.g. joined to its attempt)."""
    return _parsed(version_id, digest)


def content_by_version_id(version_id: int) -> QuizContent:
    """Like content_of, reading only the version's hash unless the parsed quiz is not cached yet
    (the content column is large and attempt pages need it on every request)."""
    digest = db.session.scalar(select(QuizVersion.content_hash).where(QuizVersion.id == version_id))
    if digest is None:
        raise LookupError(f"no quiz version {version_id}")
    return _parsed(version_id, digest)


def list_library(course_id: int | None = None) -> list[QuizVersion]:
    """The latest version of every quiz a course may use (the library and its own), by topic and slug.
    A course's own quiz hides a library quiz of the same slug (one the library gained after the
    course had imported its own), as quiz_by_slug resolves the slug to the course's quiz."""
    if course_id is None:
        visible = Quiz.course_id.is_(None)
    else:
        own = select(Quiz.slug).where(Quiz.course_id == course_id)
        visible = (Quiz.course_id == course_id) | (Quiz.course_id.is_(None) & Quiz.slug.not_in(own))
    return list(
        db.session.scalars(
            select(QuizVersion)
            .join(Quiz, (Quiz.id == QuizVersion.quiz_id) & (Quiz.latest_version == QuizVersion.number))
            .where(visible, Quiz.origin != "generated")  # a student's generated practice quiz is no activity
            .order_by(Quiz.topic, Quiz.slug)
        )
    )


def visible_to(quiz_id: int, course_id: int | None) -> bool:
    return owner_lets_see(db.session.scalar(select(Quiz.course_id).where(Quiz.id == quiz_id)), course_id)


def owner_lets_see(owner: int | None, course_id: int | None) -> bool:
    """A quiz of the library (no owner) is for every course; a course's own quiz for that course only."""
    return owner is None or owner == course_id


MAX_UPLOAD_BYTES = 1024 * 1024
SLUG_NOT_AVAILABLE = "this slug cannot be used for a quiz of this course; choose another slug"


@lru_cache(maxsize=1)
def _library_file_slugs() -> frozenset[str]:
    """The slugs the built-in library reserves: its files are named after their slugs."""
    return frozenset(path.stem for path in BUILTIN_QUIZZES.rglob("*.yaml"))


@dataclass
class UploadResult:
    slug: str | None = None
    outcome: str | None = None  # created | updated | unchanged
    errors: list[QuizFileError] = field(default_factory=list)
    # Hints that do not stop the import: answer cues and review dates that have passed.
    warnings: list[CueFinding | DueReview] = field(default_factory=list)


def import_for_course(raw: bytes, filename: str, course_id: int, today: date | None = None) -> UploadResult:
    """An instructor's quiz file for their course. Format rules only (no library rules). The quiz
    lives in the course's own slug namespace: another course's quiz of the same slug is neither
    looked at nor touched, so an import tells nothing about other courses. A slug of the library
    (imported or only a built-in file) is refused, as the course would otherwise shadow it. Answer
    cues and passed review dates (as of `today`) come back as warnings."""
    name = Path(filename or "quiz.yaml").name
    if len(raw) > MAX_UPLOAD_BYTES:
        return UploadResult(errors=[QuizFileError(name, None, "", "the file is larger than 1 MB")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return UploadResult(errors=[QuizFileError(name, None, "", "the file is not UTF-8 text")])
    try:
        content = parse_quiz(text, name)
    except QuizLoadError as exc:
        return UploadResult(errors=list(exc.errors))
    if content.slug in _library_file_slugs() or quiz_by_slug(content.slug) is not None:
        # One answer for a library slug, imported or not (the library's file names are reserved).
        return UploadResult(errors=[QuizFileError(name, None, "slug", SLUG_NOT_AVAILABLE)])
    outcome = _store(content, "course", course_id)
    db.session.flush()
    warnings: list[CueFinding | DueReview] = [*cue_findings(cue_statistics([content]))]
    warnings += due_reviews([content], today or date.today())
    return UploadResult(slug=content.slug, outcome=outcome, warnings=warnings)


def course_slug_free(slug: str, course_id: int) -> bool:
    """Whether a course may give a new quiz this slug: not one of the library's (imported or only a
    built-in file), not one of its own quizzes. Other courses' slugs do not matter."""
    if slug in _library_file_slugs() or quiz_by_slug(slug) is not None:
        return False
    return db.session.scalar(select(Quiz.id).where(Quiz.slug == slug, Quiz.course_id == course_id)) is None


def publish_course_version(content: QuizContent, course_id: int) -> tuple[str, QuizVersion]:
    """Store a course quiz composed in the browser as its next version ("unchanged" when the
    content is the latest version's); returns the outcome and the latest version."""
    outcome = _store(content, "course", course_id)
    db.session.flush()
    quiz = db.session.scalars(select(Quiz).where(Quiz.slug == content.slug, Quiz.course_id == course_id)).one()
    return outcome, latest_version(quiz.id)


@dataclass
class BankImportResult:
    slug: str | None = None
    outcome: str | None = None  # created | updated | unchanged
    errors: list[str] = field(default_factory=list)


def store_bank_quiz(content: QuizContent, course_id: int | None) -> BankImportResult:
    """Questions read from a question bank file (GIFT, Aiken, ...), stored as a quiz of a course
    (or of the library without one). A course may not take a slug of the library, as for uploads."""
    if course_id is not None and (content.slug in _library_file_slugs() or quiz_by_slug(content.slug) is not None):
        return BankImportResult(errors=[SLUG_NOT_AVAILABLE])
    outcome = _store(content, "course" if course_id is not None else "import", course_id)
    db.session.flush()
    return BankImportResult(slug=content.slug, outcome=outcome)
