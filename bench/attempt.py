"""Benchmark of the student's attempt under gunicorn on PostgreSQL, against a hello-world baseline.

Creates a throwaway PostgreSQL database, migrates it, imports the built-in library and starts an
attempt of "accuracy-exam" (one question per page) for each of N students, each with its own launch,
signed session cookie and CSRF token. Then one gunicorn (same configuration for everything) serves
Kontor (production profile) and, under /bench/hello, a plain Flask app that returns "hello". Three
phases run one after the other, each after a warm-up, with C concurrent clients for D seconds:

    hello   GET  /bench/hello
    page    GET  /l/<launch>/attempt/<attempt>/page/<n>     (every student, every page, in turn)
    save    POST /l/<launch>/attempt/<attempt>/autosave     (JSON answer from the key, X-CSRFToken)

(The first saves of a question insert its answer, later ones overwrite it: with the defaults the
first round's saves are mostly inserts, the later rounds' updates. gunicorn: sync workers,
2 x cores + 1 of them, as gunicorn's documentation advises; they close every connection.)

For each phase: requests per second, client-side p50/p95 latency, and CPU milliseconds per request
of the gunicorn workers (utime+stime from /proc), of the PostgreSQL backends and of the load
generator. Every response's status is checked (200 expected; anything else is an error and the
script exits 1). It also prints the weight of the question pages (HTML, and the CSS and scripts
they reference) against the budget.

    .venv/bin/python bench/attempt.py --repeat 3            # 200 students, 32 clients, 15 s a phase
    .venv/bin/python bench/attempt.py --workers 2 --worker-class gthread --threads 8 --concurrency 64

With --repeat N every phase runs N times and the table shows each phase's fastest round (other
work on a shared machine only slows a round down); the "other CPU" column shows such work.

Load generator: `wrk` (apt-get install wrk) when it is on PATH, otherwise a bounded Python client
(threads; it costs far more CPU, so its figures are lower). Only 127.0.0.1 is contacted.
Results: bench/RESULTS.md ("Attempt pages").
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # support.answer_keys: the form a student who knows the key sends

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
SLUG = "accuracy-exam"
SECRET_KEY = "bench-attempt-secret-key-not-for-production-0123456789"
HTML_BUDGET = 20 * 1024
ASSET_BUDGET = 30 * 1024
TARGET_FRACTION = 0.5
CLK_TCK = os.sysconf("SC_CLK_TCK")

WSGI_MODULE = '''\
"""Written by bench/attempt.py: Kontor plus a hello-world Flask app, served by one gunicorn."""
import os

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from lms_module import create_app

kontor = create_app({
    "KONTOR_ENV": "production",
    "SECRET_KEY": os.environ["BENCH_SECRET_KEY"],
    "DATABASE_URL": os.environ["BENCH_DATABASE_URL"],
    "INSTANCE_PATH": os.environ["BENCH_INSTANCE_PATH"],
    "KONTOR_HTTPS": False,
    "KONTOR_WORKER": "off",
})

hello = Flask("hello")


@hello.get("/hello")
def hello_world():
    return "hello"


app = DispatcherMiddleware(kontor, {"/bench": hello})
'''


# --- the database -----------------------------------------------------------------------------------


@contextmanager
def throwaway_database(server: str):
    """A database with a random name on `server`; dropped afterwards (also on errors)."""
    name = f"kontor_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{server.rsplit('/', 1)[0]}/{name}", name
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@dataclass
class Student:
    launch_id: str
    attempt_id: str
    cookie: str
    csrf: str
    pages: int
    saves: list[str] = field(default_factory=list)  # autosave JSON bodies, one per question


def prepare(database_url: str, instance: Path, students: int) -> list[Student]:
    """Migrate, import the library, and give every student a launch, a session and a started attempt."""
    from flask import session
    from flask_migrate import upgrade
    from flask_wtf.csrf import generate_csrf

    from lms_module import create_app
    from lms_module.attempts import services
    from lms_module.extensions import db
    from lms_module.library.services import BUILTIN_QUIZZES, import_path
    from bench_course import make_course
    from lms_module.courses.models import Course, LaunchSession, Membership, ResourceLink, User
    from lms_module.lti.models import Platform
    from lms_module.lti.models import utcnow
    from lms_module.web.access import SESSION_LAUNCHES
    from support.answer_keys import key_form

    app = create_app({"KONTOR_ENV": "production", "SECRET_KEY": SECRET_KEY, "DATABASE_URL": database_url,
                      "INSTANCE_PATH": str(instance), "KONTOR_HTTPS": False, "KONTOR_WORKER": "off"})
    rows = []
    with app.app_context():
        upgrade()
        report = import_path(BUILTIN_QUIZZES)
        if not report.ok:
            raise SystemExit(f"library import failed: {report.errors[:3]}")
        db.session.commit()
        bench = make_course(SLUG, "Bench course")
        platform = db.session.get(Platform, bench.platform_id)
        course = db.session.get(Course, bench.course_id)
        link = db.session.get(ResourceLink, bench.link_id)
        now = utcnow()
        for i in range(students):
            user = User(platform_id=platform.id, subject=f"student-{i}", name=f"Student {i}")
            db.session.add(user)
            db.session.flush()
            db.session.add(Membership(course_id=course.id, user_id=user.id, role="student"))
            launch = LaunchSession(id=f"bench-{i}-{secrets.token_hex(6)}", platform_id=platform.id, user_id=user.id,
                                   course_id=course.id, resource_link_id=link.id, role="student",
                                   locale="de" if i % 2 else "en", message_type="LtiResourceLinkRequest",
                                   expires_at=now + timedelta(hours=6))
            db.session.add(launch)
            db.session.flush()
            attempt = services.start_attempt(link, user.id, now)
            content = services.content_for(attempt)
            saves = []
            for entry in attempt.plan:
                question = content.question(entry["question_id"])
                fields = key_form(question, entry["layout"]) or {f"q-{question.id}": ["A short essay answer."]}
                saves.append(json.dumps({"question_id": question.id, "fields": fields}, ensure_ascii=False))
            rows.append((launch.id, attempt.public_id, len(attempt.plan), saves))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

    serializer = app.session_interface.get_signing_serializer(app)
    result = []
    for launch_id, attempt_id, pages, saves in rows:
        # A fresh request context (and app context, so a fresh `g`) per student: its own CSRF token.
        with app.test_request_context():
            session[SESSION_LAUNCHES] = [launch_id]
            token = generate_csrf()
            cookie = serializer.dumps(dict(session))
        result.append(Student(launch_id, attempt_id, f"{app.config['SESSION_COOKIE_NAME']}={cookie}", token,
                              pages, saves))
    return result


# --- gunicorn and CPU accounting --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(folder: Path, database_url: str, port: int, workers: int, worker_class: str, threads: int):
    (folder / "bench_wsgi.py").write_text(WSGI_MODULE)
    env = {**os.environ, "BENCH_SECRET_KEY": SECRET_KEY, "BENCH_DATABASE_URL": database_url,
           "BENCH_INSTANCE_PATH": str(folder / "instance"),
           "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    command = [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(workers),
               "--worker-class", worker_class, "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
               "--backlog", "2048", "--log-level", "warning", "--chdir", str(folder), "bench_wsgi:app"]
    log = open(folder / "gunicorn.log", "w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit("gunicorn stopped:\n" + (folder / "gunicorn.log").read_text()[-3000:])
            if len(children_of(process.pid)) == workers:
                try:
                    if http_get(port, "/bench/hello")[0] == 200:
                        break
                except OSError:
                    pass
            time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not answer within 60 s")
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, utime + stime in clock ticks) of a process; None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


def children_of(ppid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            st = _stat(int(entry.name))
            if st and st[0] == ppid:
                pids.append(int(entry.name))
    return pids


def postgres_backends(database: str) -> list[int]:
    """Server processes serving the bench database (their command line names it)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if cmdline.startswith("postgres:") and f" {database} " in cmdline:
                pids.append(int(entry.name))
    return pids


