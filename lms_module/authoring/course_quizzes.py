"""Course quizzes composed in the browser: drafts, slots, publishing and regrading.

A course quiz is a `library.Quiz` of the course with a `CourseQuizDraft`. The draft holds title,
description, topic, settings and slots (a fixed bank question, or "N questions from tag X");
publishing composes an engine quiz from the slots and the bank's latest versions, stores it as the
quiz's next `QuizVersion` and records its `QuizVersionQuestion` rows. Attempts keep the version
they started with, so publishing never changes a running attempt.

Regrading applies the latest published version's keys to finished attempts taken on older
versions: the dry run says whose activity grade changes and by how much, applying rescores the
answers and queues the changed grades for the LMS (the attempt_graded signal, as a changed grading
method does).

Services take plain values and the course id, touch only that course's rows (another course's ids
are LookupError, like unknown ones) and flush; the views commit. Refusals are `QuizEditError`
with a reason code and values; the views word them in the person's language.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy import select

from ..attempts.grades import announce_graded, grading_method
from ..attempts.models import AWAITING_GRADING, SUBMITTED, Answer, Attempt
from ..attempts.services import content_for, counted_attempt, effective_marks, planned_ids, settings_of
from ..courses.models import ResourceLink, User
from ..engine import CountedAttempt, Score, activity_grade, attempt_result, passed, readable_response, score_answer
from ..engine import limits
from ..engine.loader import format_field
from ..engine.schema import ID_PATTERN, TOPICS, Quiz as QuizContent, Settings
from ..engine.text import plain, resolve
from ..extensions import db
from ..library import services as library
from ..library.models import Quiz, QuizVersion
from . import bank

log = logging.getLogger("kontor.authoring")
from .models import BankQuestion, BankQuestionVersion, CourseQuizDraft, QuizVersionQuestion

MAX_SLOTS = limits.MAX_QUESTIONS
MAX_SLUG_CHARS = 80
SETTING_NAMES = tuple(Settings.model_fields)
_SLUG = re.compile(ID_PATTERN)


class QuizEditError(ValueError):
    """A change refused; `reason` names it for the view's message, `values` fill it in."""

    def __init__(self, reason: str, **values) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizRow:
    quiz_id: int
    slug: str
    title: dict | str
    topic: str
    slots: int
    published_version: int  # 0: never published


def course_quizzes(course_id: int) -> list[QuizRow]:
    """The course's quizzes that have a draft (composed or copied in the browser), by slug."""
    rows = db.session.execute(
        select(Quiz, CourseQuizDraft).join(CourseQuizDraft, CourseQuizDraft.quiz_id == Quiz.id)
        .where(Quiz.course_id == course_id).order_by(Quiz.slug)
    ).all()
    return [QuizRow(q.id, q.slug, d.title, d.topic, len(d.slots or []), q.latest_version) for q, d in rows]


def draft_of(course_id: int, quiz_id: int) -> tuple[Quiz, CourseQuizDraft]:
    """The course's quiz and its draft; LookupError for an unknown id or another course's."""
    row = db.session.execute(
        select(Quiz, CourseQuizDraft).join(CourseQuizDraft, CourseQuizDraft.quiz_id == Quiz.id)
        .where(Quiz.id == quiz_id, Quiz.course_id == course_id)
    ).first()
    if row is None:
        raise LookupError("no such quiz in this course")
    return row[0], row[1]


@dataclass(frozen=True)
class SlotView:
    index: int
    kind: str  # "question" | "draw" | "missing"
    points: float | None
    question_id: int | None = None
    key: str = ""
    type: str = ""
    text: dict | str | None = None
    tag: str = ""
    count: int = 0
    available: int = 0  # draw: questions with the tag not already in a fixed slot


