from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class Quiz(db.Model):
    """A quiz by slug. Its content lives in versions; attempts keep the version they started with.

    Slugs are namespaced: a library quiz (no course) by its slug among library quizzes, a course's own
    quiz by (course, slug). Two courses may each have a quiz `x`, so importing one never tells a
    course anything about the slugs of another; lookups take the course's own quiz first."""

    __tablename__ = "quiz"
    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        # NULLs are distinct in a unique constraint: library slugs need their own (partial) index.
        Index("uq_quiz_library_slug", "slug", unique=True,
              sqlite_where=text("course_id IS NULL"), postgresql_where=text("course_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(128))
    topic: Mapped[str] = mapped_column(String(32), index=True)
    # "library" for the built-in files under quizzes/, "import" for files an administrator imported.
    origin: Mapped[str] = mapped_column(String(16), default="library")
    latest_version: Mapped[int] = mapped_column(Integer, default=0)
    # A quiz an instructor imported belongs to that course only; library quizzes to everyone.
    course_id: Mapped[int | None] = mapped_column(ForeignKey("lti_course.id", ondelete="CASCADE"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[QuizVersion]] = relationship(back_populates="quiz", order_by="QuizVersion.number")


class QuizVersion(db.Model):
    __tablename__ = "quiz_version"
    __table_args__ = (UniqueConstraint("quiz_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    # The validated quiz as JSON (the file format's data model); immutable once written. Deferred:
    # pages use the parsed quiz cached by id and hash (library.services), so loading a version
    # does not read and decode tens of kilobytes each time; reading `.content` loads it.
    content: Mapped[dict] = mapped_column(JSON, deferred=True)
    title_de: Mapped[str] = mapped_column(String(512))
    title_en: Mapped[str] = mapped_column(String(512))
    question_count: Mapped[int] = mapped_column(Integer)
    source_path: Mapped[str] = mapped_column(String(1024), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    quiz: Mapped[Quiz] = relationship(back_populates="versions")
