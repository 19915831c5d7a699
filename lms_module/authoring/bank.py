"""The course question bank: list, search, save versions, where a question is used, bulk changes,
import through engine.formats (preview first, all or nothing) and export.

Services take and return plain values and only flush; the views commit. Every function takes the
course id and touches only that course's rows: an id of another course behaves like an unknown one.
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import yaml
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import delete, select

from ..attempts.models import Attempt
from ..db_types import utcnow
from ..engine import limits
from ..engine.formats import (N_, ExportedFile, Finding, FormatError, ParsedBank, check_import_size, format_for_content,
                              format_named, invalid_question)
from ..engine.formats.language_guess import guess_language
from ..engine.loader import QuizLoadError, parse_quiz
from ..engine.schema import QUESTION_TYPES, TOPICS, Question
from ..engine.text import image_reference, plain
from ..extensions import db
from ..library.models import Quiz, QuizVersion
from .bank_models import PENDING_IMPORT_HOURS, PendingBankImport
from .models import BankImage, BankQuestion, BankQuestionVersion, CourseQuizDraft, QuizVersionQuestion

PAGE_SIZE = 25
MAX_TAG_CHARS = 64
MAX_TAGS = 20  # per question
MAX_SEARCH_CHARS = 200
MAX_SELECTION = limits.MAX_IMPORT_QUESTIONS  # questions in one bulk change or export
SORTS = ("key", "-key", "updated", "-updated", "type", "topic", "difficulty")
LANGUAGE_FILTERS = ("de", "en", "both")
# The formats a bank import takes: Kontor's own YAML and every format of engine.formats.
IMPORT_FORMATS = ("yaml", "gift", "aiken", "moodlexml", "qti")
EXPORT_FORMATS = ("yaml", "gift", "moodlexml", "qti")
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}

_QUESTION = TypeAdapter(Question)


class BankError(ValueError):
    """A change the bank refuses (a duplicate key, ...); the message is for the person."""


# --- language status -----------------------------------------------------------------------


def _local_texts(node) -> Iterable[dict | str]:
    """Every translatable text of a question's JSON content (LocalText or accepted-answer lists)."""
    if isinstance(node, dict):
        keys = set(node)
        if keys and keys <= {"de", "en", "lang"} and keys & {"de", "en"}:
            yield node
            return
        for key, value in node.items():
            if key in ("id", "type", "normalize"):
                continue
            if key in ("text", "explanation", "source", "feedback", "unit", "rubric", "label", "value",
                       "error", "title", "body", "left", "right") and isinstance(value, str):
                yield value
            else:
                yield from _local_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _local_texts(item)


def language_status(content: dict) -> str:
    """"both" when every text of the question has German and English, else the one language all its
    texts have ("de" or "en"); a question mixing the two counts by the language of its question text."""
    complete = {"de", "en"}
    for text in _local_texts(content):
        if isinstance(text, str):
            continue
        present = {lang for lang in ("de", "en") if text.get(lang) not in (None, "", [])
                   and not (isinstance(text.get(lang), str) and not text[lang].strip())}
        complete &= present
    if complete == {"de", "en"}:
        return "both"
    if complete:
        return complete.pop()
    text = content.get("text")
    if isinstance(text, dict) and text.get("de") and not text.get("en"):
        return "de"
    return "en" if isinstance(text, dict) and text.get("en") else "both"