def cpu_ticks(pids) -> dict[int, int]:
    out = {}
    for pid in pids:
        st = _stat(pid)
        if st:
            out[pid] = st[1]
    return out


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return total - idle, total


# --- load generators --------------------------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: str = ""


@dataclass
class Outcome:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int
    error_detail: str


def http_get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _lua_string(value: str) -> str:
    level = 1
    while f"]{'=' * level}]" in value:
        level += 1
    return f"[{'=' * level}[{value}]{'=' * level}]"


WRK_SCRIPT = '''
local requests = {
%(requests)s
}
local threads = {}
local thread_no = 0

function setup(thread)
  thread_no = thread_no + 1
  thread:set("offset", thread_no * 7919)
  table.insert(threads, thread)
end

function init(args)
  compiled = {}
  for i, r in ipairs(requests) do
    compiled[i] = wrk.format(r[1], r[2], r[3], r[4] ~= "" and r[4] or nil)
  end
  position = offset %% #compiled
  bad = 0
  first_bad = ""
end

function request()
  position = position %% #compiled + 1
  return compiled[position]
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
    if first_bad == "" then first_bad = tostring(status) .. " " .. string.sub(body or "", 1, 200) end
  end
end

function done(summary, latency, requests)
  local total_bad, detail = 0, ""
  for _, t in ipairs(threads) do
    total_bad = total_bad + t:get("bad")
    if detail == "" then detail = t:get("first_bad") end
  end
  local e = summary.errors
  io.write(string.format("BENCH %%d %%d %%d %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), total_bad, e.connect, e.read, e.write, e.status, e.timeout))
  io.write("BENCHDETAIL " .. string.gsub(detail, "\\n", " ") .. "\\n")
end
'''