def slot_views(course_id: int, draft: CourseQuizDraft) -> list[SlotView]:
    """The draft's slots with what the editor shows of each (bank rows read once)."""
    questions = {q.id: q for q in db.session.scalars(select(BankQuestion).where(BankQuestion.course_id == course_id))}
    contents = _latest_contents(course_id, list(questions))
    fixed = {s.get("question") for s in draft.slots if "question" in s}
    views = []
    for index, slot in enumerate(draft.slots or []):
        points = slot.get("points")
        if "draw" in slot:
            tag = slot["draw"]["tag"]
            available = sum(1 for q in questions.values()
                            if q.archived_at is None and tag in (q.tags or []) and q.id not in fixed)
            views.append(SlotView(index, "draw", points, tag=tag, count=slot["draw"]["count"], available=available))
            continue
        question = questions.get(slot.get("question"))
        if question is None:
            views.append(SlotView(index, "missing", points))
            continue
        content = contents.get(question.id, {})
        views.append(SlotView(index, "question", points, question.id, question.key, question.type,
                              content.get("text"), available=0))
    return views


def _latest_contents(course_id: int, ids: Sequence[int]) -> dict[int, dict]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(BankQuestion.id, BankQuestionVersion.id, BankQuestionVersion.content)
        .join(BankQuestionVersion, (BankQuestionVersion.question_id == BankQuestion.id)
              & (BankQuestionVersion.number == BankQuestion.latest_version))
        .where(BankQuestion.course_id == course_id, BankQuestion.id.in_(ids))
    ).all()
    return {qid: content for qid, _, content in rows}


def bank_choices(course_id: int, locale: str) -> list[tuple[int, str, str, str]]:
    """The course's bank questions that can be added: (id, key, type, text of the latest version in
    `locale`, without markup), archived ones left out. The text is how a teacher knows a question."""
    return [(qid, key, qtype, plain((content or {}).get("text"), locale)) for qid, key, qtype, content in db.session.execute(
        select(BankQuestion.id, BankQuestion.key, BankQuestion.type, BankQuestionVersion.content)
        .join(BankQuestionVersion, (BankQuestionVersion.question_id == BankQuestion.id)
              & (BankQuestionVersion.number == BankQuestion.latest_version))
        .where(BankQuestion.course_id == course_id, BankQuestion.archived_at.is_(None)).order_by(BankQuestion.key))]


def bank_tags(course_id: int) -> list[str]:
    tags: set[str] = set()
    for row in db.session.scalars(select(BankQuestion.tags).where(BankQuestion.course_id == course_id,
                                                                 BankQuestion.archived_at.is_(None))):
        tags.update(row or [])
    return sorted(tags)


# --- creating and copying ------------------------------------------------------------------


def _check_slug(slug: str, course_id: int) -> None:
    if not slug or len(slug) > MAX_SLUG_CHARS or not _SLUG.match(slug):
        raise QuizEditError("bad_slug")
    if not library.course_slug_free(slug, course_id):
        raise QuizEditError("slug_taken")


def create_quiz(course_id: int, slug: str, title: dict, topic: str) -> Quiz:
    """An empty course quiz (no version until it is published)."""
    _check_slug(slug, course_id)
    if topic not in TOPICS:
        raise QuizEditError("bad_topic")
    quiz = Quiz(slug=slug, topic=topic, origin="course", latest_version=0, course_id=course_id)
    db.session.add(quiz)
    db.session.flush()
    db.session.add(CourseQuizDraft(quiz_id=quiz.id, title=title, description=None, topic=topic, settings={}, slots=[]))
    db.session.flush()
    return quiz


