"""Course rosters from the emulated Moodle's NRPS service, refreshed by the worker only."""
import threading
import time
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import and_, select, text

from lms_module.attempts.models import Attempt
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.courses.models import Course, LaunchSession, Membership, User
from lms_module.lti.services_clients import CallLimits
from lms_module.roster import RosterSettings, refresh_due, refresh_if_stale
from lms_module.worker import Worker
from support.databases import backend

SMALL_PAGES = RosterSettings(page_size=3)


def _course_id(rig, launch_id):
    with rig.app.app_context():
        return db.session.get(LaunchSession, launch_id).course_id


def _members(rig, course_id):
    with rig.app.app_context():
        rows = db.session.execute(
            select(User.subject, User.name, User.email, Membership.role, Membership.status)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.course_id == course_id)
        ).all()
        return {r.subject: r for r in rows}


def _refresh(rig, now=None, settings=SMALL_PAGES):
    with rig.app.app_context():
        try:
            return refresh_due(now, settings=settings)
        finally:
            db.session.remove()


def test_the_worker_reads_every_page_and_stores_names_roles_and_status(rig):
    rig.lms.add_members(4)  # 4 seeded people + 4 = 8 members: pages of 3, 3 and 2
    course_id = _course_id(rig, rig.launch("3").launch_id)  # an instructor opened the course
    [result] = _refresh(rig)
    assert result.members == 8 and result.new_users == 7
    assert rig.lms.request_counts["nrps"] == 3
    members = _members(rig, course_id)
    assert len(members) == 8
    assert members["3"].role == "instructor"  # NRPS says "Instructor", a short name
    assert members["5"].role == "student" and members["5"].name == "Sara Second"
    assert members["5"].email == "student2@example.com"
    assert {m.status for m in members.values()} == {"active"}
    with rig.app.app_context():
        assert db.session.get(Course, course_id).roster_synced_at is not None


def test_learners_who_left_are_inactive_not_deleted(rig):
    rig.use_quiz("gs-four-checks")
    sam = rig.launch("4")
    course_id = _course_id(rig, rig.launch("3").launch_id)
    attempt_id = rig.attempt(sam, correct=2)
    _refresh(rig)
    with rig.lms.lock:
        del rig.lms.users["4"]  # unenrolled: Moodle no longer lists Sam
    rig.lms.set_member_status("5", "Inactive")
    [result] = _refresh(rig, utcnow() + timedelta(minutes=11))
    members = _members(rig, course_id)
    assert members["4"].status == "inactive" and members["5"].status == "inactive"
    assert members["6"].status == "active"
    assert result.inactive == 2
    with rig.app.app_context():
        assert db.session.scalar(select(User.id).where(User.subject == "4")) == sam.user_id
        assert db.session.get(Attempt, attempt_id).user_id == sam.user_id


def test_a_report_page_only_wishes_for_a_refresh_and_the_worker_does_it(rig):
    sam = rig.launch("4")  # a student launch alone does not make the course due
    course_id = _course_id(rig, sam.launch_id)
    assert _refresh(rig) == []
    with rig.app.test_request_context():
        status = refresh_if_stale(course_id, timedelta(minutes=5))
        db.session.commit()  # as the report page does: the wish is a row every process's workers see
    assert status.available and status.stale and status.refresh_requested and status.synced_at is None
    assert rig.lms.request_counts.get("nrps", 0) == 0  # nothing was fetched for the page
    worker = Worker(rig.app, worker_id="roster-test")
    report = worker.run_once()
    assert [r.course_id for r in report.rosters] == [course_id]
    assert rig.lms.request_counts["nrps"] == 1
    with rig.app.test_request_context():
        again = refresh_if_stale(course_id, timedelta(minutes=5))
    assert not again.stale and again.synced_at is not None
    assert worker.run_once().rosters == []


def test_a_fresh_roster_is_not_read_again_until_it_is_old(rig):
    rig.launch("3")
    assert len(_refresh(rig)) == 1
    assert _refresh(rig) == []
    assert len(_refresh(rig, utcnow() + timedelta(minutes=11))) == 1


def test_garbage_from_the_lms_changes_nothing_and_is_tried_again_later(rig):
    course_id = _course_id(rig, rig.launch("3").launch_id)
    rig.lms.inject_failure("nrps", 200, times=1, body="<html>maintenance</html>")
    now = utcnow()
    assert _refresh(rig, now) == []
    assert set(_members(rig, course_id)) == {"3"}  # only the launch's own membership
    assert _refresh(rig, now) == []  # backing off: the LMS is not asked again at once
    assert rig.lms.request_counts["nrps"] == 1
    [result] = _refresh(rig, now + timedelta(minutes=15))
    assert result.members == 4