def run_wrk(port: int, requests: list[Request], concurrency: int, seconds: float, folder: Path) -> Outcome:
    lines = []
    for r in requests:
        headers = "{" + ", ".join(f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in r.headers.items()) + "}"
        lines.append(f"  {{{_lua_string(r.method)}, {_lua_string(r.path)}, {headers}, {_lua_string(r.body)}}},")
    script = folder / f"load-{secrets.token_hex(3)}.lua"
    script.write_text(WRK_SCRIPT % {"requests": "\n".join(lines)})
    threads = min(2, concurrency)
    completed = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{int(seconds)}s", "--timeout", "30s",
         "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, timeout=seconds + 120,
    )
    match = re.search(r"^BENCH (.*)$", completed.stdout, re.M)
    if completed.returncode != 0 or not match:
        raise SystemExit(f"wrk failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    n, duration_us, p50, p95, bad, connect, read, write, status, timeout = (int(v) for v in match.group(1).split())
    detail = re.search(r"^BENCHDETAIL ?(.*)$", completed.stdout, re.M).group(1)
    socket_errors = connect + read + write + timeout
    errors = bad + socket_errors
    text = ", ".join(p for p in [f"{bad} non-200 (first: {detail})" if bad else "",
                                  f"socket errors connect {connect} read {read} write {write} timeout {timeout}"
                                  if socket_errors else ""] if p)
    return Outcome(n, duration_us / 1e6, p50 / 1000, p95 / 1000, errors, text)


def run_python(port: int, requests: list[Request], concurrency: int, seconds: float, folder: Path) -> Outcome:
    """Threads, each sending requests in turn (one connection per request, as gunicorn's sync
    workers close it) until the time is up."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors: list[list[str]] = [[] for _ in range(concurrency)]
    stop_at = time.monotonic() + seconds

    def client(k: int) -> None:
        i = k * 7919
        while time.monotonic() < stop_at:
            r = requests[i % len(requests)]
            i += 1
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request(r.method, r.path, body=r.body.encode() if r.body else None, headers=r.headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status != 200:
                    errors[k].append(str(response.status))
            except OSError as error:
                errors[k].append(type(error).__name__)
            latencies[k].append(time.perf_counter() - started)

    started = time.monotonic()
    pool = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(concurrency)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(seconds + 60)
    elapsed = time.monotonic() - started
    flat = sorted(x for lat in latencies for x in lat)
    errs = [e for es in errors for e in es]
    q = statistics.quantiles(flat, n=100) if len(flat) > 1 else [0.0] * 99
    return Outcome(len(flat), elapsed, q[49] * 1000, q[94] * 1000, len(errs),
                   f"{len(errs)} errors (first: {errs[0]})" if errs else "")


# --- the phases -------------------------------------------------------------------------------------


@dataclass
class PhaseResult:
    name: str
    outcome: Outcome
    worker_ms: float
    postgres_ms: float
    client_ms: float
    machine_busy: float  # share of all CPUs busy during the phase
    other_busy: float  # share of all CPUs busy with anything but workers, PostgreSQL and the client
    workers_changed: bool

    @property
    def rps(self) -> float:
        return self.outcome.requests / self.outcome.seconds if self.outcome.seconds else 0.0


def phase_requests(students: list[Student], name: str) -> list[Request]:
    rng = random.Random(name)
    out = []
    if name == "hello":
        return [Request("GET", "/bench/hello", {})]
    for s in students:
        base = f"/l/{s.launch_id}/attempt/{s.attempt_id}"
        if name == "page":
            out += [Request("GET", f"{base}/page/{n}", {"Cookie": s.cookie}) for n in range(1, s.pages + 1)]
        else:
            out += [Request("POST", f"{base}/autosave", {"Cookie": s.cookie, "X-CSRFToken": s.csrf,
                                                          "Content-Type": "application/json"}, body)
                    for body in s.saves]
    rng.shuffle(out)
    return out


def check_one(port: int, r: Request, name: str) -> None:
    """One request by hand before the load: the phase measures what it claims to measure."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(r.method, r.path, body=r.body.encode() if r.body else None, headers=r.headers)
    response = conn.getresponse()
    body = response.read().decode(errors="replace")
    conn.close()
    ok = response.status == 200 and {
        "hello": body == "hello",
        "page": 'class="question"' in body and "data-csrf=" in body,
        "save": '"ok":true' in body.replace(" ", ""),
    }[name]
    if not ok:
        raise SystemExit(f"{name}: the check request failed: {response.status} {body[:500]}")


def run_phase(name: str, requests: list[Request], port: int, master: int, database: str, args, folder: Path,
              load) -> PhaseResult:
    check_one(port, requests[0], name)
    if args.warmup:
        load(port, requests, args.concurrency, args.warmup, folder)
    workers = children_of(master)
    backends = postgres_backends(database)
    before_w, before_pg = cpu_ticks(workers), cpu_ticks(backends)
    before_client = resource.getrusage(resource.RUSAGE_CHILDREN)
    before_machine = machine_ticks()
    before_self = time.process_time()
    outcome = load(port, requests, args.concurrency, args.duration, folder)
    after_machine = machine_ticks()
    self_s = time.process_time() - before_self
    after_client = resource.getrusage(resource.RUSAGE_CHILDREN)
    after_w = cpu_ticks(children_of(master))
    after_pg = cpu_ticks(set(backends) | set(postgres_backends(database)))
    worker_ticks = sum(t - before_w.get(pid, 0) for pid, t in after_w.items())
    pg_ticks = sum(t - before_pg.get(pid, 0) for pid, t in after_pg.items())
    if load is run_wrk:
        client_s = (after_client.ru_utime + after_client.ru_stime) - (before_client.ru_utime + before_client.ru_stime)
    else:
        client_s = self_s  # the client threads run in this process, which does nothing else meanwhile
    n = max(outcome.requests, 1)
    total = max(after_machine[1] - before_machine[1], 1)
    busy = after_machine[0] - before_machine[0]
    ours = worker_ticks + pg_ticks + client_s * CLK_TCK
    return PhaseResult(name, outcome, worker_ticks * 1000 / CLK_TCK / n, pg_ticks * 1000 / CLK_TCK / n,
                       client_s * 1000 / n, busy / total, max(busy - ours, 0) / total,
                       set(after_w) != set(before_w))


# --- page weight ------------------------------------------------------------------------------------


def page_weight(port: int, student: Student) -> tuple[int, int, int, dict[str, int]]:
    """(largest question page HTML, median page HTML, CSS+JS referenced by that page, sizes by asset)."""
    sizes, assets = [], {}
    largest_body = ""
    for n in range(1, student.pages + 1):
        status, body = http_get(port, f"/l/{student.launch_id}/attempt/{student.attempt_id}/page/{n}",
                                {"Cookie": student.cookie})
        if status != 200:
            raise SystemExit(f"page {n}: status {status}")
        sizes.append(len(body))
        if len(body) == max(sizes):
            largest_body = body.decode()
    for url in re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', largest_body) + \
            re.findall(r'<link[^>]+href="([^"]+)"[^>]+rel="stylesheet"', largest_body) + \
            re.findall(r'<script[^>]+src="([^"]+)"', largest_body):
        path = url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url
        status, body = http_get(port, "/" + path.lstrip("/"))
        if status != 200:
            raise SystemExit(f"{url}: status {status}")
        assets[url.split("?")[0]] = len(body)
    return max(sizes), int(statistics.median(sizes)), sum(assets.values()), assets


# --- the report -------------------------------------------------------------------------------------


def machine_line(postgres_url: str) -> str:
    pg = "?"
    try:
        with psycopg.connect(postgres_url) as conn:
            pg = conn.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error:
        pass
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "?")
    return (f"{os.cpu_count()} CPUs ({model}), Python {sys.version.split()[0]}, PostgreSQL {pg}")


def best_run(runs: list[PhaseResult]) -> PhaseResult:
    # Other work on the machine can only slow a phase down, so the fastest round is the best
    # estimate of what the server can do; every round's figure is printed as well.
    return max(runs, key=lambda r: r.rps)


def print_report(all_results: list[PhaseResult], weight, args, load_name: str) -> bool:
    names = list(dict.fromkeys(r.name for r in all_results))
    results = [best_run([r for r in all_results if r.name == name]) for name in names]
    hello = next(r for r in results if r.name == "hello")
    labels = {"hello": "hello world (plain Flask)", "page": "question page (GET)",
              "save": "answer save (autosave POST)"}
    print()
    print(f"machine: {machine_line(args.postgres_url)}")
    print(f"gunicorn: {args.workers} workers, {args.worker_class}, {args.threads} thread(s); "
          f"{args.concurrency} concurrent clients ({load_name}), {args.duration:g} s a phase after {args.warmup:g} s "
          f"warm-up; {args.students} students")
    if args.repeat > 1:
        print(f"{args.repeat} rounds; each row is the fastest round; every round's req/s (other CPU): "
              + "; ".join(f"{n} " + " ".join(f"{r.rps:.0f} ({r.other_busy:.0%})" for r in all_results if r.name == n)
                          for n in names))
    print()
    header = f"{'phase':<30} {'req/s':>8} {'of hello':>9} {'p50 ms':>8} {'p95 ms':>8} " \
             f"{'worker CPU ms/req':>18} {'PG CPU ms/req':>14} {'client ms/req':>14} {'CPU busy':>9} " \
             f"{'other CPU':>10} {'errors':>7}"
    print(header)
    print("-" * len(header))
    for r in results:
        ratio = r.rps / hello.rps if hello.rps else 0.0
        print(f"{labels[r.name]:<30} {r.rps:>8.0f} {ratio:>8.0%} {r.outcome.p50_ms:>8.1f} {r.outcome.p95_ms:>8.1f} "
              f"{r.worker_ms:>18.2f} {r.postgres_ms:>14.2f} {r.client_ms:>14.2f} {r.machine_busy:>8.0%} "
              f"{r.other_busy:>9.0%} {r.outcome.errors:>7}")
    print()
    print("CPU busy: share of both CPUs in use; other CPU: the part not spent in the workers, PostgreSQL or client\n"
          "(the kernel's TCP work, gunicorn's master, and anything else running on the machine: if this is much\n"
          "higher than in the hello phase of a quiet run, something else was running and the figures are low).")
    ok = True
    for r in all_results:
        if r.outcome.errors:
            ok = False
            print(f"ERRORS in {r.name}: {r.outcome.error_detail} -- these figures are not valid")
        if r.workers_changed:
            print(f"note: gunicorn replaced a worker during {r.name}; its CPU time is incomplete")
    met = True
    for r in results:
        if r.name != "hello":
            ratio = r.rps / hello.rps if hello.rps else 0.0
            hit = ratio >= TARGET_FRACTION
            met &= hit
            print(f"target {labels[r.name]}: >= {TARGET_FRACTION:.0%} of hello world -> {ratio:.0%} "
                  f"{'met' if hit else 'MISSED'}")
    largest, median, asset_bytes, assets = weight
    print(f"target question page HTML <= {HTML_BUDGET // 1024} KB -> largest page {largest / 1024:.1f} KB, "
          f"median {median / 1024:.1f} KB {'met' if largest <= HTML_BUDGET else 'MISSED'}")
    listing = ", ".join(f"{name.rsplit('/', 1)[-1]} {size} B" for name, size in assets.items())
    print(f"target CSS + script <= {ASSET_BUDGET // 1024} KB -> {asset_bytes / 1024:.1f} KB ({listing}) "
          f"{'met' if asset_bytes <= ASSET_BUDGET else 'MISSED'}")
    print("(sizes uncompressed; Moodle 4.5 for scale: ~20 attempt pages/s at ~90 ms CPU, ~90 autosaves/s, "
          "153 KB HTML + 881 KB CSS)")
    return ok


def parse_args(argv=None):
    cores = os.cpu_count() or 1
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=200)
    p.add_argument("--concurrency", type=int, default=32, help="concurrent clients (connections)")
    p.add_argument("--duration", type=float, default=15.0, help="seconds measured per phase")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load before each phase")
    p.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers (default 2 x cores + 1)")
    p.add_argument("--worker-class", default="sync")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    p.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    p.add_argument("--phases", default="hello,page,save")
    p.add_argument("--repeat", type=int, default=1, help="rounds of all phases; the median round is shown")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    if args.client == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    load = run_wrk if use_wrk else run_python
    if use_wrk:
        args.duration = float(max(1, int(args.duration)))
        args.warmup = float(int(args.warmup))
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    if "hello" not in phases:
        phases.insert(0, "hello")
    with tempfile.TemporaryDirectory(prefix="kontor-bench-") as tmp, \
            throwaway_database(args.postgres_url) as (database_url, database):
        folder = Path(tmp)
        started = time.monotonic()
        students = prepare(database_url, folder / "instance", args.students)
        print(f"prepared {len(students)} students with started attempts in {time.monotonic() - started:.1f} s",
              flush=True)
        port = free_port()
        with gunicorn(folder, database_url, port, args.workers, args.worker_class, args.threads) as master:
            weight = page_weight(port, students[0])
            results = []
            for round_no in range(1, args.repeat + 1):
                for name in phases:
                    print(f"round {round_no}: phase {name} ...", flush=True)
                    result = run_phase(name, phase_requests(students, name), port, master.pid, database, args,
                                       folder, load)
                    print(f"  {result.rps:.0f} req/s, p50 {result.outcome.p50_ms:.1f} ms, "
                          f"worker CPU {result.worker_ms:.2f} ms/req, other CPU {result.other_busy:.0%}, "
                          f"errors {result.outcome.errors}", flush=True)
                    results.append(result)
        log = (folder / "gunicorn.log").read_text()
        if "Traceback" in log or "ERROR" in log:
            print("gunicorn log (tail):\n" + log[-2000:])
        ok = print_report(results, weight, args, "wrk" if use_wrk else "Python client")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