def copy_quiz(course_id: int, source_slug: str, slug: str, user_id: int | None) -> Quiz:
    """A course quiz from a library quiz (or one of the course's own): its questions become bank
    questions of the course (tagged with the source's slug; its random draws become draws from a
    tag), the draft takes its title, description, topic and settings. The source is only read."""
    version = library.latest_version_by_slug(source_slug, course_id)
    if version is None or not library.visible_to(version.quiz_id, course_id):
        raise LookupError("no such quiz")
    content = library.content_of(version)
    _check_slug(slug, course_id)
    quiz = create_quiz(course_id, slug, content.model_dump(mode="json")["title"], content.topic)
    _, draft = draft_of(course_id, quiz.id)
    data = content.model_dump(mode="json", exclude_none=True)
    draft.description = data.get("description")
    draft.settings = data.get("settings", {})
    slots: list[dict] = []
    pool_tags = {d["pool"]: f"{source_slug}-{d['pool']}"[:bank.MAX_TAG_CHARS] for d in data.get("draws", [])}
    for question in data["questions"]:
        pool = question.pop("pool", None)
        tags = [source_slug[:bank.MAX_TAG_CHARS]] + ([pool_tags[pool]] if pool else [])
        question_id = _bank_question_for(course_id, question, tags, content.topic, user_id)
        if pool is None:
            slots.append({"question": question_id, "points": None})
    for draw in data.get("draws", []):
        slots.append({"draw": {"tag": pool_tags[draw["pool"]], "count": draw["count"]}, "points": None})
    draft.slots = slots
    db.session.flush()
    return quiz


def _bank_question_for(course_id: int, content: dict, tags: list[str], topic: str, user_id: int | None) -> int:
    """The bank question holding `content`: the one with its key when its latest version is the
    same content (copying twice makes no duplicates), else a new one under a free key."""
    key = content["id"]
    for number in range(1, 1000):
        candidate = key if number == 1 else f"{key[:60]}-{number}"
        attempt = {**content, "id": candidate}
        existing = db.session.scalars(select(BankQuestion).where(
            BankQuestion.course_id == course_id, BankQuestion.key == candidate)).first()
        if existing is None:
            return bank.save_question(course_id, attempt, user_id=user_id, topic=topic, tags=tags).question_id
        latest = _latest_contents(course_id, [existing.id]).get(existing.id)
        if latest is not None and bank.content_hash(latest) == bank.content_hash(
                bank.validate_question(attempt).model_dump(mode="json", exclude_none=True)):
            existing.tags = bank.clean_tags([*(existing.tags or []), *tags])
            existing.archived_at = None
            return existing.id
    raise QuizEditError("no_free_key")


# --- editing -------------------------------------------------------------------------------


def update_details(draft: CourseQuizDraft, title: dict, description: dict | None, topic: str, settings: dict) -> None:
    """Title, description, topic and settings; settings are checked by the engine (raises
    pydantic.ValidationError; the view puts the messages next to the fields)."""
    if topic not in TOPICS:
        raise QuizEditError("bad_topic")
    checked = Settings.model_validate(settings).model_dump(mode="json", exclude_none=True)
    draft.title = title
    draft.description = description
    draft.topic = topic
    draft.settings = checked
    db.session.flush()


def _set_slots(draft: CourseQuizDraft, slots: list[dict]) -> None:
    if len(slots) > MAX_SLOTS:
        raise QuizEditError("too_many_slots", limit=MAX_SLOTS)
    draft.slots = slots  # a new list, so the JSON column is written
    db.session.flush()


def _slot_index(draft: CourseQuizDraft, index: int) -> int:
    if not 0 <= index < len(draft.slots or []):
        raise LookupError("no such slot")
    return index


def add_questions(course_id: int, draft: CourseQuizDraft, question_ids: Sequence[int]) -> int:
    """Add bank questions of this course as fixed slots (ones already in the quiz are skipped)."""
    wanted = list(dict.fromkeys(question_ids))
    found = set(db.session.scalars(select(BankQuestion.id).where(
        BankQuestion.course_id == course_id, BankQuestion.id.in_(wanted), BankQuestion.archived_at.is_(None))))
    if len(found) != len(wanted):
        raise LookupError("no such question in this course")
    present = {s.get("question") for s in draft.slots or []}
    new = [{"question": qid, "points": None} for qid in wanted if qid not in present]
    _set_slots(draft, [*(draft.slots or []), *new])
    return len(new)


