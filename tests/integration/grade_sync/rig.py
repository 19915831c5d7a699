"""Kontor and the demo LMS, with students who take quizzes and a worker the test drives.

    rig.use_quiz("gs-four-checks")
    sam = rig.launch("4")                 # the whole OIDC launch through the emulator
    rig.attempt(sam, correct=3)           # start, answer 3 of 4 right, submit (queues the grade)
    rig.deliver()                         # the worker's delivery step, against the emulator
    rig.lms.grade("4").raw_grade          # what Moodle's gradebook holds
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from lms_module.attempts import services
from lms_module.attempts.models import Answer, Attempt
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.grade_sync.delivery import DeliveryReport, DeliverySettings, deliver_due
from lms_module.grade_sync.grades import PlannedGrade
from lms_module.grade_sync.models import PENDING, GradeOutbox
from lms_module.grade_sync.outbox import queue_score
from lms_module.library.services import import_path
from lms_module.courses.models import LaunchSession, ResourceLink, User
from support.apps import set_link_overrides

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass(frozen=True)
class Student:
    subject: str
    user_id: int
    link_id: int
    launch_id: str
    role: str = "student"


class Rig:
    def __init__(self, live) -> None:
        self.live = live
        self.app = live.app
        self.lms = live.lms
        with self.app.app_context():
            report = import_path(FIXTURES, origin="import")
            assert report.ok, report.errors
            db.session.commit()

    # --- the LMS side -------------------------------------------------------------------------------

    def use_quiz(self, slug: str, activity: int = 2) -> None:
        self.lms.set_custom_parameters(activity, {"quiz": slug})

    def launch(self, subject: str = "4", activity: int = 2) -> Student:
        with self.live.browser() as browser:
            page = self.live.launch(browser, user=subject, activity=activity, locale="en")
        assert page.status_code == 200, page.text[:500]
        with self.app.app_context():
            # The emulator's member id; Canvas's sub is another value (a UUID) for the same person.
            user = db.session.scalars(select(User).where(User.subject == self.lms.subject(subject))).one()
            launch = db.session.scalars(
                select(LaunchSession).where(LaunchSession.user_id == user.id).order_by(LaunchSession.created_at.desc())
            ).first()
            return Student(subject, user.id, launch.resource_link_id, launch.id, launch.role)

    def scores_for(self, subject: str) -> list:
        with self.lms.lock:
            sub = self.lms.subject(subject)
            return [s for s in self.lms.received_scores if isinstance(s.json, dict) and s.json.get("userId") == sub]

    # --- Kontor side ------------------------------------------------------------------------------------

    def queue_scores(self, members, link_id: int, marks=lambda index: 1.0, now: datetime | None = None
                     ) -> list[tuple[int, GradeOutbox]]:
        """A Kontor user for each LMS member (on student "4"'s platform) and one score out of 4 queued
        for each, `marks(index)` marks; flushed in the caller's app context, not committed.
        [(user id, outbox row)] in the members' order."""
        platform_id = db.session.scalar(select(User.platform_id).where(User.subject == "4"))
        queued = []
        for index, member in enumerate(members):
            user = User(platform_id=platform_id, subject=member.id)
            db.session.add(user)
            db.session.flush()
            grade = PlannedGrade(float(marks(index)), 4.0, "Completed", "FullyGraded", "", None)
            queued.append((user.id, queue_score(link_id, user.id, grade, now)))
        return queued

    def link_settings(self, link_id: int, **overrides) -> None:
        set_link_overrides(self.app, link_id, **overrides)

    def attempt(self, student: Student, correct: int, *, essay: str | None = None, now: datetime | None = None,
                submit: bool = True) -> int:
        """Start an attempt, answer the first `correct` true/false questions right and the rest
        wrong, write `essay` into the essay, and submit it. Returns the attempt's id."""
        now = now or utcnow()
        with self.app.app_context():
            link = db.session.get(ResourceLink, student.link_id)
            # As the attempt routes do: an instructor's attempt is a preview.
            attempt = services.start_attempt(link, student.user_id, now, is_preview=student.role == "instructor")
            content = services.content_for(attempt)
            form, ids, right = {}, [], 0
            for qid in services.planned_ids(attempt):
                question = content.question(qid)
                if question.type == "true_false":
                    form[f"q-{qid}"] = ["true" if right < correct else "false"]
                    right += 1
                elif essay is not None:
                    form[f"q-{qid}"] = [essay]
                else:
                    continue
                ids.append(qid)
            services.save_answers(attempt, form, ids, now)
            if submit:
                services.submit_attempt(attempt, now)
            db.session.commit()
            return attempt.id

    def grade_essay(self, attempt_id: int, marks: float, grader_id: int | None = None) -> None:
        """What the reports package does when an instructor grades an essay."""
        with self.app.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            for answer in db.session.scalars(select(Answer).where(Answer.attempt_id == attempt_id)):
                if answer.needs_manual:
                    answer.manual_marks = marks
                    answer.graded_by = grader_id
                    answer.graded_at = utcnow()
            services.regrade_attempt(attempt)
            db.session.commit()

    def deliver(self, now: datetime | None = None, settings: DeliverySettings | None = None,
                worker_id: str = "test-worker") -> DeliveryReport:
        with self.app.app_context():
            try:
                return deliver_due(now, worker_id=worker_id, settings=settings)
            finally:
                db.session.remove()

    def drain(self, rounds: int = 20, settings: DeliverySettings | None = None) -> DeliveryReport:
        """Deliver until nothing is pending, jumping the clock to each next due moment."""
        total = DeliveryReport()
        for _ in range(rounds):
            with self.app.app_context():
                due = db.session.scalar(select(db.func.min(GradeOutbox.next_attempt_at)).where(GradeOutbox.status == PENDING))
                db.session.remove()
            if due is None:
                break
            report = self.deliver(max(utcnow(), due), settings)
            for name in ("claimed", "sent", "retrying", "failed", "superseded", "waiting", "released"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
        return total

    def rows(self, student: Student | None = None) -> list[GradeOutbox]:
        with self.app.app_context():
            query = select(GradeOutbox).order_by(GradeOutbox.id)
            if student is not None:
                query = query.where(GradeOutbox.user_id == student.user_id, GradeOutbox.resource_link_id == student.link_id)
            rows = list(db.session.scalars(query))
            for row in rows:
                db.session.expunge(row)
            return rows

    def link(self, link_id: int) -> ResourceLink:
        with self.app.app_context():
            link = db.session.get(ResourceLink, link_id)
            db.session.expunge(link)
            return link


def later(seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=seconds)
