"""A class starting an exam together: first launches of a new course arrive in the same second.

Each launch looks for the course (and its link, user, membership), finds none yet and inserts it;
every launch but the first hit the unique constraint and got a 500 page (found by bench/journey.py:
3 of 5 students at once). The race is made certain here: another transaction has inserted the course
and commits only while Kontor's launch waits on the unique index (PostgreSQL row locking)."""
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


def _insert_and_commit_later(url: str, table: str, values: dict, ready: threading.Event, delay: float) -> None:
    with psycopg.connect(_libpq(url)) as conn:
        columns = ", ".join(values)
        marks = ", ".join(["%s"] * len(values))
        conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values()))
        ready.set()
        time.sleep(delay)
        conn.commit()


def test_a_launch_that_loses_the_race_for_a_new_course_goes_on_with_the_winners_course(live):
    app = live.app
    with app.app_context():
        platform = db.session.scalars(select(Platform)).one()
        url = str(db.engine.url.render_as_string(hide_password=False))
    # The "other student's" launch: the course row inserted, its transaction still open.
    ready = threading.Event()
    other = threading.Thread(target=_insert_and_commit_later, args=(
        url, Course.__tablename__, {"platform_id": platform.id, "deployment_id": "1", "context_id": "2",
                                    "label": "LTIRIG101", "title": "LTI Rig Course"}, ready, 1.5))
    other.start()
    assert ready.wait(10)
    with live.browser() as browser:
        page = live.launch(browser, user="4")
    other.join(10)

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
    ready = threading.Event()
    other = threading.Thread(target=_insert_and_commit_later, args=(
        url, ResourceLink.__tablename__, {"platform_id": course.platform_id, "deployment_id": "1",
                                          "link_id": str(activity.instance_id), "course_id": course.id,
                                          "title": "New exam", "custom": "{}", "ags_scopes": "[]"}, ready, 1.5))
    other.start()
    assert ready.wait(10)
    with live.browser() as browser:
        page = live.launch(browser, user="5", activity=activity.cmid)
    other.join(10)

    assert page.status_code == 200, page.text[:500]
    with app.app_context():
        links = db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == str(activity.instance_id))).all()
        assert len(links) == 1
        assert db.session.scalars(select(LaunchSession).order_by(LaunchSession.created_at.desc())).first() \
            .resource_link_id == links[0].id