def add_draw(draft: CourseQuizDraft, tag: str, count: int, points: float | None) -> None:
    tag = bank.clean_tag(tag)
    if not tag:
        raise QuizEditError("no_tag")
    if not 1 <= count <= limits.MAX_QUESTIONS:
        raise QuizEditError("bad_count")
    _check_points(points)
    if any(s.get("draw", {}).get("tag") == tag for s in draft.slots or []):
        raise QuizEditError("tag_drawn_twice", tag=tag)
    _set_slots(draft, [*(draft.slots or []), {"draw": {"tag": tag, "count": count}, "points": points}])


def _check_points(points: float | None) -> None:
    if points is not None and not (0 < points <= limits.MAX_POINTS):
        raise QuizEditError("bad_points", limit=limits.MAX_POINTS)


def move_slot(draft: CourseQuizDraft, index: int, delta: int) -> int:
    """Move a slot one place up (-1) or down (+1); returns its new index (unchanged at an end)."""
    index = _slot_index(draft, index)
    target = index + (1 if delta > 0 else -1)
    if not 0 <= target < len(draft.slots):
        return index
    slots = list(draft.slots)
    slots[index], slots[target] = slots[target], slots[index]
    _set_slots(draft, slots)
    return target


def remove_slot(draft: CourseQuizDraft, index: int) -> None:
    index = _slot_index(draft, index)
    _set_slots(draft, [s for i, s in enumerate(draft.slots) if i != index])


def set_points(draft: CourseQuizDraft, index: int, points: float | None) -> None:
    """The slot's points (None: the question's own); for a draw, every drawn question's."""
    index = _slot_index(draft, index)
    _check_points(points)
    slots = [dict(s) for s in draft.slots]
    slots[index]["points"] = points
    _set_slots(draft, slots)


def set_draw_count(draft: CourseQuizDraft, index: int, count: int) -> None:
    index = _slot_index(draft, index)
    if "draw" not in draft.slots[index]:
        raise LookupError("not a draw")
    if not 1 <= count <= limits.MAX_QUESTIONS:
        raise QuizEditError("bad_count")
    slots = [dict(s) for s in draft.slots]
    slots[index]["draw"] = {**slots[index]["draw"], "count": count}
    _set_slots(draft, slots)


# --- publishing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BankEntry:
    """A bank question as composing sees it: plain values."""

    question_id: int
    version_id: int
    tags: tuple[str, ...]
    archived: bool
    content: dict


@dataclass
class Composed:
    content: dict | None
    versions: list[tuple[int, int]] = field(default_factory=list)  # (bank question id, bank version id)
    problems: list[str] = field(default_factory=list)  # (location: message), in the file format's words


def compose(slug: str, draft: dict, entries: Sequence[BankEntry]) -> Composed:
    """The engine quiz of a draft (title, description, topic, settings, slots as plain values) from
    the bank's latest versions; problems instead when a slot cannot be filled or the engine refuses
    the result. Fixed questions first claim their bank questions; a draw takes the not yet used,
    not archived questions with its tag, which go in as one pool at the slot's place."""
    by_id = {e.question_id: e for e in entries}
    problems: list[str] = []
    fixed = {s["question"] for s in draft["slots"] if "question" in s}
    used: set[int] = set()
    questions: list[dict] = []
    versions: list[tuple[int, int]] = []
    draws: list[dict] = []

    def take(entry: BankEntry, points, pool: str | None) -> None:
        question = dict(entry.content)
        if points is not None:
            question["points"] = points
        question.pop("pool", None)
        if pool:
            question["pool"] = pool
        questions.append(question)
        versions.append((entry.question_id, entry.version_id))
        used.add(entry.question_id)

    for number, slot in enumerate(draft["slots"], start=1):
        if "draw" in slot:
            tag, count = slot["draw"]["tag"], slot["draw"]["count"]
            pool = f"draw-{number}"
            candidates = [e for e in entries if tag in e.tags and not e.archived
                          and e.question_id not in fixed and e.question_id not in used]
            if len(candidates) < count:
                problems.append(f"slot {number}: {count} questions from tag {tag!r} wanted, "
                                f"{len(candidates)} available")
                continue
            for entry in candidates:
                take(entry, slot.get("points"), pool)
            draws.append({"pool": pool, "count": count})
        else:
            entry = by_id.get(slot.get("question"))
            if entry is None:
                problems.append(f"slot {number}: the question is no longer in the bank")
                continue
            take(entry, slot.get("points"), None)
    if not questions and not problems:
        problems.append("the quiz has no questions yet")
    content = {"slug": slug, "title": draft["title"], "topic": draft["topic"], "settings": draft["settings"] or {},
               "questions": questions}
    if draft.get("description"):
        content["description"] = draft["description"]
    if draws:
        content["draws"] = draws
    if problems:
        return Composed(None, problems=problems)
    try:
        model = QuizContent.model_validate(content)
    except ValidationError as exc:
        return Composed(None, problems=[_problem(e, content) for e in exc.errors()])
    return Composed(model.model_dump(mode="json", exclude_none=True), versions)


