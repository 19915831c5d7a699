"""Kontor on more than one machine (issue 15): two web instances on different ports against one
PostgreSQL database, the demo LMS on its own server, and two `flask --app wsgi worker` processes.

A student launches on the first instance, continues the attempt on the second (as a load
balancer may send any request anywhere: the session is a signed cookie, every other state is in
the database) and submits through the first; the two worker processes deliver each grade once."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from lms_module.attempts.models import Attempt
from lms_module.courses.models import User
from lms_module.extensions import db
from lms_module.grade_sync.models import GradeOutbox
from lms_module.library.services import import_path
from support.answer_keys import planned_key_forms
from support.apps import csrf_from, empty_all_tables, make_app
from support.databases import backend
from support.form_browser import FormBrowser
from support.kontor_live import start_live
from support.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-secret-key-not-for-production"  # make_app's, shared by every instance

pytestmark = pytest.mark.skipif(
    backend() != "postgresql",
    reason="several processes on one database need PostgreSQL (SQLite is one file on one machine)")

QUIZ = """
slug: two-instances
title: {de: "Zwei Instanzen", en: "Two instances"}
topic: accuracy
settings: {mode: exam, attempts: 1, feedback: after_submit, shuffle_questions: false, layout: one_per_page}
questions:
  - {id: t1, type: true_false, text: {de: "Eins ist wahr.", en: "One is true."}, answer: true}
  - {id: t2, type: true_false, text: {de: "Zwei ist wahr.", en: "Two is true."}, answer: true}
"""


class Counting:
    """A WSGI wrapper that counts the requests one instance served."""

    def __init__(self, app) -> None:
        self.app, self.requests = app, 0

    def __call__(self, environ, start_response):
        self.requests += 1
        return self.app(environ, start_response)


@pytest.fixture
def two_instances(database_url, tmp_path):
    lms_server, first_server, second_server = LiveServer("localhost"), LiveServer(), LiveServer()
    first = start_live(
        lambda base_url, lms_url: make_app(database_url, tmp_path / "first", KONTOR_DEMO_LMS=True,
                                           KONTOR_DEMO_BASE_URL=base_url, KONTOR_DEMO_LMS_URL=lms_url),
        first_server, lms_server)
    second_app = make_app(database_url, tmp_path / "second")  # no demo LMS: a plain Kontor
    counters = Counting(first.app.wsgi_app), Counting(second_app)
    first.app.wsgi_app = counters[0]
    second_server.serve(counters[1])
    second_server.start()
    yield first, second_server.base_url, counters
    second_server.stop()
    lms_server.stop()
    first_server.stop()
    empty_all_tables(first.app)


def _workers(database_url, tmp_path, count=2):
    env = {**os.environ, "KONTOR_ENV": "test", "DATABASE_URL": database_url, "SECRET_KEY": SECRET,
           "INSTANCE_PATH": str(tmp_path / "workers"), "KONTOR_DEMO_LMS": "0", "KONTOR_WORKER": "external",
           "KONTOR_WORKER_POLL_SECONDS": "1"}
    flask = str(Path(sys.executable).with_name("flask"))
    return [subprocess.Popen([flask, "--app", "wsgi", "worker"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for _ in range(count)]


def _stop(processes) -> list[str]:
    outputs = []
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            out, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            out, _ = process.communicate()
        outputs.append(out)
    return outputs


def _take(kontor, second_url, subject, right):
    """Launch on the first instance, answer on the second, submit through the first."""
    with FormBrowser() as browser:
        browser.session.headers["Accept-Language"] = "en"
        start_page = kontor.launch(browser, user=subject, activity=2, locale="en")
        assert start_page.status_code == 200 and start_page.url.startswith(kontor.url), start_page.url
        # The load balancer sends the next request to the other machine: the same path there.
        moved = browser.get(second_url + start_page.url[len(kontor.url):])
        assert moved.status_code == 200, moved.text[:300]
        page = browser.submit(moved)  # start the attempt on the second instance
        assert page.url.startswith(second_url) and "/page/" in page.url, page.url
        with kontor.app.app_context():
            user_id = db.session.scalars(select(User.id).where(User.subject == subject)).one()
            attempt = db.session.scalars(select(Attempt).where(Attempt.user_id == user_id)).one()
            answers = {}
            for _, form in planned_key_forms(attempt):
                answers.update({k: (v if right or "t2" not in k else ["false"]) for k, v in form.items()})
            db.session.remove()
        while "/page/" in page.url:
            data = {"csrf_token": csrf_from(page.text), "go": "next",
                    **{k: v for k, v in answers.items() if f'name="{k}"' in page.text}}
            page = browser.post(page.url, data=data)
            assert page.status_code == 200 and page.url.startswith(second_url), page.url
        assert page.url.endswith("/summary")
        summary = browser.get(kontor.url + page.url[len(second_url):])  # back on the first instance
        result = browser.submit(summary, overrides={"csrf_token": csrf_from(summary.text)})
        assert result.status_code == 200 and result.url.startswith(kontor.url) and result.url.endswith("/result")


def test_launch_on_one_instance_continue_on_another_and_two_workers_deliver_each_grade_once(
        two_instances, database_url, tmp_path):
    kontor, second_url, (first_count, second_count) = two_instances
    (tmp_path / "quiz.yaml").write_text(QUIZ)
    with kontor.app.app_context():
        assert import_path(tmp_path / "quiz.yaml", origin="import").ok
        db.session.commit()
    kontor.lms.set_custom_parameters(2, {"quiz": "two-instances"})

    workers = _workers(database_url, tmp_path)
    try:
        _take(kontor, second_url, "4", right=True)
        _take(kontor, second_url, "5", right=False)
        assert first_count.requests > 0 and second_count.requests > 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (kontor.lms.grade("4") is None or kontor.lms.grade("5") is None):
            time.sleep(0.2)
        time.sleep(2.5)  # two more polls of both workers: nothing is sent a second time
    finally:
        outputs = _stop(workers)
    assert all(w.returncode == 0 for w in workers), outputs
    assert kontor.lms.grade("4").raw_grade == 100.0 and kontor.lms.grade("5").raw_grade == 50.0
    with kontor.lms.lock:
        scores = [s.json["userId"] for s in kontor.lms.received_scores if s.status == 200]
    assert sorted(scores) == ["4", "5"]  # exactly one score per student
    with kontor.app.app_context():
        assert set(db.session.scalars(select(GradeOutbox.status))) == {"sent"}
        db.session.remove()
