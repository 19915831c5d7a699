"""Benchmark of grade delivery: queue N scores and drain them against the demo LMS.

Kontor and its Moodle 4.5 emulator run in this process on a real HTTP server (werkzeug, threaded,
127.0.0.1), exactly as in the tests' `live` fixture. The script enrols N learners in the emulator,
writes N pending outbox rows (one per learner, as N graded submissions would) and lets W worker
threads drain the outbox through the real delivery code: claims, timestamps, the shared access
token, the score POST over HTTP, the emulator's Moodle rules. It prints scores per second and the
number of token requests.

    .venv/bin/python bench/grade_sync.py                                  # SQLite, 10,000 scores, 1 worker
    .venv/bin/python bench/grade_sync.py --backend postgresql --workers 4

PostgreSQL: a database is created on the server of --postgres-url (default
postgresql://postgres@127.0.0.1:5432/postgres) and dropped afterwards. Results: bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import logging
import secrets
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from lms_module import create_app  # noqa: E402
from lms_module.db_types import utcnow  # noqa: E402
from lms_module.demo import register_demo_platform  # noqa: E402
from lms_module.demo_lms.scopes import AGS_SCOPES  # noqa: E402
from lms_module.extensions import db  # noqa: E402
from lms_module.grade_sync.delivery import DeliverySettings, deliver_due  # noqa: E402
from lms_module.grade_sync.models import PENDING, GradeOutbox  # noqa: E402
from lms_module.lti import keys  # noqa: E402
from lms_module.courses.models import Course, ResourceLink, User  # noqa: E402

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextmanager
def database(backend: str, postgres_url: str):
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.sqlite3", Path(folder)
        return
    name = f"kontor_bench_{secrets.token_hex(4)}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with tempfile.TemporaryDirectory() as folder:
            yield f"{postgres_url.rsplit('/', 1)[0]}/{name}", Path(folder)
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--scores", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1, help="worker threads draining the outbox")
    parser.add_argument("--batch", type=int, default=50, help="rows a worker claims at a time")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    with database(args.backend, args.postgres_url) as (url, folder):
        server = make_server("127.0.0.1", 0, None, threaded=True)
        base_url = f"http://127.0.0.1:{server.server_port}"
        app = create_app({
            "KONTOR_ENV": "test", "DATABASE_URL": url, "INSTANCE_PATH": str(folder), "SECRET_KEY": "bench",
            "KONTOR_DEMO_LMS": True, "KONTOR_DEMO_BASE_URL": base_url, "KONTOR_WORKER": "off",
        })
        server.app = app
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            run(app, args)
        finally:
            server.shutdown()
            server.server_close()
            with app.app_context():
                db.engine.dispose()


def run(app, args) -> None:
    lms = app.extensions["kontor_demo_lms"].extensions["demo_lms"]
    urls = app.extensions["kontor_demo_lms"].extensions["demo_lms.urls"]
    with app.app_context():
        upgrade()
        keys.ensure_tool_key()
        platform = register_demo_platform(app)
        db.session.commit()
        platform_id = platform.id
        members = lms.add_members(args.scores)
        course = Course(platform_id=platform_id, context_id=lms.course.id, label=lms.course.label, title="Bench")
        db.session.add(course)
        db.session.flush()
        link = ResourceLink(
            platform_id=platform_id, course_id=course.id, link_id="1", title="Kontor quiz",
            lineitem_url=urls.lineitem(lms.course.id, 2, 1), lineitems_url=urls.lineitems(lms.course.id, 1),
            ags_scopes=list(AGS_SCOPES),
        )
        db.session.add(link)
        db.session.flush()
        db.session.execute(insert(User), [{"platform_id": platform_id, "subject": m.id, "name": m.name} for m in members])
        user_ids = db.session.scalars(select(User.id).where(User.platform_id == platform_id).order_by(User.id)).all()
        now = utcnow()
        db.session.execute(insert(GradeOutbox), [
            {"resource_link_id": link.id, "user_id": user_id, "score_given": float(index % 11), "score_maximum": 10.0,
             "activity_progress": "Completed", "grading_progress": "FullyGraded", "comment": "",
             "graded_at": now, "status": PENDING, "tries": 0, "next_attempt_at": now, "created_at": now}
            for index, user_id in enumerate(user_ids)
        ])
        db.session.commit()
    print(f"backend {args.backend}, {args.scores} scores queued, {args.workers} worker thread(s), batch {args.batch}")

    settings = DeliverySettings.from_config(app.config)
    settings = DeliverySettings(max_tries=settings.max_tries, backoff_cap=settings.backoff_cap, lease=settings.lease,
                                batch_size=args.batch, limits=settings.limits)
    reports = []

    def drain(index: int) -> None:
        with app.app_context():
            reports.append(deliver_due(worker_id=f"bench-{index}", settings=settings))
            db.session.remove()

    started = time.perf_counter()
    threads = [threading.Thread(target=drain, args=(n,)) for n in range(args.workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    with app.app_context():
        states = dict(db.session.execute(select(GradeOutbox.status, func.count()).group_by(GradeOutbox.status)).all())
        db.session.remove()
    accepted = sum(1 for score in lms.received_scores if score.status == 200)
    per_user = {}
    for score in lms.received_scores:
        if score.status == 200:
            per_user[score.json["userId"]] = per_user.get(score.json["userId"], 0) + 1
    print(f"drained in {elapsed:.1f} s: {accepted / elapsed:.0f} scores/s")
    print(f"token requests: {lms.token_requests}; score POSTs: {lms.request_counts.get('scores', 0)}; "
          f"accepted (200): {accepted}; students graded twice: {sum(1 for n in per_user.values() if n > 1)}")
    print(f"outbox: {states}; sent per worker: {[r.sent for r in reports]}")


if __name__ == "__main__":
    main()
