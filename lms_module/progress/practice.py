"""The "practise my weak spots" quiz: generated on the spot from the library's practice questions
of the student's weakest topics, stored as a quiz version owned by the course, taken as an
ungraded practice attempt on the course's practice link (attempts/course_practice.py; both are
described in docs/reports.md)."""
from __future__ import annotations

import random
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..attempts.course_practice import start_practice_attempt
from ..attempts.models import Attempt
from ..attempts.services import AttemptError
from ..engine.schema import Quiz as QuizContent
from ..extensions import db
from ..library.models import Quiz, QuizVersion
from ..library.services import content_hash, content_of
from ..reports.mastery import GENERATED_ORIGIN, Mastery, generated_question_id, weakest_topics

GENERATED_SLUG = "kontor:weak-spots"  # no quiz file can take it (slugs are [a-z0-9-])
TOPICS_PER_QUIZ = 2
QUESTIONS_PER_TOPIC = 5
# Questions an instructor marks by hand make no sense in an ungraded quiz nobody grades.
SKIPPED_TYPES = ("essay",)
TITLE = {"de": "Meine Schwachstellen üben", "en": "Practise my weak spots"}


class NothingToPractise(Exception):
    pass


def library_practice_questions() -> dict[str, list]:
    """The library's practice quizzes' questions by topic (the latest version of each quiz)."""
    by_topic: dict[str, list] = {}
    versions = db.session.scalars(
        select(QuizVersion)
        .join(Quiz, (Quiz.id == QuizVersion.quiz_id) & (Quiz.latest_version == QuizVersion.number))
        .where(Quiz.course_id.is_(None), Quiz.origin != GENERATED_ORIGIN)
        .order_by(Quiz.slug)
    )
    for version in versions:
        content = content_of(version)
        if content.settings.mode != "practice":
            continue
        by_topic.setdefault(content.topic, []).extend(q for q in content.questions if q.type not in SKIPPED_TYPES)
    return by_topic


def generated_content(mastery: dict[str, Mastery], pool: dict[str, list], rng: random.Random) -> QuizContent:
    """A practice quiz of QUESTIONS_PER_TOPIC questions from each of the weakest topics."""
    topics = weakest_topics(mastery, [t for t, questions in pool.items() if questions], TOPICS_PER_QUIZ)
    if not topics:
        raise NothingToPractise
    questions, seen = [], set()
    for topic in topics:
        drawn = rng.sample(pool[topic], min(QUESTIONS_PER_TOPIC, len(pool[topic])))
        for question in drawn:
            new_id = generated_question_id(topic, question.id)
            if new_id in seen:
                continue
            seen.add(new_id)
            questions.append(question.model_copy(update={"id": new_id}).model_dump(mode="json", exclude_none=True))
    rng.shuffle(questions)
    return QuizContent.model_validate({
        "slug": "weak-spots", "title": TITLE, "topic": topics[0],
        "settings": {"mode": "practice", "attempts": 0, "feedback": "immediate"},
        "questions": questions,
    })


def _store(course_id: int, content: QuizContent) -> QuizVersion:
    """The generated quiz as a version of the course's generated quiz (an identical one is reused)."""
    data = content.model_dump(mode="json", exclude_none=True)
    digest = content_hash(data)
    quiz = db.session.scalars(select(Quiz).where(Quiz.course_id == course_id, Quiz.slug == GENERATED_SLUG)).first()
    if quiz is None:
        quiz = Quiz(slug=GENERATED_SLUG, topic=content.topic, origin=GENERATED_ORIGIN, latest_version=0,
                    course_id=course_id)
        db.session.add(quiz)
        db.session.flush()
    existing = db.session.scalars(
        select(QuizVersion).where(QuizVersion.quiz_id == quiz.id, QuizVersion.content_hash == digest)).first()
    if existing is not None:
        return existing
    quiz.latest_version += 1
    version = QuizVersion(quiz_id=quiz.id, number=quiz.latest_version, content_hash=digest, content=data,
                          title_de=TITLE["de"], title_en=TITLE["en"], question_count=len(content.questions),
                          source_path="")
    db.session.add(version)
    db.session.flush()
    return version


def start_weak_spots(course_id: int, user_id: int, mastery: dict[str, Mastery], now: datetime) -> Attempt:
    """Generate the quiz and start the student's practice attempt on it (the caller commits)."""
    content = generated_content(mastery, library_practice_questions(), random.Random(secrets.randbits(63)))
    # The generated quiz is shared by the course's students: a parallel generation may take the same
    # version number first (unique quiz, number); then the store runs again on what it committed.
    for _ in range(3):
        try:
            with db.session.begin_nested():
                version = _store(course_id, content)
            break
        except IntegrityError:
            continue
    else:
        raise AttemptError("conflict")
    return start_practice_attempt(course_id, user_id, version, now)