def _problem(error, content: dict) -> str:
    loc = tuple(error.get("loc", ()))
    context = error.get("ctx") or {}
    loc = loc + tuple(context.get("at", ()))
    loc = tuple(p for p in loc if not (isinstance(p, str) and p in _UNION_TAGS))
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int) and loc[1] < len(content["questions"]):
        where = f"question {content['questions'][loc[1]].get('id', loc[1] + 1)}"
        rest = format_field(loc[2:]) if len(loc) > 2 else ""
        where = f"{where} {rest}".strip()
    else:
        where = format_field(loc) if loc else "quiz"
    return f"{where}: {context.get('message') or error.get('msg')}"


_UNION_TAGS = {"single", "multiple", "true_false", "numeric", "short_text", "matching", "ordering", "cloze",
               "document_check", "data_entry", "essay", "choice"}


def bank_entries(course_id: int) -> list[BankEntry]:
    rows = db.session.execute(
        select(BankQuestion, BankQuestionVersion.id, BankQuestionVersion.content)
        .join(BankQuestionVersion, (BankQuestionVersion.question_id == BankQuestion.id)
              & (BankQuestionVersion.number == BankQuestion.latest_version))
        .where(BankQuestion.course_id == course_id).order_by(BankQuestion.key)
    ).all()
    return [BankEntry(q.id, vid, tuple(q.tags or ()), q.archived_at is not None, content) for q, vid, content in rows]


def draft_values(draft: CourseQuizDraft) -> dict:
    return {"title": draft.title, "description": draft.description, "topic": draft.topic,
            "settings": dict(draft.settings or {}), "slots": list(draft.slots or [])}


@dataclass(frozen=True)
class PublishResult:
    outcome: str | None  # "updated" (a new version), "unchanged", or None when refused
    version: int | None
    problems: tuple[str, ...] = ()


def publish(course_id: int, quiz_id: int) -> PublishResult:
    """The draft as the quiz's next version, with the bank versions it holds recorded."""
    quiz, draft = draft_of(course_id, quiz_id)
    composed = compose(quiz.slug, draft_values(draft), bank_entries(course_id))
    if composed.content is None:
        return PublishResult(None, None, tuple(composed.problems))
    outcome, version = library.publish_course_version(QuizContent.model_validate(composed.content), course_id)
    if outcome != "unchanged":
        for question_id, version_id in dict.fromkeys(composed.versions):
            db.session.add(QuizVersionQuestion(quiz_version_id=version.id, bank_version_id=version_id,
                                               bank_question_id=question_id))
        db.session.flush()
    return PublishResult("unchanged" if outcome == "unchanged" else "updated", version.number)


# --- regrading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeChange:
    link_id: int
    link_title: str
    user_id: int
    name: str
    old: tuple[float, float] | None  # (points, maximum) or None (no grade)
    new: tuple[float, float] | None

    @property
    def delta_percent(self) -> float:
        """How many percentage points the grade moves."""
        return round(100 * (_fraction(self.new) - _fraction(self.old)), 2)


def _fraction(grade: tuple[float, float] | None) -> float:
    return grade[0] / grade[1] if grade and grade[1] else 0.0


