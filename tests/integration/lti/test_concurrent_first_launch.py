"""A class starting an exam together: first launches of a new course arrive in the same second.

Each launch looks for the course (and its link, user, membership), finds none yet and inserts it;
every launch but the first hit the unique constraint and got a 500 page (found by bench/journey.py:
3 of 5 students at once). The race is made certain here: another transaction has inserted the course
and commits only once Kontor's launch waits on the unique index (PostgreSQL row locking). It watches
for that wait instead of committing after a fixed time: a launch is several requests, and on a loaded
machine it reached the insert after the other transaction had committed, found the course and never
raced."""
from __future__ import annotations

import threading
import time

import psycopg
import pytest
from sqlalchemy import func, select

from lms_module.courses.models import Course, LaunchSession, Membership, ResourceLink
from lms_module.extensions import db
from lms_module.lti.models import Platform
from support.databases import backend

pytestmark = pytest.mark.skipif(backend() != "postgresql", reason="needs PostgreSQL's waiting on a unique index")


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


class OtherLaunch(threading.Thread):
    """The other student's launch: inserts a row, holds its transaction open until another session
    (Kontor's launch) waits on that row, then commits. `raced` says whether that wait happened."""

    def __init__(self, url: str, table: str, values: dict) -> None:
        super().__init__(name="other-launch")
        self.url, self.table, self.values = _libpq(url), table, values
        self.inserted = threading.Event()
        self.raced = False

    def run(self) -> None:
        with psycopg.connect(self.url) as conn, psycopg.connect(self.url, autocommit=True) as watcher:
            columns = ", ".join(self.values)
            marks = ", ".join(["%s"] * len(self.values))
            conn.execute(f"INSERT INTO {self.table} ({columns}) VALUES ({marks})", list(self.values.values()))
            mine = conn.info.backend_pid
            self.inserted.set()
            deadline = time.monotonic() + 60  # a launch that never comes fails on `raced`, not by hanging
            while time.monotonic() < deadline and not self.raced:
                self.raced = watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [mine]
                ).fetchone()[0] > 0
                time.sleep(0.02)
            conn.commit()


def test_a_launch_that_loses_the_race_for_a_new_course_goes_on_with_the_winners_course(live):
    app = live.app
    with app.app_context():
        platform = db.session.scalars(select(Platform)).one()
        url = str(db.engine.url.render_as_string(hide_password=False))
    # The "other student's" launch: the course row inserted, its transaction still open.
    other = OtherLaunch(url, Course.__tablename__, {"platform_id": platform.id, "deployment_id": "1", "context_id": "2",
                                                   "label": "LTIRIG101", "title": "LTI Rig Course"})
    other.start()
    assert other.inserted.wait(10)
    with live.browser() as browser:
        page = live.launch(browser, user="4")
    other.join(10)

    assert other.raced, "Kontor's launch never waited on the other transaction's course"
    assert page.status_code == 200, page.text[:500]
    assert "/l/" in page.url
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Course)) == 1
        [launch] = db.session.scalars(select(LaunchSession)).all()
        course = db.session.scalars(select(Course)).one()
        assert launch.course_id == course.id
        assert db.session.scalar(select(func.count()).select_from(Membership).where(Membership.course_id == course.id)) == 1
        assert db.session.scalars(select(ResourceLink)).one().course_id == course.id


def test_a_launch_that_loses_the_race_for_a_new_link_goes_on_with_the_winners_link(live):
    app = live.app
    with live.browser() as browser:  # the course exists (a first launch); the new activity's link does not
        assert live.launch(browser, user="4").status_code == 200
    activity = live.lms.add_activity("New exam", {"quiz": "accuracy-exam"})
    with app.app_context():
        course = db.session.scalars(select(Course)).one()
        url = str(db.engine.url.render_as_string(hide_password=False))
    other = OtherLaunch(url, ResourceLink.__tablename__, {"platform_id": course.platform_id, "deployment_id": "1",
                                                         "link_id": str(activity.instance_id), "course_id": course.id,
                                                         "title": "New exam", "custom": "{}", "ags_scopes": "[]"})
    other.start()
    assert other.inserted.wait(10)
    with live.browser() as browser:
        page = live.launch(browser, user="5", activity=activity.cmid)
    other.join(10)

    assert other.raced, "Kontor's launch never waited on the other transaction's link"
    assert page.status_code == 200, page.text[:500]
    with app.app_context():
        links = db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == str(activity.instance_id))).all()
        assert len(links) == 1
        assert db.session.scalars(select(LaunchSession).order_by(LaunchSession.created_at.desc())).first() \
            .resource_link_id == links[0].id
