"""The course's question bank and the quizzes instructors compose from it.

A bank question keeps every saved version (content = one question of the quiz file format, as JSON).
A course quiz is an ordinary `library.Quiz` (course_id set) whose versions are *published* from its
draft: the draft lists slots (fixed bank questions, or random draws from a tag), publishing writes a
new `QuizVersion` holding the chosen question versions, and `QuizVersionQuestion` remembers which
bank question version went into which quiz version. Attempts keep the quiz version they started
with, so saving a question never changes a running attempt; "where is it used" and "was it answered"
are read from these rows.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import UTCDateTime, utcnow
from ..extensions import db

LANGUAGE_STATUSES = ("de", "en", "both")


class BankQuestion(db.Model):
    __tablename__ = "bank_question"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lti_course.id", ondelete="CASCADE"), index=True)
    # The question's id in the file format (unique within the course's bank).
    key: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str | None] = mapped_column(String(32), nullable=True)
    difficulty: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    # Which languages the texts have: "de", "en" or "both" (derived from the latest version's content).
    languages: Mapped[str] = mapped_column(String(8), default="both")
    # Archived questions stay for the attempts that used them but are hidden from the bank's list.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    latest_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    versions: Mapped[list[BankQuestionVersion]] = relationship(
        back_populates="question", order_by="BankQuestionVersion.number", cascade="all, delete-orphan")


class BankQuestionVersion(db.Model):
    __tablename__ = "bank_question_version"
    __table_args__ = (UniqueConstraint("question_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("bank_question.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # One question of the file format (engine.schema Question, dumped in JSON mode); immutable.
    content: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"), nullable=True)

    question: Mapped[BankQuestion] = relationship(back_populates="versions")


class CourseQuizDraft(db.Model):
    """What the instructor edits; publishing turns it into a new version of `quiz`."""

    __tablename__ = "course_quiz_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), unique=True)
    title: Mapped[dict] = mapped_column(JSON)  # LocalText as JSON: {"de": ..., "en": ...} or a string
    description: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    topic: Mapped[str] = mapped_column(String(32))
    settings: Mapped[dict] = mapped_column(JSON, default=dict)  # engine.schema.Settings fields
    # In order: {"question": <bank_question.id>, "points": <float|null>} for a fixed question, or
    # {"draw": {"tag": <str>, "count": <int>}, "points": <float|null>} for random questions from a tag.
    slots: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class QuizVersionQuestion(db.Model):
    """Which bank question version a published quiz version holds (for usage, archiving, regrading)."""

    __tablename__ = "quiz_version_question"
    __table_args__ = (UniqueConstraint("quiz_version_id", "bank_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_version_id: Mapped[int] = mapped_column(ForeignKey("quiz_version.id", ondelete="CASCADE"), index=True)
    bank_version_id: Mapped[int] = mapped_column(ForeignKey("bank_question_version.id", ondelete="CASCADE"), index=True)
    bank_question_id: Mapped[int] = mapped_column(ForeignKey("bank_question.id", ondelete="CASCADE"), index=True)


class BankImage(db.Model):
    """An image an instructor uploaded for question texts (PNG or JPEG, size-capped), served by id."""

    __tablename__ = "bank_image"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lti_course.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(db.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
