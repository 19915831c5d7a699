"""Security bar: one bad row never stops a loop that serves everyone else. An overdue attempt the
deadline sweep cannot submit was tried again every sweep, first in line (oldest deadline), and
never marked: 200 of them filled every batch and no other student's attempt was ever submitted."""
import logging
from datetime import timedelta

from sqlalchemy import select

from lms_module.attempts import policy, services
from lms_module.attempts.models import IN_PROGRESS, Attempt
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.worker import Worker
from support.apps import attempt_row, set_attempt, started_attempt_id
from support.broken_plans import with_ghost, without_ghost
from support.submit_log import submit_tries_logged



def _poison_copies(app, public_id, count, deadline):
    """`count` overdue attempts like `public_id` (same student and link, later numbers) whose plan
    names a question the quiz does not have. Returns their ids."""
    with app.app_context():
        good = db.session.scalars(select(Attempt).where(Attempt.public_id == public_id)).one()
        bad = [
            Attempt(public_id=f"poisoned{number:05d}", resource_link_id=good.resource_link_id, user_id=good.user_id,
                    quiz_version_id=good.quiz_version_id, number=number, seed=number, plan=with_ghost(good.plan),
                    settings=good.settings, status=IN_PROGRESS, started_at=good.started_at, deadline_at=deadline)
            for number in range(2, count + 2)
        ]
        db.session.add_all(bad)
        db.session.commit()
        return [a.id for a in bad]


def test_two_hundred_bad_attempts_do_not_stop_a_good_one_in_the_same_tick(app, student, start):
    now = utcnow()
    good = started_attempt_id(start(student))
    set_attempt(app, good, deadline_at=now - timedelta(minutes=5))
    bad = _poison_copies(app, good, 210, deadline=now - timedelta(hours=3))  # all before the good one

    report = Worker(app, worker_id="sweeper", rosters=False).run_once(now)

    assert report.swept == 1
    assert attempt_row(app, good).status != IN_PROGRESS
    with app.app_context():
        rows = db.session.execute(select(Attempt.status, Attempt.sweep_failures, Attempt.sweep_retry_at,
                                         Attempt.unsubmittable_at).where(Attempt.id.in_(bad))).all()
    assert len(rows) == 210
    # Every bad one was tried once in that tick and now waits; none is marked yet.
    assert {(r.status, r.sweep_failures, r.sweep_retry_at, r.unsubmittable_at) for r in rows} == \
        {(IN_PROGRESS, 1, now + policy.sweep_retry_delay(1), None)}


def test_attempts_that_failed_before_wait_behind_those_that_never_failed(app, student, start):
    """Even in one batch of a given size, a due retry of a bad attempt comes after a fresh one."""
    now = utcnow()
    good = started_attempt_id(start(student))
    set_attempt(app, good, deadline_at=now - timedelta(minutes=5))
    bad = _poison_copies(app, good, 5, deadline=now - timedelta(hours=3))
    with app.app_context():
        for attempt in db.session.scalars(select(Attempt).where(Attempt.id.in_(bad))):
            attempt.sweep_failures, attempt.sweep_retry_at = 1, now - timedelta(seconds=1)  # due again
        db.session.commit()
        assert services.sweep_overdue(now, limit=1, max_batches=1) == 1
    assert attempt_row(app, good).status != IN_PROGRESS


def _tries_logged(caplog, attempt_id):
    """The numbers of the sweep's logged failed tries to submit the attempt."""
    return [n for n, by in submit_tries_logged(caplog, attempt_id) if by == "sweep"]


def test_a_bad_attempt_is_tried_again_with_backoff_then_marked_for_the_instructors(
        app, client, make_launch, student, start, caplog):
    caplog.set_level(logging.INFO, logger="kontor.attempts")
    t0 = utcnow()
    first = started_attempt_id(start(student))
    [bad] = _poison_copies(app, first, 1, deadline=t0 - timedelta(hours=1))
    set_attempt(app, first, deadline_at=None)  # the student's other attempt plays no part
    worker = Worker(app, worker_id="sweeper", rosters=False)  # sweeps every 30 seconds

    tried_at = {}
    for half_minutes in range(0, 2 * 16):  # a tick every 30 seconds for 16 minutes
        moment = t0 + timedelta(seconds=30 * half_minutes)
        before = len(_tries_logged(caplog, bad))
        worker.run_once(moment)
        tries = _tries_logged(caplog, bad)
        assert len(tries) - before in (0, 1)  # logged once per try, never per sweep
        if len(tries) > before:
            tried_at[tries[-1]] = half_minutes / 2
        with app.app_context():
            row = db.session.get(Attempt, bad)
            assert row.status == IN_PROGRESS and row.sweep_failures == len(tries)
            marked = row.unsubmittable_at
        assert (marked is not None) == (len(tries) >= policy.SWEEP_TRIES_BEFORE_MARK)

    # 1, 2, 4, 8 minutes apart instead of every sweep; marked at the fifth try.
    assert tried_at == {1: 0, 2: 1, 3: 3, 4: 7, 5: 15}
    assert marked == t0 + timedelta(minutes=15)
    logged = [r for r in caplog.records if r.getMessage().startswith(f"submitting attempt {bad} failed (try ")]
    assert all(", by the deadline sweep)" in r.getMessage() for r in logged)
    assert ["marked as not submittable" in r.getMessage() for r in logged] == [False] * 4 + [True]
    assert all(r.exc_info for r in logged)  # with the reason it failed

    # The instructors see it in the student's attempts, in their language.
    teacher_client = app.test_client()
    with app.app_context():
        user_id = db.session.get(Attempt, bad).user_id
    for locale, label, running in (("en", "Could not be submitted", "In progress"),
                                   ("de", "Konnte nicht abgegeben werden", "In Bearbeitung")):
        teacher = make_launch("instructor", quiz_slug="all-types", user_sub=f"teacher-{locale}", locale=locale,
                              test_client=teacher_client)
        attempts = teacher_client.get(f"/l/{teacher}/reports/students/{user_id}").get_data(as_text=True)
        assert attempts.count(f"<td>{label}</td>") == 1
        assert attempts.count(f"<td>{running}</td>") == 1  # the student's other attempt

    # The sweep keeps trying now and then: once the cause is gone (a fix deployed), it is submitted.
    with app.app_context():
        row = db.session.get(Attempt, bad)
        row.plan = without_ghost(row.plan)
        db.session.commit()
    later = t0 + timedelta(minutes=15) + policy.sweep_retry_delay(5)
    assert worker.run_once(later - timedelta(seconds=1)).swept == 0  # not yet due
    assert worker.run_once(later + timedelta(seconds=30)).swept == 1
    with app.app_context():
        assert db.session.get(Attempt, bad).shown_status != "unsubmittable"


def test_the_attempt_page_names_an_attempt_that_could_not_be_submitted(app, client, make_launch, student, start):
    attempt_id = started_attempt_id(start(student))
    teacher_client = app.test_client()
    teacher = make_launch("instructor", quiz_slug="all-types", user_sub="teacher", test_client=teacher_client)
    page = teacher_client.get(f"/l/{teacher}/reports/attempts/{attempt_id}").get_data(as_text=True)
    assert "<dd>In progress</dd>" in page
    set_attempt(app, attempt_id, deadline_at=utcnow() - timedelta(hours=1), sweep_failures=5,
         unsubmittable_at=utcnow())  # as the sweep leaves an attempt it could not submit (above)
    page = teacher_client.get(f"/l/{teacher}/reports/attempts/{attempt_id}").get_data(as_text=True)
    assert "<dd>Could not be submitted</dd>" in page
