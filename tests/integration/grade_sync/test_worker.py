"""How the worker runs: a thread per web process, `flask worker` until SIGTERM, `--once`; and the
attempts sweep it runs."""
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from lms_module.attempts import services
from lms_module.attempts.models import SUBMITTED, Attempt
from lms_module.config import ConfigError
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.library.services import import_path
from lms_module.courses.models import LaunchSession, ResourceLink
from support.apps import empty_all_tables, make_app
from support.kontor_live import start_live
from support.live_server import LiveServer

from grade_sync.rig import FIXTURES, Rig

ROOT = Path(__file__).resolve().parents[3]


def test_an_unknown_worker_mode_is_a_configuration_error(database_url, tmp_path):
    with pytest.raises(ConfigError, match="KONTOR_WORKER"):
        make_app(database_url, tmp_path, KONTOR_WORKER="sometimes")


def test_thread_mode_starts_one_worker_thread_with_the_first_request(database_url, tmp_path):
    app = make_app(database_url, tmp_path, KONTOR_WORKER="thread", KONTOR_WORKER_POLL_SECONDS=1)
    starter = app.extensions["kontor_worker_starter"]
    assert starter.worker is None  # nothing runs before the process serves a request
    client = app.test_client()
    try:
        assert client.get("/healthz").status_code == 200
        assert client.get("/healthz").status_code == 200
        threads = [t for t in threading.enumerate() if t.name == "kontor-worker" and t.is_alive()]
        assert starter.worker is not None and len(threads) >= 1
        first = starter.worker
        client.get("/healthz")
        assert starter.worker is first
    finally:
        if starter.worker is not None:
            starter.worker.stop()
        for thread in [t for t in threading.enumerate() if t.name == "kontor-worker"]:
            thread.join(5)
        empty_all_tables(app)  # the thread claimed the periodic jobs: the next test's sweep is due
        _dispose(app)


def test_external_and_off_modes_start_no_thread(database_url, tmp_path):
    for mode in ("external", "off"):
        app = make_app(database_url, tmp_path, KONTOR_WORKER=mode)
        assert "kontor_worker_starter" not in app.extensions
        assert "worker" in app.cli.commands
        _dispose(app)


def _dispose(app):
    with app.app_context():
        db.engine.dispose()


def _overdue_attempt(app, make_launch):
    with app.app_context():
        assert import_path(FIXTURES, origin="import").ok
        db.session.commit()
    launch_id = make_launch("student", quiz_slug="gs-four-checks", user_sub="sam")
    with app.app_context():
        launch = db.session.get(LaunchSession, launch_id)
        link = db.session.get(ResourceLink, launch.resource_link_id)
        attempt = services.start_attempt(link, launch.user_id, utcnow() - timedelta(hours=2))
        attempt.deadline_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        return attempt.id


def test_worker_once_sweeps_overdue_attempts(app, runner, make_launch):
    attempt_id = _overdue_attempt(app, make_launch)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "swept 1" in result.output
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).status == SUBMITTED


def test_flask_worker_runs_until_sigterm(app, database_url, tmp_path, make_launch):
    attempt_id = _overdue_attempt(app, make_launch)
    env = {**os.environ, "DATABASE_URL": database_url, "KONTOR_ENV": "development", "INSTANCE_PATH": str(tmp_path),
           "SECRET_KEY": "test", "KONTOR_WORKER": "external", "KONTOR_WORKER_POLL_SECONDS": "1"}
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert "running" in process.stdout.readline()
        deadline = utcnow() + timedelta(seconds=20)
        while utcnow() < deadline:
            with app.app_context():
                status = db.session.scalar(select(Attempt.status).where(Attempt.id == attempt_id))
                db.session.remove()
            if status == SUBMITTED:
                break
            threading.Event().wait(0.1)
        assert status == SUBMITTED
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "stopped" in output


def test_in_thread_mode_a_submission_reaches_the_gradebook_by_itself(database_url, tmp_path):
    """The default deployment: no separate worker; the web process's own thread delivers."""
    server = LiveServer()
    live = start_live(lambda base_url: make_app(database_url, tmp_path, KONTOR_DEMO_LMS=True,
                                                KONTOR_DEMO_BASE_URL=base_url, KONTOR_WORKER="thread"), server)
    try:
        rig = Rig(live)
        rig.use_quiz("gs-four-checks")
        sam = rig.launch("4")  # the first request starts the process's worker thread
        rig.attempt(sam, correct=3)
        deadline = utcnow() + timedelta(seconds=15)
        while utcnow() < deadline and rig.lms.grade("4") is None:
            threading.Event().wait(0.1)
        assert rig.lms.grade("4") is not None and rig.lms.grade("4").raw_grade == 75.0
    finally:
        starter = live.app.extensions["kontor_worker_starter"]
        if starter.worker is not None:
            starter.worker.stop()
        for thread in [t for t in threading.enumerate() if t.name == "kontor-worker"]:
            thread.join(5)
        server.stop()
        empty_all_tables(live.app)