@dataclass
class RegradePlan:
    version: int | None  # the published version whose keys apply
    attempts: int = 0  # finished attempts on older versions that are rescored
    changed_attempts: int = 0
    changes: list[GradeChange] = field(default_factory=list)
    # planned: attempt id -> {question id: (marks, max marks)} for the answers that change
    rescored: dict[int, dict[str, tuple[float, float]]] = field(default_factory=dict)


def rescore_answers(latest: QuizContent, taken: QuizContent, attempt: Attempt, answers: dict[str, Answer]
                    ) -> dict[str, tuple[float, float]]:
    """New (marks, max marks) of the auto-scored answers whose question the latest version scores
    differently; questions it no longer holds or holds with another type keep their marks, and so does
    an answer the latest question cannot read (an option the new version removed, or a corrupt row):
    the regrade cannot judge it, and taking marks away for the instructor's edit would punish the
    student for it. Logged with the attempt and question id."""
    changed = {}
    for qid in planned_ids(attempt):
        answer = answers.get(qid)
        if answer is None or answer.needs_manual:
            continue
        try:
            question, before = latest.question(qid), taken.question(qid)
        except KeyError:
            continue
        if question.type == "essay" or question.type != before.type:
            continue
        readable = readable_response(question, answer.response)
        if readable is None:
            log.warning("regrade of attempt %s keeps the marks of question %r: the latest version cannot read "
                        "its stored answer", attempt.id, qid)
            continue
        score: Score = score_answer(question, readable)
        if score.needs_manual:
            continue
        if (score.marks, score.max_marks) != (answer.marks or 0.0, answer.max_marks):
            changed[qid] = (score.marks, score.max_marks)
    return changed


def plan_regrade(course_id: int, quiz_id: int) -> RegradePlan:
    """What regrading would change (writes nothing): per finished attempt on an older version, the
    answers the latest version scores differently; per student and activity, the grade before and
    after (engine.activity_grade under the activity's grading method)."""
    quiz = db.session.scalars(select(Quiz).where(Quiz.id == quiz_id, Quiz.course_id == course_id)).first()
    if quiz is None:
        raise LookupError("no such quiz in this course")
    latest = library.latest_version(quiz.id)
    if latest is None:
        return RegradePlan(None)
    latest_content = library.content_of(latest)
    older = select(QuizVersion.id).where(QuizVersion.quiz_id == quiz.id, QuizVersion.id != latest.id)
    attempts = list(db.session.scalars(
        select(Attempt).join(ResourceLink, ResourceLink.id == Attempt.resource_link_id)
        .where(Attempt.quiz_version_id.in_(older), Attempt.is_preview.is_(False),
               Attempt.status.in_((SUBMITTED, AWAITING_GRADING)), ResourceLink.course_id == course_id)
        .order_by(Attempt.id)))
    plan = RegradePlan(latest.number, attempts=len(attempts))
    if not attempts:
        return plan
    answers: dict[int, dict[str, Answer]] = {}
    for answer in db.session.scalars(select(Answer).where(Answer.attempt_id.in_([a.id for a in attempts]))):
        answers.setdefault(answer.attempt_id, {})[answer.question_id] = answer
    new_counted: dict[int, CountedAttempt] = {}
    for attempt in attempts:
        rescored = rescore_answers(latest_content, content_for(attempt), attempt, answers.get(attempt.id, {}))
        if not rescored:
            continue
        plan.rescored[attempt.id] = rescored
        plan.changed_attempts += 1
        new_counted[attempt.id] = _counted_after(attempt, answers.get(attempt.id, {}), rescored)
    plan.changes = _grade_changes(course_id, {a.id: a for a in attempts}, new_counted)
    return plan


def _counted_after(attempt: Attempt, answers: dict[str, Answer], rescored: dict[str, tuple[float, float]]
                   ) -> CountedAttempt:
    result = attempt_result(_scores(attempt, answers, rescored))
    graded = bool((attempt.settings or {}).get("graded"))
    return CountedAttempt(None if result.needs_manual else result.marks, result.max_marks, graded)