def content_hash(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def clean_tag(tag: str) -> str:
    return " ".join(str(tag).split())[:MAX_TAG_CHARS]


def clean_tags(tags: Iterable[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        tag = clean_tag(tag)
        if tag and tag not in out:
            out.append(tag)
    return out[:MAX_TAGS]


# --- saving ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SaveResult:
    question_id: int
    version_number: int
    created_version: bool  # False: the content was unchanged, no new version


def validate_question(content: dict):
    """The engine's own rules; raises pydantic.ValidationError (the editor places its messages)."""
    return _QUESTION.validate_python(content)


def save_question(course_id: int, content: dict, *, user_id: int | None = None, question_id: int | None = None,
                  topic: str | None = None, difficulty: int | None = None, tags: Sequence[str] | None = None
                  ) -> SaveResult:
    """Save a question of the course's bank as a new version (the old versions stay for the quiz
    versions and attempts that hold them). `question_id` None creates a bank question; its key is
    the content's id, unique in the course (BankError otherwise). Saving unchanged content makes no
    version. Raises pydantic.ValidationError for content the engine refuses."""
    model = validate_question(content)
    data = model.model_dump(mode="json", exclude_none=True)
    digest = content_hash(data)
    key = data["id"]
    if question_id is None:
        question = None
    else:
        question = db.session.scalars(select(BankQuestion).where(
            BankQuestion.id == question_id, BankQuestion.course_id == course_id)).first()
        if question is None:
            raise LookupError("no such question in this course")
    clash = db.session.scalar(select(BankQuestion.id).where(BankQuestion.course_id == course_id, BankQuestion.key == key))
    if clash is not None and (question is None or clash != question.id):
        raise BankError(f"a question with the id {key!r} is already in this course's bank")
    if question is None:
        question = BankQuestion(course_id=course_id, key=key, type=data["type"], tags=[], latest_version=0)
        db.session.add(question)
    else:
        latest = _latest_version(question)
        if latest is not None and latest.content_hash == digest:
            _set_metadata(question, topic, difficulty, tags)
            db.session.flush()
            return SaveResult(question.id, question.latest_version, False)
    question.key = key
    question.type = data["type"]
    question.difficulty = data.get("difficulty")
    question.languages = language_status(data)
    _set_metadata(question, topic, difficulty, tags)
    question.latest_version += 1
    question.versions.append(BankQuestionVersion(number=question.latest_version, content=data,
                                                 content_hash=digest, created_by=user_id))
    question.updated_at = utcnow()
    db.session.flush()
    return SaveResult(question.id, question.latest_version, True)


def _set_metadata(question: BankQuestion, topic, difficulty, tags) -> None:
    if topic is not None:
        question.topic = topic if topic in TOPICS else None
    if difficulty is not None:
        question.difficulty = difficulty
    if tags is not None:
        question.tags = clean_tags(tags)


def _latest_version(question: BankQuestion) -> BankQuestionVersion | None:
    return db.session.scalars(select(BankQuestionVersion).where(
        BankQuestionVersion.question_id == question.id,
        BankQuestionVersion.number == question.latest_version)).first()


# --- listing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BankQuery:
    search: str = ""
    tag: str = ""
    topic: str = ""
    difficulty: int | None = None
    type: str = ""
    language: str = ""  # "de", "en" (only that language) or "both"
    archived: bool = False  # False: the active questions; True: the archived ones
    sort: str = "key"
    page: int = 1


@dataclass(frozen=True)
class Usage:
    slug: str
    title_de: str
    title_en: str
    published: bool  # in a published quiz version (else only in a quiz's draft)


@dataclass(frozen=True)
class BankRow:
    id: int
    key: str
    type: str
    topic: str | None
    difficulty: int | None
    tags: tuple[str, ...]
    languages: str
    archived: bool
    text_de: str
    text_en: str
    usage: tuple[Usage, ...]
    answered: bool  # an attempt holds a quiz version with this question


@dataclass(frozen=True)
class BankPage:
    rows: list[BankRow]
    total: int
    page: int
    pages: int
    tags: list[str]  # every tag of the course's bank (for the filter)


def list_questions(course_id: int, query: BankQuery) -> BankPage:
    """One page of the course's bank. Structured filters run in SQL; the search and the tag filter
    look at the latest version's texts and the tags in Python (the same on SQLite and PostgreSQL,
    and umlauts match as typed); a course's bank is small enough for that."""
    conditions = [BankQuestion.course_id == course_id,
                  BankQuestion.archived_at.is_not(None) if query.archived else BankQuestion.archived_at.is_(None)]
    if query.type in QUESTION_TYPES:
        conditions.append(BankQuestion.type == query.type)
    if query.topic in TOPICS:
        conditions.append(BankQuestion.topic == query.topic)
    if query.difficulty in (1, 2, 3):
        conditions.append(BankQuestion.difficulty == query.difficulty)
    if query.language in LANGUAGE_FILTERS:
        conditions.append(BankQuestion.languages == query.language)
    rows = db.session.execute(
        select(BankQuestion, BankQuestionVersion.content)
        .join(BankQuestionVersion, (BankQuestionVersion.question_id == BankQuestion.id)
              & (BankQuestionVersion.number == BankQuestion.latest_version))
        .where(*conditions)
    ).all()
    all_tags = sorted({tag for (tags,) in db.session.execute(
        select(BankQuestion.tags).where(BankQuestion.course_id == course_id)) for tag in (tags or [])},
        key=str.casefold)
    needle = query.search.casefold().strip()[:MAX_SEARCH_CHARS]
    matching = []
    for question, content in rows:
        if query.tag and query.tag not in (question.tags or []):
            continue
        text_de, text_en = plain(content.get("text"), "de"), plain(content.get("text"), "en")
        if needle and not any(needle in part.casefold() for part in (question.key, text_de, text_en, *(question.tags or []))):
            continue
        matching.append((question, text_de, text_en))
    matching.sort(key=_sort_key(query.sort), reverse=query.sort.startswith("-"))
    total = len(matching)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, query.page), pages)
    chosen = matching[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    ids = [q.id for q, _, _ in chosen]
    usage, answered = usage_of(course_id, ids), answered_ids(ids)
    return BankPage(
        rows=[BankRow(id=q.id, key=q.key, type=q.type, topic=q.topic, difficulty=q.difficulty,
                      tags=tuple(q.tags or ()), languages=q.languages, archived=q.archived_at is not None,
                      text_de=de, text_en=en, usage=tuple(usage.get(q.id, ())), answered=q.id in answered)
              for q, de, en in chosen],
        total=total, page=page, pages=pages, tags=all_tags)


def _sort_key(sort: str):
    name = sort.lstrip("-")
    if name == "updated":
        return lambda item: (item[0].updated_at, item[0].key)
    if name in ("type", "topic"):
        return lambda item: (getattr(item[0], name) or "", item[0].key)
    if name == "difficulty":
        return lambda item: (item[0].difficulty or 0, item[0].key)
    return lambda item: item[0].key


def usage_of(course_id: int, question_ids: Sequence[int]) -> dict[int, list[Usage]]:
    """Where each question is used: published quiz versions of the course and quiz drafts."""
    found: dict[int, dict[str, Usage]] = {}
    if not question_ids:
        return {}
    published = db.session.execute(
        select(QuizVersionQuestion.bank_question_id, Quiz.slug, Quiz.latest_version, QuizVersion.number)
        .join(QuizVersion, QuizVersion.id == QuizVersionQuestion.quiz_version_id)
        .join(Quiz, Quiz.id == QuizVersion.quiz_id)
        .where(QuizVersionQuestion.bank_question_id.in_(question_ids), Quiz.course_id == course_id)
    ).all()
    titles = _quiz_titles(course_id)
    for question_id, slug, _, _ in published:
        de, en = titles.get(slug, (slug, slug))
        found.setdefault(question_id, {})[slug] = Usage(slug, de, en, True)
    wanted = set(question_ids)
    for slug, slots in db.session.execute(
            select(Quiz.slug, CourseQuizDraft.slots).join(Quiz, Quiz.id == CourseQuizDraft.quiz_id)
            .where(Quiz.course_id == course_id)):
        for slot in slots or []:
            question_id = slot.get("question") if isinstance(slot, dict) else None
            if question_id in wanted and slug not in found.get(question_id, {}):
                de, en = titles.get(slug, (slug, slug))
                found.setdefault(question_id, {})[slug] = Usage(slug, de, en, False)
    return {qid: sorted(by_slug.values(), key=lambda u: u.slug) for qid, by_slug in found.items()}


def _quiz_titles(course_id: int) -> dict[str, tuple[str, str]]:
    return {slug: (de or slug, en or slug) for slug, de, en in db.session.execute(
        select(Quiz.slug, QuizVersion.title_de, QuizVersion.title_en)
        .join(QuizVersion, (QuizVersion.quiz_id == Quiz.id) & (QuizVersion.number == Quiz.latest_version))
        .where(Quiz.course_id == course_id))}


def answered_ids(question_ids: Sequence[int]) -> set[int]:
    """The questions an attempt uses (through the quiz version it started with)."""
    if not question_ids:
        return set()
    return set(db.session.scalars(
        select(QuizVersionQuestion.bank_question_id).distinct()
        .join(Attempt, Attempt.quiz_version_id == QuizVersionQuestion.quiz_version_id)
        .where(QuizVersionQuestion.bank_question_id.in_(question_ids))))


# --- bulk changes ------------------------------------------------------------------------


def questions_of(course_id: int, ids: Sequence[int]) -> list[BankQuestion]:
    """The course's questions among `ids`; LookupError when any id is not the course's."""
    wanted = set(ids)
    if not wanted or len(wanted) > MAX_SELECTION:
        raise LookupError("selection")
    found = list(db.session.scalars(select(BankQuestion).where(
        BankQuestion.course_id == course_id, BankQuestion.id.in_(wanted)).order_by(BankQuestion.key)))
    if len(found) != len(wanted):
        raise LookupError("a question of another course or none")
    return found


def bulk_tag(course_id: int, ids: Sequence[int], tag: str) -> int:
    """Add `tag` to the questions; returns how many gained it."""
    tag = clean_tag(tag)
    changed = 0
    for question in questions_of(course_id, ids):
        if tag and tag not in (question.tags or []) and len(question.tags or []) < MAX_TAGS:
            question.tags = [*(question.tags or []), tag]
            changed += 1
    db.session.flush()
    return changed


def bulk_move(course_id: int, ids: Sequence[int], *, tag: str = "", topic: str = "") -> int:
    """Move the questions to a tag (it replaces their tags) and/or a topic."""
    tag = clean_tag(tag)
    questions = questions_of(course_id, ids)
    for question in questions:
        if tag:
            question.tags = [tag]
        if topic in TOPICS:
            question.topic = topic
    db.session.flush()
    return len(questions)


@dataclass(frozen=True)
class DeleteOutcome:
    deleted: list[str]
    archived: list[str]  # used by an attempt: kept for it, hidden from the bank


def bulk_delete(course_id: int, ids: Sequence[int]) -> DeleteOutcome:
    """Delete the questions no attempt uses; archive the others. A deleted question also leaves
    the quiz drafts that held it (published quiz versions keep their own copy of its content)."""
    questions = questions_of(course_id, ids)
    answered = answered_ids([q.id for q in questions])
    deleted, archived = [], []
    gone = set()
    for question in questions:
        if question.id in answered:
            if question.archived_at is None:
                question.archived_at = utcnow()
            archived.append(question.key)
        else:
            deleted.append(question.key)
            gone.add(question.id)
    if gone:
        for draft in db.session.scalars(select(CourseQuizDraft).join(Quiz, Quiz.id == CourseQuizDraft.quiz_id)
                                        .where(Quiz.course_id == course_id)):
            slots = [s for s in draft.slots or [] if not (isinstance(s, dict) and s.get("question") in gone)]
            if len(slots) != len(draft.slots or []):
                draft.slots = slots
        db.session.execute(delete(QuizVersionQuestion).where(QuizVersionQuestion.bank_question_id.in_(gone)))
        db.session.execute(delete(BankQuestionVersion).where(BankQuestionVersion.question_id.in_(gone)))
        db.session.execute(delete(BankQuestion).where(BankQuestion.id.in_(gone), BankQuestion.course_id == course_id))
    db.session.flush()
    db.session.expire_all()
    return DeleteOutcome(deleted, archived)


def bulk_restore(course_id: int, ids: Sequence[int]) -> int:
    """Bring archived questions back into the bank's list."""
    questions = questions_of(course_id, ids)
    for question in questions:
        question.archived_at = None
    db.session.flush()
    return len(questions)


# --- import ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedQuestion:
    key: str
    original_key: str
    type: str
    text: str
    tags: tuple[str, ...]
    languages: str


@dataclass
class ImportPlan:
    """What an import would do; `errors` non-empty means it is refused whole."""

    format_label: str
    create: list[PlannedQuestion] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    images: list[tuple[str, str, int]] = field(default_factory=list)  # name, media type, bytes
    errors: list[Finding] = field(default_factory=list)
    topic: str | None = None  # given on the form, else the one a Kontor quiz file names
    looks_like: str | None = None  # the import format the file seems to be in, when the chosen one found nothing
    language: str = "de"  # the language the file's texts were read as
    # How that language was settled: "chosen" by the person, "detected" from the texts, "assumed"
    # (the page's language, as the texts did not tell); None for a Kontor file, which names its own.
    language_source: str | None = "chosen"
    # Internal: the validated question contents and their tags, in order.
    contents: list[tuple[dict, list[str], int | None]] = field(default_factory=list, repr=False)
    image_data: dict[str, tuple[str, bytes]] = field(default_factory=dict, repr=False)


def _read_yaml(data: bytes, filename: str) -> tuple[ParsedBank, str | None]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError(N_("the file is not UTF-8 text")) from None
    try:
        quiz = parse_quiz(text, filename or "quiz.yaml")
    except QuizLoadError as error:
        # The quiz loader's messages are English only (not templates): shown marked as English.
        raise FormatError([Finding(f"{e.field}: {e.message}" if e.field else e.message, line=e.line)
                           for e in error.errors]) from None
    return ParsedBank(questions=list(quiz.questions), tags={}), quiz.topic


def read_bank(data: bytes, filename: str, format_name: str, language: str) -> tuple[ParsedBank, str | None, str]:
    """Read a file in one of IMPORT_FORMATS: (parsed bank, topic the file names, format label).
    Raises FormatError for a file that cannot be imported as a whole."""
    check_import_size(data)
    if not data.strip():
        raise FormatError(N_("the file is empty"))
    if format_name == "yaml":
        if len(data) > limits.MAX_FILE_BYTES:
            raise FormatError(N_("a Kontor quiz file is at most %(mb)s MB"), mb=limits.MAX_FILE_BYTES // (1024 * 1024))
        bank, topic = _read_yaml(data, filename)
        return bank, topic, "Kontor YAML"
    if format_name not in IMPORT_FORMATS:
        raise FormatError(N_("unknown format %(name)r"), name=format_name)
    bank_format = format_named(format_name)
    return bank_format.read(data, language=language), None, bank_format.label


def _texts(questions: Sequence[Question]) -> Iterable[str]:
    """The texts of the questions (question, options, answers, feedback), one at a time."""
    for question in questions:
        for text in _local_texts(question.model_dump(mode="json", exclude_none=True)):
            for value in [text] if isinstance(text, str) else [text.get("de"), text.get("en")]:
                if isinstance(value, str):
                    yield value
                elif isinstance(value, list):  # accepted answers
                    yield from (item for item in value if isinstance(item, str))


def plan_import(course_id: int, data: bytes, filename: str, format_name: str, language: str | None,
                topic: str | None = None, *, assumed: str = "de") -> ImportPlan:
    """What importing `data` into the course's bank would create; reads the bank, writes nothing.
    A question whose id is taken gets the next free id ("-2", "-3", ...), with a note.
    `language` None: the language of the questions' texts, guessed from their words, else `assumed`
    (the page's language); the plan says which and how (`language`, `language_source`)."""
    source = "chosen" if language else "assumed"
    language = language or assumed
    try:
        bank, file_topic, label = read_bank(data, filename, format_name, language)
        if source == "assumed" and format_name != "yaml":
            guessed = guess_language(_texts(bank.questions))
            if guessed is not None:
                source = "detected"
            if guessed not in (None, language):  # read again, as readers use the language beyond the key
                # (of Moodle's multilang spans they keep the one asked for)
                language = guessed
                bank, file_topic, label = read_bank(data, filename, format_name, language)
    except FormatError as error:
        return ImportPlan(format_label=format_name, errors=error.findings, looks_like=_other_format(data, format_name))
    plan = ImportPlan(format_label=label, skipped=list(bank.skipped), notes=list(bank.notes), language=language,
                      language_source=None if format_name == "yaml" else source)
    if not bank.questions:
        plan.errors.append(Finding(N_("the file holds no question Kontor can import")))
        plan.looks_like = _other_format(data, format_name)
        return plan
    if len(bank.questions) > limits.MAX_IMPORT_QUESTIONS:
        plan.errors.append(Finding(N_("the file holds more than %(max)s questions"),
                                   params={"max": limits.MAX_IMPORT_QUESTIONS}))
        return plan
    taken = set(db.session.scalars(select(BankQuestion.key).where(BankQuestion.course_id == course_id)))
    for question in bank.questions:
        data_ = question.model_dump(mode="json", exclude_none=True)
        original = data_["id"]
        key = _free_key(original, taken)
        if key != original:
            plan.notes.append(Finding(N_("the id %(id)r is already in the bank; imported as %(key)r"), question=original,
                                      params={"id": original, "key": key}))
            data_["id"] = key
        try:
            validate_question(data_)
        except ValidationError as error:
            plan.errors.append(Finding("", question=original, problems=invalid_question(error)))
            continue
        taken.add(key)
        tags = clean_tags(bank.tags.get(original, []))
        plan.contents.append((data_, tags, None))
        plan.create.append(PlannedQuestion(key, original, data_["type"], plain(data_.get("text"), language)[:200],
                                           tuple(tags), language_status(data_)))
    for name, content in bank.files.items():
        media_type = next((t for magic, t in IMAGE_TYPES.items() if content.startswith(magic)), None)
        if media_type is None:
            plan.notes.append(Finding(N_("the file %(name)r is not a PNG or JPEG image; left out"), params={"name": name}))
        elif len(content) > limits.MAX_IMAGE_BYTES:
            plan.notes.append(Finding(N_("the image %(name)r is larger than %(mb)s MB; left out"),
                                      params={"name": name, "mb": limits.MAX_IMAGE_BYTES // (1024 * 1024)}))
        else:
            plan.images.append((name[:255], media_type, len(content)))
            plan.image_data[name[:255]] = (media_type, content)
    plan.topic = topic if topic in TOPICS else (file_topic if file_topic in TOPICS else None)
    return plan


def _other_format(data: bytes, chosen: str) -> str | None:
    """The import format the file looks like, when that is not the chosen one: a Moodle XML file
    read as GIFT holds nothing GIFT can read, and the page names the format to choose instead."""
    found = format_for_content(data)
    return found if found != chosen and found in IMPORT_FORMATS else None


def _free_key(key: str, taken: set[str]) -> str:
    if key not in taken:
        return key
    for number in range(2, len(taken) + 3):
        candidate = f"{key[:64 - len(str(number)) - 1]}-{number}"
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable")


# How an imported text names an embedded file (engine.formats' Moodle XML reader writes it so).
_IMPORTED_IMAGE = re.compile(r"\[image: ([^\]\n]{1,255})\]")


def link_imported_images(content, image_ids: dict[str, int]):
    """`content` with every "[image: name]" of an image stored with the import replaced by the
    editor's reference ![name](image:ID); names without a stored image (an SVG left out, a file
    the export did not carry) stay as they are."""
    if isinstance(content, str):
        return _IMPORTED_IMAGE.sub(lambda m: image_reference(image_ids[m.group(1)], m.group(1))
                                   if m.group(1) in image_ids else m.group(0), content)
    if isinstance(content, dict):
        return {key: link_imported_images(value, image_ids) for key, value in content.items()}
    if isinstance(content, list):
        return [link_imported_images(value, image_ids) for value in content]
    return content


def apply_import(course_id: int, plan: ImportPlan, user_id: int | None) -> int:
    """Write a planned import (refused plans write nothing); returns how many questions were created.
    The images come first, so that the questions' texts can point at them by id."""
    if plan.errors:
        raise BankError("the import has errors")
    existing = dict(db.session.execute(select(BankImage.sha256, BankImage.id).where(BankImage.course_id == course_id)).all())
    image_ids: dict[str, int] = {}
    for name, (media_type, data) in plan.image_data.items():
        digest = hashlib.sha256(data).hexdigest()
        if digest not in existing:
            image = BankImage(course_id=course_id, name=name, media_type=media_type, sha256=digest, data=data)
            db.session.add(image)
            db.session.flush()
            existing[digest] = image.id
        image_ids[name] = existing[digest]
    for content, tags, _ in plan.contents:
        save_question(course_id, link_imported_images(content, image_ids) if image_ids else content,
                      user_id=user_id, topic=plan.topic, tags=tags)
    db.session.flush()
    return len(plan.contents)


def keep_upload(course_id: int, user_id: int, data: bytes, filename: str, format_name: str, language: str,
                topic: str | None) -> str:
    """Keep an uploaded file until it is confirmed; drops uploads older than PENDING_IMPORT_HOURS."""
    db.session.execute(delete(PendingBankImport).where(
        PendingBankImport.created_at < utcnow() - timedelta(hours=PENDING_IMPORT_HOURS)))
    token = secrets.token_urlsafe(24)
    db.session.add(PendingBankImport(id=token, course_id=course_id, user_id=user_id, data=data,
                                     filename=(filename or "upload")[:255], format=format_name, language=language,
                                     topic=topic))
    db.session.flush()
    return token


def take_upload(course_id: int, user_id: int, token: str) -> PendingBankImport | None:
    """The kept upload of this person in this course (None when unknown, expired or someone else's)."""
    upload = db.session.scalars(select(PendingBankImport).where(
        PendingBankImport.id == token[:64], PendingBankImport.course_id == course_id,
        PendingBankImport.user_id == user_id,
        PendingBankImport.created_at >= utcnow() - timedelta(hours=PENDING_IMPORT_HOURS))).first()
    return upload


def drop_upload(upload: PendingBankImport) -> None:
    db.session.delete(upload)
    db.session.flush()


# --- export ------------------------------------------------------------------------------


def latest_contents(course_id: int, ids: Sequence[int]) -> list[tuple[BankQuestion, dict]]:
    questions = questions_of(course_id, ids)
    contents = {q_id: content for q_id, content in db.session.execute(
        select(BankQuestionVersion.question_id, BankQuestionVersion.content)
        .join(BankQuestion, (BankQuestion.id == BankQuestionVersion.question_id)
              & (BankQuestion.latest_version == BankQuestionVersion.number))
        .where(BankQuestion.id.in_([q.id for q in questions])))}
    return [(q, contents[q.id]) for q in questions if q.id in contents]


def export_selection(course_id: int, ids: Sequence[int], format_name: str, language: str) -> ExportedFile:
    """The chosen questions (latest versions) as a file of `format_name` with the format's notes."""
    chosen = latest_contents(course_id, ids)
    contents = [content for _, content in chosen]
    topics = Counter(q.topic for q, _ in chosen if q.topic)
    topic = topics.most_common(1)[0][0] if topics else TOPICS[0]
    titles = {"de": "Fragen aus der Fragensammlung", "en": "Questions from the question bank"}
    return export_contents(contents, format_name, language, slug="question-bank", title=titles, topic=topic,
                           topic_chosen=bool(topics))


def export_contents(contents: list[dict], format_name: str, language: str, *, slug: str, title, topic: str,
                    topic_chosen: bool = True, description=None, settings: dict | None = None) -> ExportedFile:
    if format_name not in EXPORT_FORMATS:
        raise FormatError(N_("unknown format %(name)r"), name=format_name)
    if format_name == "yaml":
        quiz: dict = {"slug": slug, "title": title, "topic": topic}
        if description:
            quiz["description"] = description
        if settings:
            quiz["settings"] = settings
        quiz["questions"] = contents
        notes = [] if topic_chosen else [Finding(N_("no question has a topic; the file names %(topic)r, change it as needed"),
                                                 params={"topic": topic})]
        text = yaml.safe_dump(quiz, allow_unicode=True, sort_keys=False, width=100)
        return ExportedFile(text.encode("utf-8"), f"{slug}.yaml", "application/yaml", notes)
    questions = [validate_question(content) for content in contents]
    name = title.get(language) or title.get("en") or slug if isinstance(title, dict) else str(title)
    return format_named(format_name).write(questions, title=name, language=language)