def test_a_huge_page_is_not_read(rig):
    course_id = _course_id(rig, rig.launch("3").launch_id)
    rig.lms.inject_failure("nrps", 200, times=1, body={"members": [{"user_id": str(n)} for n in range(5000)]})
    settings = RosterSettings(page_size=3, limits=CallLimits(max_bytes=20_000))
    assert _refresh(rig, settings=settings) == []
    assert set(_members(rig, course_id)) == {"3"}


def test_what_the_lms_does_not_share_is_kept(rig):
    rig.launch("4")
    rig.launch("3")
    with rig.lms.lock:
        rig.lms.users["4"].email = ""  # Moodle stopped sharing e-mail addresses
    _refresh(rig)
    with rig.app.app_context():
        assert db.session.scalar(select(User.email).where(User.subject == "4")) == "student1@example.com"


# --- found with the real Moodle (issue 10) -----------------------------------------------------------


def test_two_workers_of_two_processes_fetch_a_roster_once(rig):
    """Every gunicorn process had its own list of rosters to refresh, so each fetched the same
    roster. Refreshes are claimed in the database now: one NRPS fetch per course."""
    import threading

    rig.launch("3")  # an instructor opened the course: its roster is due for every worker
    rig.lms.delay("nrps", 0.5)  # both workers are busy at the same moment
    workers = [Worker(rig.app, worker_id=f"process-{n}") for n in (1, 2)]
    reports = [None, None]

    def run(index):
        reports[index] = workers[index].run_once()

    threads = [threading.Thread(target=run, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert rig.lms.request_counts["nrps"] == 1
    assert sorted(len(r.rosters) for r in reports) == [0, 1]


PAUSE_LOCK = 0x4B4F5254  # an advisory lock key of this test only


@pytest.mark.skipif(backend() != "postgresql",
                    reason="PostgreSQL's recheck of a row locked after the statement's snapshot")
def test_a_worker_whose_claim_began_before_another_refresh_does_not_fetch_again(rig, monkeypatch, database_url):
    """Under heavy load two workers fetched one roster twice. The late worker's claim (SELECT …
    FOR UPDATE SKIP LOCKED) took its snapshot, then stalled while the other worker claimed,
    fetched, stored and released the course; when it locked the row, PostgreSQL rechecked the
    row's new version (released) with the course as the snapshot saw it (never read), so the late
    worker claimed and fetched again. The stall is made certain here: the late worker's claim
    statement waits for an advisory lock the test holds, after its snapshot, before it locks."""
    from lms_module.roster import sync

    rig.launch("3")
    with rig.app.app_context():
        sync.wish_for_stale_courses(utcnow(), RosterSettings())
    claimable = sync._claimable

    def stalling(now):
        if threading.current_thread().name != "late-worker":
            return claimable(now)
        return and_(claimable(now), text(f"pg_advisory_xact_lock_shared({PAUSE_LOCK}) IS NOT NULL"))

    monkeypatch.setattr(sync, "_claimable", stalling)
    claimed = {}

    def late_worker():
        with rig.app.app_context():
            try:
                claimed["late"] = sync.due_courses(utcnow(), RosterSettings(), "late-worker")
            finally:
                db.session.remove()

    with psycopg.connect(database_url, autocommit=True) as pause:
        pause.execute("SELECT pg_advisory_lock(%s)", (PAUSE_LOCK,))
        late = threading.Thread(target=late_worker, name="late-worker")
        late.start()
        deadline = time.monotonic() + 20
        while not pause.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                                "AND objid = %s", (PAUSE_LOCK,)).fetchone()[0]:
            assert time.monotonic() < deadline, "the late worker's claim never reached the pause"
            time.sleep(0.01)
        first = _refresh(rig, settings=RosterSettings())  # a whole refresh while the late claim stalls
        pause.execute("SELECT pg_advisory_unlock(%s)", (PAUSE_LOCK,))
        late.join(20)
    assert len(first) == 1
    assert claimed == {"late": []}
    assert rig.lms.request_counts["nrps"] == 1


def test_two_workers_scan_for_stale_rosters_once_per_period(rig, monkeypatch):
    """Every worker of every process scanned all courses for stale rosters at every tick (each
    second, or whenever woken). The scan is a periodic job claimed through the database now: N
    processes scan once a minute together, and what it wishes for is still fetched once."""
    import threading
    import time

    from lms_module.roster import sync

    scans = []
    real_scan = sync.wish_for_stale_courses

    def counted_scan(now, settings):
        scans.append(now)
        time.sleep(0.2)  # the workers overlap
        return real_scan(now, settings)

    monkeypatch.setattr(sync, "wish_for_stale_courses", counted_scan)

    def tick_together(workers, now):
        barrier = threading.Barrier(len(workers))
        reports = {}

        def tick(worker):
            barrier.wait(10)
            reports[worker.id] = worker.run_once(now)

        threads = [threading.Thread(target=tick, args=(w,)) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert len(reports) == len(workers)
        return reports

    course_id = _course_id(rig, rig.launch("3").launch_id)  # an instructor: the course is due by age
    now = utcnow()
    workers = [Worker(rig.app, worker_id=f"process-{n}") for n in (1, 2)]
    reports = tick_together(workers, now)
    assert scans == [now]
    assert rig.lms.request_counts["nrps"] == 1  # the scan's wish, fetched by one of them
    assert sorted(r.course_id for report in reports.values() for r in report.rosters) == [course_id]

    for seconds in (1, 2, 30, 59):  # ticks within the minute, also of fresh processes
        tick_together([*workers, Worker(rig.app, worker_id=f"fresh-{seconds}")], now + timedelta(seconds=seconds))
    assert scans == [now]
    tick_together(workers, now + timedelta(seconds=61))
    assert scans == [now, now + timedelta(seconds=61)]
    assert rig.lms.request_counts["nrps"] == 1  # the roster is fresh: the scan wished for nothing
    with rig.app.app_context():
        from lms_module.worker import PeriodicJob

        job = db.session.get(PeriodicJob, "roster_scan")
        assert job.claimed_by is None and job.next_run_at == now + timedelta(seconds=121)


def test_a_wish_from_one_process_is_seen_by_the_workers_of_another(rig):
    course_id = _course_id(rig, rig.launch("4").launch_id)  # a student only: nothing is due by age
    with rig.app.test_request_context():
        refresh_if_stale(course_id, timedelta(minutes=5))
        db.session.commit()
    with rig.app.app_context():
        from lms_module.roster.models import RosterRefresh

        assert db.session.get(RosterRefresh, course_id) is not None  # in the database, not the process
    assert [r.course_id for r in Worker(rig.app, worker_id="elsewhere").run_once().rosters] == [course_id]
    assert rig.lms.request_counts["nrps"] == 1


def test_the_first_gradebook_page_of_a_course_lists_students_who_never_launched(rig):
    """The first instructor visit showed only the students who had launched ("1 of 1") while the
    NRPS roster arrived a second later: a course without a roster gets it before the page."""
    rig.use_quiz("gs-four-checks")
    rig.launch("4")
    with rig.live.browser() as browser:
        browser.session.headers["Accept-Language"] = "en"
        page = rig.live.launch(browser, user="3", locale="en")
        launch_id = page.url.split("/l/")[1].split("/")[0]
        book = browser.session.get(f"{rig.live.url}/l/{launch_id}/reports/")
    assert book.status_code == 200
    assert "Sara Second" in book.text  # in the LMS's course, never launched
    assert "still loading" not in book.text and 'http-equiv="refresh"' not in book.text
    assert rig.lms.request_counts["nrps"] == 1


def test_a_slow_lms_leaves_the_first_page_loading_and_the_worker_finishes(rig):
    rig.use_quiz("gs-four-checks")
    rig.lms.delay("nrps", 4.0)  # longer than the page may wait
    with rig.live.browser() as browser:
        browser.session.headers["Accept-Language"] = "en"
        page = rig.live.launch(browser, user="3", locale="en")
        launch_id = page.url.split("/l/")[1].split("/")[0]
        book = browser.session.get(f"{rig.live.url}/l/{launch_id}/reports/")
        assert book.status_code == 200 and book.elapsed.total_seconds() < 6
        assert 'http-equiv="refresh"' in book.text and "still loading" in book.text
        rig.lms.delay("nrps", 0.0)
        assert len(Worker(rig.app, worker_id="after-the-page").run_once().rosters) == 1
        again = browser.session.get(f"{rig.live.url}/l/{launch_id}/reports/")
    assert "Sara Second" in again.text and 'http-equiv="refresh"' not in again.text
