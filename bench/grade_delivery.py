"""Benchmark of grade delivery across processes: W `flask --app wsgi worker` processes drain N
scores to the demo LMS running in its OWN process (issue 15).

Unlike bench/grade_sync.py (everything in one Python process, so the GIL is the bottleneck), this
is the production shape: the LMS emulator (Moodle 4.5 profile) is served by its own process
(gunicorn, one process with threads, HTTP keep-alive) on 127.0.0.1; this script serves Kontor's JWKS (the
emulator checks the client assertion of a token request against it), writes N pending outbox
rows (one per learner, as N graded submissions leave them) in one commit once the workers are
idle, and times until every row is sent. The emulator counts token requests and score POSTs and
reports students who got more than one score.

    .venv/bin/python bench/grade_delivery.py --workers 1 2 4            # PostgreSQL, 10,000 scores
    .venv/bin/python bench/grade_delivery.py --workers 4 --scores 2000
    .venv/bin/python bench/grade_delivery.py --workers 1 --scores 2000 --profile /tmp/gd-prof

--profile DIR runs every worker process under cProfile (DIR/worker-w<W>-<n>.prof) and profiles
the LMS's request handling per thread (DIR/lms-w<W>.prof, the WSGI app only, not gunicorn's
HTTP parsing), both in CPU time (on a shared machine wall time mostly shows waiting for a core);
the figures of a profiled run are slower and not comparable.

PostgreSQL only (several processes on one database): a database is created on the server of
--postgres-url (default postgresql://postgres@127.0.0.1:5432/postgres) and dropped afterwards.
Results: bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
SECRET = "bench-secret-key-not-for-production-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the LMS process -------------------------------------------------------------------------------


def serve_lms(port: int, tool_url: str, members: int, profile: str | None = None) -> None:
    """Run the emulator under gunicorn (one process, so one gradebook in memory; threads; HTTP
    keep-alive as a real LMS behind nginx offers it: werkzeug's server closes every connection).
    GET /_bench/stats answers what the bench needs: the course, the members and the counters."""
    from gunicorn.app.base import BaseApplication

    from lms_module.demo_lms import create_demo_lms
    from lms_module.demo_lms.settings import DemoLmsSettings

    base_url = f"http://127.0.0.1:{port}"
    emulator = create_demo_lms(DemoLmsSettings(base_url=base_url, tool_base_url=tool_url, auto_activate_tools=True))
    state = emulator.extensions["demo_lms"]
    urls = emulator.extensions["demo_lms.urls"]
    added = [m.id for m in state.add_members(members)]
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    def stats() -> dict:
        with state.lock:
            per_user: dict[str, int] = {}
            accepted = 0
            for score in state.received_scores:
                if score.status == 200:
                    accepted += 1
                    per_user[score.json["userId"]] = per_user.get(score.json["userId"], 0) + 1
            return {"course_id": state.course.id, "course_label": state.course.label,
                    "lineitem": urls.lineitem(state.course.id, 2, 1), "lineitems": urls.lineitems(state.course.id, 1),
                    "members": added, "token_requests": state.token_requests,
                    "score_posts": state.request_counts.get("scores", 0), "accepted": accepted,
                    "graded_twice": sum(1 for n in per_user.values() if n > 1)}

    def app(environ, start_response):
        if environ.get("PATH_INFO") == "/_bench/stats":
            body = json.dumps(stats()).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return emulator(environ, start_response)

    served = profiled_per_thread(app, profile) if profile else app

    class Server(BaseApplication):
        def load_config(self):
            for key, value in {"bind": f"127.0.0.1:{port}", "workers": 1, "worker_class": "gthread", "threads": 8,
                               "keepalive": 30, "loglevel": "warning"}.items():
                self.cfg.set(key, value)

        def load(self):
            return served

    Server().run()


def profiled_per_thread(app, path: str):
    """The WSGI app with a cProfile per server thread (a profiler sees only its own thread);
    all of them are written together to `path` when the process ends (SIGTERM from the bench)."""
    import atexit
    import cProfile
    import pstats

    local, profiles, guard = threading.local(), [], threading.Lock()

    def wrapped(environ, start_response):
        profiler = getattr(local, "profiler", None)
        if profiler is None:
            profiler = local.profiler = cProfile.Profile(time.thread_time)
            with guard:
                profiles.append(profiler)
        profiler.enable()
        try:
            return list(app(environ, start_response))
        finally:
            profiler.disable()

    def dump() -> None:
        with guard:
            if profiles:
                stats = pstats.Stats(profiles[0])
                for other in profiles[1:]:
                    stats.add(other)
                stats.dump_stats(path)

    atexit.register(dump)
    return wrapped


# --- the measuring process --------------------------------------------------------------------------


@contextmanager
def postgres_database(server_url: str):
    import psycopg
    from psycopg import sql

    name = f"kontor_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{server_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


class Lms:
    def __init__(self, tool_url: str, members: int, profile: str | None = None) -> None:
        import requests

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, __file__, "lms", "--port", str(self.port), "--tool-url", tool_url,
             "--members", str(members), *(["--profile", profile] if profile else [])], cwd=ROOT)
        deadline = time.monotonic() + 60
        while True:
            try:
                self.ready = requests.get(self.url + "/_bench/stats", timeout=5).json()
                break
            except requests.RequestException:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise SystemExit("the demo LMS process did not start")
                time.sleep(0.2)

    def stats(self) -> dict:
        import requests

        return requests.get(self.url + "/_bench/stats", timeout=10).json()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(20)


def start_workers(count: int, database_url: str, folder: Path, profile: str | None = None) -> list[subprocess.Popen]:
    env = {**os.environ, "KONTOR_ENV": "production", "DATABASE_URL": database_url, "SECRET_KEY": SECRET,
           "INSTANCE_PATH": str(folder), "KONTOR_WORKER": "external", "KONTOR_WORKER_POLL_SECONDS": "1"}
    flask = str(Path(sys.executable).with_name("flask"))

    def command(n: int) -> list[str]:
        if profile is None:
            return [flask, "--app", "wsgi", "worker"]
        return [sys.executable, __file__, "profiled", f"{profile}-{n}.prof", flask, "--app", "wsgi", "worker"]

    return [subprocess.Popen(command(n), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for n in range(1, count + 1)]


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def run_profiled(out: str, argv: list[str]) -> None:
    """Run the script argv[0] as __main__ under cProfile in process CPU time; the profile is
    written when it returns (a worker does after SIGTERM)."""
    import cProfile
    import runpy

    sys.argv = argv
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    try:
        runpy.run_path(argv[0], run_name="__main__")
    except SystemExit:
        pass
    finally:
        profiler.disable()
        profiler.dump_stats(out)


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each process so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def cpu_seconds(pids: list[int]) -> float:
    return sum(cpu_by_pid(pids).values())


def cpu_since(before: dict[int, float]) -> float:
    """CPU spent since `before` by the processes that still run (PostgreSQL backends come and go)."""
    after = cpu_by_pid(list(before))
    return sum(after[pid] - before[pid] for pid in after)


def with_children(pid: int) -> list[int]:
    """The process and its descendants (the LMS's gunicorn master and its worker)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [pid], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def postgres_pids() -> list[int]:
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip().startswith("postgres"):
                pids.append(int(comm.parent.name))
        except OSError:
            continue
    return pids


def one_run(workers: int, scores: int, postgres_url: str, profile: str | None = None) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import func, insert, select
    from werkzeug.serving import make_server

    from lms_module import create_app
    from lms_module.courses.models import Course, ResourceLink, User
    from lms_module.db_types import utcnow
    from lms_module.demo_lms.scopes import AGS_SCOPES
    from lms_module.demo_lms.settings import DemoLmsSettings
    from lms_module.extensions import db
    from lms_module.grade_sync.models import PENDING, SENT, GradeOutbox
    from lms_module.grade_sync.outbox import STATES
    from lms_module.lti import keys
    from lms_module.lti.registration import save_platform

    unsent = [state for state in STATES if state != SENT]

    with postgres_database(postgres_url) as url, tempfile.TemporaryDirectory() as folder:
        app = create_app({"KONTOR_ENV": "test", "DATABASE_URL": url, "INSTANCE_PATH": folder, "SECRET_KEY": SECRET,
                          "KONTOR_DEMO_LMS": False, "KONTOR_WORKER": "off"})
        tool = make_server("127.0.0.1", 0, app, threaded=True)  # serves /lti/jwks to the LMS
        threading.Thread(target=tool.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        tool_url = f"http://127.0.0.1:{tool.server_port}"
        if profile:
            profile = str(Path(profile).resolve())  # the processes run in ROOT
            Path(profile).mkdir(parents=True, exist_ok=True)
        lms = Lms(tool_url, scores, profile and str(Path(profile) / f"lms-w{workers}.prof"))
        processes: list[subprocess.Popen] = []
        try:
            settings = DemoLmsSettings(base_url=lms.url, tool_base_url=tool_url)
            with app.app_context():
                upgrade()
                keys.ensure_tool_key()
                platform = save_platform(issuer=settings.issuer, client_id=settings.client_id,
                                         deployment_id=settings.deployment_id, auth_login_url=settings.auth_login_url,
                                         auth_token_url=settings.auth_token_url, key_set_url=settings.key_set_url,
                                         name="bench LMS", hosts_trusted=True)  # as `platform add`: on loopback
                course = Course(platform_id=platform.id, context_id=lms.ready["course_id"],
                                label=lms.ready["course_label"], title="Bench")
                db.session.add(course)
                db.session.flush()
                link = ResourceLink(platform_id=platform.id, course_id=course.id, link_id="1", title="Kontor quiz",
                                    lineitem_url=lms.ready["lineitem"], lineitems_url=lms.ready["lineitems"],
                                    ags_scopes=list(AGS_SCOPES))
                db.session.add(link)
                db.session.execute(insert(User), [{"platform_id": platform.id, "subject": m, "name": f"Member {m}"}
                                                  for m in lms.ready["members"]])
                db.session.commit()
                link_id = link.id
                user_ids = db.session.scalars(select(User.id).where(User.platform_id == platform.id)).all()
                db.session.remove()
            processes = start_workers(workers, url, Path(folder), profile and str(Path(profile) / f"worker-w{workers}"))
            time.sleep(4)  # the workers import, connect and go idle
            lms_pids, pg_pids = with_children(lms.process.pid), postgres_pids()
            cpu_before = cpu_seconds([p.pid for p in processes])
            lms_before, pg_before = cpu_seconds(lms_pids), cpu_by_pid(pg_pids)
            with app.app_context():
                now = utcnow()
                db.session.execute(insert(GradeOutbox), [
                    {"resource_link_id": link_id, "user_id": user_id, "score_given": float(index % 11),
                     "score_maximum": 10.0, "activity_progress": "Completed", "grading_progress": "FullyGraded",
                     "comment": "", "graded_at": now, "status": PENDING, "tries": 0, "next_attempt_at": now,
                     "created_at": now}
                    for index, user_id in enumerate(user_ids)])
                db.session.commit()
                started = time.perf_counter()
                while True:
                    # Every state but SENT, named: the count reads the due index instead of the
                    # whole table 20 times a second (the bench's own PostgreSQL CPU, counted too).
                    left = db.session.scalar(select(func.count()).where(GradeOutbox.status.in_(unsent)))
                    db.session.commit()
                    if left == 0:
                        break
                    if time.perf_counter() - started > 600:
                        raise SystemExit(f"{left} scores not sent after 10 minutes")
                    time.sleep(0.05)
                elapsed = time.perf_counter() - started
                db.session.remove()
            worker_cpu = cpu_seconds([p.pid for p in processes]) - cpu_before
            # PostgreSQL: every backend of the server, also other clients' (a shared machine).
            lms_cpu, pg_cpu = cpu_seconds(lms_pids) - lms_before, cpu_since(pg_before)
            load = os.getloadavg()[0]
            stats = lms.stats()
            del stats["members"]
        finally:
            stop_workers(processes)
            lms.stop()
            tool.shutdown()
            tool.server_close()
            with app.app_context():
                db.engine.dispose()
    return {"workers": workers, "scores": scores, "seconds": elapsed, "per_second": scores / elapsed,
            "worker_cpu_ms_per_score": worker_cpu * 1000 / scores, "lms_cpu_ms_per_score": lms_cpu * 1000 / scores,
            "pg_cpu_ms_per_score": pg_cpu * 1000 / scores, "load": load, **stats}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    lms = sub.add_parser("lms", help="(internal) run the demo LMS process")
    lms.add_argument("--port", type=int, required=True)
    lms.add_argument("--tool-url", required=True)
    lms.add_argument("--members", type=int, required=True)
    lms.add_argument("--profile")
    profiled = sub.add_parser("profiled", help="(internal) run a worker under cProfile")
    profiled.add_argument("out")
    profiled.add_argument("argv", nargs=argparse.REMAINDER)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4], help="worker processes, one run each")
    parser.add_argument("--scores", type=int, default=10_000)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--profile", metavar="DIR", help="cProfile the workers and the LMS's handlers into DIR")
    args = parser.parse_args()
    if args.command == "lms":
        serve_lms(args.port, args.tool_url, args.members, args.profile)
        return
    if args.command == "profiled":
        run_profiled(args.out, args.argv)
        return
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    print("| Worker processes | Scores | Wall time | Scores/s | CPU per score: workers / LMS / PostgreSQL | "
          "Token requests | Score POSTs | Accepted | Students graded twice | Load average |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for count in args.workers:
        r = one_run(count, args.scores, args.postgres_url, args.profile)
        print(f"| {r['workers']} | {r['scores']:,} | {r['seconds']:.1f} s | {r['per_second']:.0f} | "
              f"{r['worker_cpu_ms_per_score']:.2f} / {r['lms_cpu_ms_per_score']:.2f} / "
              f"{r['pg_cpu_ms_per_score']:.2f} ms | {r['token_requests']} | {r['score_posts']:,} | "
              f"{r['accepted']:,} | {r['graded_twice']} | {r['load']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