def _scores(attempt: Attempt, answers: dict[str, Answer], rescored: dict[str, tuple[float, float]]) -> list[Score]:
    scores = []
    for entry in attempt.plan:
        answer = answers.get(entry["question_id"])
        if answer is None:
            continue
        if entry["question_id"] in rescored and answer.manual_marks is None:
            marks, maximum = rescored[entry["question_id"]]
            scores.append(Score(marks, maximum))
            continue
        maximum = rescored.get(entry["question_id"], (0.0, answer.max_marks))[1]
        marks = effective_marks(answer)
        scores.append(Score(marks or 0.0, maximum, needs_manual=marks is None))
    return scores


def _grade_changes(course_id: int, rescored_attempts: dict[int, Attempt], new_counted: dict[int, CountedAttempt]
                   ) -> list[GradeChange]:
    """Per (activity, student) touched by a rescored attempt: the grade before and after."""
    pairs = sorted({(a.resource_link_id, a.user_id) for aid, a in rescored_attempts.items() if aid in new_counted})
    changes = []
    for link_id, user_id in pairs:
        link = db.session.get(ResourceLink, link_id)
        history = list(db.session.scalars(
            select(Attempt).where(Attempt.resource_link_id == link_id, Attempt.user_id == user_id,
                                  Attempt.is_preview.is_(False)).order_by(Attempt.number)))
        graded = [a for a in history if (a.settings or {}).get("graded")]
        method = grading_method(link, graded[-1] if graded else history[-1])
        before = activity_grade([counted_attempt(a) for a in history], method)
        after = activity_grade([new_counted.get(a.id) or counted_attempt(a) for a in history], method)
        if before != after:
            user = db.session.get(User, user_id)
            changes.append(GradeChange(link_id, link.title or "", user_id, (user.name if user else None) or "",
                                       tuple(before) if before else None, tuple(after) if after else None))
    return changes


@dataclass(frozen=True)
class RegradeOutcome:
    attempts: int  # attempts whose marks changed
    grades: int  # students' activity grades that changed (queued for the LMS)


def apply_regrade(course_id: int, quiz_id: int) -> RegradeOutcome:
    """Rescore what plan_regrade found and announce the changed grades (queued in this transaction)."""
    plan = plan_regrade(course_id, quiz_id)
    touched: list[Attempt] = []
    for attempt_id, rescored in plan.rescored.items():
        attempt = db.session.get(Attempt, attempt_id)
        for answer in db.session.scalars(select(Answer).where(Answer.attempt_id == attempt_id,
                                                              Answer.question_id.in_(list(rescored)))):
            answer.marks, answer.max_marks = rescored[answer.question_id]
        _recompute(attempt)
        touched.append(attempt)
    db.session.flush()
    changed = {(c.link_id, c.user_id) for c in plan.changes}
    for link_id, user_id in sorted(changed):
        graded = [a for a in db.session.scalars(
            select(Attempt).where(Attempt.resource_link_id == link_id, Attempt.user_id == user_id,
                                  Attempt.is_preview.is_(False)).order_by(Attempt.number))
            if (a.settings or {}).get("graded") and a.status in (SUBMITTED, AWAITING_GRADING)]
        if graded:
            announce_graded(graded[-1])
    return RegradeOutcome(len(touched), len(changed))


def _recompute(attempt: Attempt) -> None:
    """Marks, status, fraction and passed from the answers (an instructor's mark wins)."""
    answers = {a.question_id: a for a in db.session.scalars(select(Answer).where(Answer.attempt_id == attempt.id))}
    result = attempt_result(_scores(attempt, answers, {}))
    attempt.marks, attempt.max_marks = result.marks, result.max_marks
    if result.needs_manual:
        attempt.status, attempt.fraction, attempt.passed = AWAITING_GRADING, None, None
    else:
        attempt.status, attempt.fraction = SUBMITTED, result.fraction
        attempt.passed = passed(result.fraction, settings_of(attempt).pass_mark)


def title_of(title: dict | str, locale: str) -> str:
    return resolve(title, locale) if isinstance(title, dict | str) else ""
