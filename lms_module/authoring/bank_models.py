"""An uploaded question bank file waiting for the instructor's confirmation.

The import page reads a file and shows what it would create; nothing enters the bank until the
instructor confirms. Between the two requests the file is kept here (the database, so that any
web process can take the confirmation), scoped to the course and the person who uploaded it, and
dropped on confirmation or after `PENDING_IMPORT_HOURS`.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db

PENDING_IMPORT_HOURS = 6


class PendingBankImport(db.Model):
    __tablename__ = "pending_bank_import"

    # A random token (secrets.token_urlsafe): the confirmation form names the upload by it.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lti_course.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2))
    topic: Mapped[str | None] = mapped_column(String(32), nullable=True)
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(db.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
