from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime
from ..extensions import db


class RosterRefresh(db.Model):
    """A wish for a fresher course roster, claimed by one worker of any process at a time (like a
    grade in the outbox), so several web processes looking at one course cost one NRPS fetch."""

    __tablename__ = "roster_refresh"

    course_id: Mapped[int] = mapped_column(ForeignKey("lti_course.id", ondelete="CASCADE"), primary_key=True)
    # Wanted: a roster read after this moment. Satisfied once Course.roster_synced_at is later.
    wanted_after: Mapped[datetime] = mapped_column(UTCDateTime)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # backoff after a failure
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
