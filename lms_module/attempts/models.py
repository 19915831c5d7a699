from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, and_, case
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import UTCDateTime, utcnow
from ..extensions import db

IN_PROGRESS = "in_progress"
SUBMITTING = "submitting"
SUBMITTED = "submitted"  # graded completely
AWAITING_GRADING = "awaiting_grading"  # an essay waits for the instructor
# Not stored: how Attempt.shown_status names an in-progress attempt marked unsubmittable_at.
UNSUBMITTABLE = "unsubmittable"


class LinkSettings(db.Model):
    """An instructor's overrides of the quiz file's settings for one activity (resource link)."""

    __tablename__ = "link_settings"

    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("lti_resource_link.id", ondelete="CASCADE"), primary_key=True
    )
    overrides: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"), nullable=True)


class Attempt(db.Model):
    __tablename__ = "attempt"
    __table_args__ = (UniqueConstraint("resource_link_id", "user_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # What URLs carry: random, so that attempt ids cannot be guessed or enumerated.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    resource_link_id: Mapped[int] = mapped_column(ForeignKey("lti_resource_link.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"), index=True)
    quiz_version_id: Mapped[int] = mapped_column(ForeignKey("quiz_version.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(BigInteger)
    # The questions in their order with their per-attempt layouts, fixed at the start by the seed.
    plan: Mapped[list] = mapped_column(JSON)
    # The effective settings at the start (file settings with the instructor's overrides).
    settings: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=IN_PROGRESS, index=True)
    is_preview: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    marks: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_marks: Mapped[float] = mapped_column(Float, default=0.0)
    fraction: Mapped[float | None] = mapped_column(Float, nullable=True)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # The deadline sweep's failed tries to submit this overdue attempt: it waits until
    # sweep_retry_at (a growing backoff, attempts.policy.sweep_retry_delay), so a bad row is not
    # retried every sweep ahead of the others; unsubmittable_at marks it for the instructors after
    # policy.SWEEP_TRIES_BEFORE_MARK tries (the sweep keeps trying, rarely).
    sweep_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sweep_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    unsubmittable_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    answers: Mapped[list[Answer]] = relationship(back_populates="attempt", cascade="all, delete-orphan")

    @hybrid_property
    def shown_status(self) -> str:
        """The status every page and export shows: an overdue attempt that could not be submitted
        is UNSUBMITTABLE (still in progress in the database, so a later try may finish it). The
        words: web.template_helpers.ATTEMPT_STATUS_LABELS (instructors), STUDENT_ATTEMPT_STATUS_LABELS."""
        if self.status == IN_PROGRESS and self.unsubmittable_at is not None:
            return UNSUBMITTABLE
        return self.status

    @shown_status.inplace.expression
    @classmethod
    def _shown_status_sql(cls):
        """The same rule in SQL, for the reports' queries and exports."""
        return case((and_(cls.status == IN_PROGRESS, cls.unsubmittable_at.is_not(None)), UNSUBMITTABLE),
                    else_=cls.status)


class Answer(db.Model):
    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict] = mapped_column(JSON, default=dict)
    # When the student gave this answer (as the browser says, clamped to the server's view); a save
    # that arrives later but was given earlier (an offline queue replaying) does not overwrite it.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    checks: Mapped[int] = mapped_column(Integer, default=0)  # practice mode: how often checked
    marks: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_marks: Mapped[float] = mapped_column(Float, default=0.0)
    needs_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    manual_marks: Mapped[float | None] = mapped_column(Float, nullable=True)
    manual_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    graded_by: Mapped[int | None] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"), nullable=True)
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    attempt: Mapped[Attempt] = relationship(back_populates="answers")


class Accommodation(db.Model):
    """Per-student adjustments for one activity: extra attempts, extra time, a later close date."""

    __tablename__ = "accommodation"
    __table_args__ = (UniqueConstraint("resource_link_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(ForeignKey("lti_resource_link.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    extra_attempts: Mapped[int] = mapped_column(Integer, default=0)
    extra_minutes: Mapped[int] = mapped_column(Integer, default=0)
    close_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class StartLock(db.Model):
    """One row per student and activity that starting an attempt locks first. Counting the attempts
    and inserting the new one happen under that lock, so parallel starts cannot all see one attempt
    left. The row holds nothing else; it is created by the first start."""

    __tablename__ = "attempt_start_lock"

    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("lti_resource_link.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"), primary_key=True, index=True)
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MarkChange(db.Model):
    """Every manual grade and every override of a question's mark: who, when, from what to what."""

    __tablename__ = "mark_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answer.id", ondelete="CASCADE"), index=True)
    previous_marks: Mapped[float | None] = mapped_column(Float, nullable=True)
    new_marks: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"), nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
