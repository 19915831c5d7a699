"""CPU per request of Kontor's hot path, measured inside one process (issue 15, "Cheaper hot path").

Where bench/attempt.py loads a gunicorn with many clients (and so measures on a busy machine), this
script sends the requests one after the other through Flask's test client in this process and
counts the process CPU time (time.process_time: user + system of this process, not wall time) spent
in each request, so other work on a shared machine barely changes the figures. No gunicorn and no
TCP: add about 0.35 ms per request for those (the hello-world figure of bench/attempt.py).

Measured, on a throwaway PostgreSQL database (or --sqlite) with the built-in library, production
profile, worker off:
    page    GET  /l/<launch>/attempt/<attempt>/page/<n>     (accuracy-exam, 20 pages, per student)
    save    POST /l/<launch>/attempt/<attempt>/autosave     (JSON answer, X-CSRFToken)
    launch  the four requests of a launch: POST /lti/login, POST /lti/launch (an RS256 id_token
            signed by this script as the bench LMS; its key set is stored, as after the first
            launch), GET the landing page, GET the start page it leads to
            (signing the token is the LMS's work and is not counted)

    floor   GET  /healthz (no database, no template): what Flask and the test client cost alone

    .venv/bin/python bench/hot_path.py                     # 3 rounds, median per phase
    .venv/bin/python bench/hot_path.py --profile page      # cProfile of one phase (top 40, CPU clock)

Results: bench/RESULTS.md ("Hot path (issue 15)").
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager, nullcontext
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import attempt as attempt_bench  # noqa: E402  (bench/attempt.py: database, students, cookies)

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
ISSUER, CLIENT_ID = "https://lms.bench", "bench"  # bench_course.make_course's platform


def make_app(database_url: str, instance: Path):
    from lms_module import create_app

    return create_app({"KONTOR_ENV": "production", "SECRET_KEY": attempt_bench.SECRET_KEY,
                       "DATABASE_URL": database_url, "INSTANCE_PATH": str(instance), "KONTOR_HTTPS": False,
                       "KONTOR_WORKER": "off", "KONTOR_RATELIMIT_ENABLED": False})


def store_bench_key(app):
    """The bench LMS's signing key; its JWKS stored on the platform as Kontor keeps it after a fetch."""
    from sqlalchemy import update

    from lms_module.demo_lms.keys import PlatformKey
    from lms_module.extensions import db
    from lms_module.lti.models import Platform, utcnow

    key = PlatformKey.generate()
    with app.app_context():
        values = {"key_set": {"keys": [key.public_jwk()]}}
        if hasattr(Platform, "key_set_fetched_at"):
            values["key_set_fetched_at"] = utcnow()
        db.session.execute(update(Platform).where(Platform.issuer == ISSUER).values(**values))
        db.session.commit()
    return key


def id_token(key, nonce: str, user: str) -> str:
    from support.platform_kit import sign_jwt

    now = int(time.time())
    claims = {
        "iss": ISSUER, "aud": CLIENT_ID, "sub": user, "nonce": nonce, "iat": now, "exp": now + 60,
        "name": f"Student {user}", "given_name": "Student", "family_name": user, "locale": "en",
        LTI + "deployment_id": "1", LTI + "message_type": "LtiResourceLinkRequest", LTI + "version": "1.3.0",
        LTI + "target_link_uri": "http://localhost/lti/launch",
        LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        LTI + "resource_link": {"id": "bench-link", "title": "Bench course"},
        LTI + "context": {"id": "bench-course", "label": "B", "title": "Bench course"},
    }
    return sign_jwt(claims, key)


class Meter:
    """Process CPU time of the measured requests only."""

    def __init__(self, profiler=None):
        self.samples: list[float] = []
        self.profiler = profiler

    @contextmanager
    def measure(self, parts: list[float]):
        if self.profiler:
            self.profiler.enable()
        started = time.process_time()
        yield
        parts.append(time.process_time() - started)
        if self.profiler:
            self.profiler.disable()


def run_pages(client, students, meter: Meter, count: int) -> None:
    i = 0
    while len(meter.samples) < count:
        s = students[i % len(students)]
        n = i // len(students) % s.pages + 1
        i += 1
        parts: list[float] = []
        with meter.measure(parts):
            r = client.get(f"/l/{s.launch_id}/attempt/{s.attempt_id}/page/{n}", headers={"Cookie": s.cookie})
            body = r.get_data()
        assert r.status_code == 200 and b'class="question"' in body, (r.status_code, body[:300])
        meter.samples.append(parts[0])


def run_floor(client, meter: Meter, count: int) -> None:
    """GET /healthz (no database, no template): the floor of Flask and the test client per request."""
    while len(meter.samples) < count:
        parts: list[float] = []
        with meter.measure(parts):
            r = client.get("/healthz")
            r.get_data()
        assert r.status_code == 200
        meter.samples.append(parts[0])


def run_saves(client, students, meter: Meter, count: int) -> None:
    i = 0
    while len(meter.samples) < count:
        s = students[i % len(students)]
        body = s.saves[i // len(students) % len(s.saves)]
        i += 1
        parts: list[float] = []
        with meter.measure(parts):
            r = client.post(f"/l/{s.launch_id}/attempt/{s.attempt_id}/autosave", data=body,
                            headers={"Cookie": s.cookie, "X-CSRFToken": s.csrf, "Content-Type": "application/json"})
            text = r.get_data()
        assert r.status_code == 200 and b'"ok"' in text, (r.status_code, text[:300])
        meter.samples.append(parts[0])


def run_launches(app, key, meter: Meter, count: int) -> None:
    for i in range(count):
        client = app.test_client()  # a fresh browser: no cookies
        user = f"launcher-{i}-{uuid.uuid4().hex[:6]}"
        parts: list[float] = []
        with meter.measure(parts):
            r = client.post("/lti/login", data={
                "iss": ISSUER, "login_hint": user, "target_link_uri": "http://localhost/lti/launch",
                "client_id": CLIENT_ID, "lti_deployment_id": "1", "kontor_new_window": "1"})
            r.get_data()
        assert r.status_code == 302, (r.status_code, r.get_data()[:300])
        params = dict(parse_qsl(urlsplit(r.headers["Location"]).query))
        token = id_token(key, params["nonce"], user)  # the LMS's work: not measured
        with meter.measure(parts):
            r = client.post("/lti/launch", data={"id_token": token, "state": params["state"]})
            r.get_data()
        assert r.status_code == 302, (r.status_code, r.get_data()[:500])
        location = r.headers["Location"]
        for _ in range(2):  # the landing page, then the start page it leads to
            with meter.measure(parts):
                r = client.get(location)
                r.get_data()
            if r.status_code in (301, 302, 303):
                location = r.headers["Location"]
        assert r.status_code == 200 and len(parts) == 4, (r.status_code, len(parts), r.get_data()[:300])
        meter.samples.append(sum(parts))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=50)
    p.add_argument("--pages", type=int, default=400, help="page requests measured per round")
    p.add_argument("--saves", type=int, default=400, help="autosaves measured per round")
    p.add_argument("--launches", type=int, default=60, help="launches measured per round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--phases", default="floor,page,save,launch")
    p.add_argument("--profile", choices=["floor", "page", "save", "launch"], help="cProfile one phase, one round")
    p.add_argument("--postgres-url", default=attempt_bench.DEFAULT_POSTGRES)
    p.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    args = p.parse_args(argv)
    phases = [args.profile] if args.profile else [x.strip() for x in args.phases.split(",") if x.strip()]
    rounds = 1 if args.profile else args.rounds

    with tempfile.TemporaryDirectory(prefix="kontor-hot-path-") as tmp:
        database = nullcontext((f"sqlite:///{tmp}/bench.sqlite3", None)) if args.sqlite \
            else attempt_bench.throwaway_database(args.postgres_url)
        with database as (database_url, _):
            students = attempt_bench.prepare(database_url, Path(tmp) / "instance", args.students)
            app = make_app(database_url, Path(tmp) / "instance")
            key = store_bench_key(app)
            client = app.test_client(use_cookies=False)  # each request carries its student's cookie
            # Warm-up: every page of one student, a few saves and launches (caches, imports, pool).
            run_pages(client, students, Meter(), 2 * students[0].pages)
            run_saves(client, students, Meter(), 10)
            run_launches(app, key, Meter(), 3)
            results: dict[str, list[float]] = {name: [] for name in phases}
            profiler = cProfile.Profile(time.process_time) if args.profile else None
            for _ in range(rounds):
                for name in phases:
                    meter = Meter(profiler)
                    if name == "floor":
                        run_floor(client, meter, args.pages)
                    elif name == "page":
                        run_pages(client, students, meter, args.pages)
                    elif name == "save":
                        run_saves(client, students, meter, args.saves)
                    else:
                        run_launches(app, key, meter, args.launches)
                    ms = statistics.median(meter.samples) * 1000
                    results[name].append(ms)
                    print(f"  {name}: {ms:.2f} ms CPU per {'launch (4 requests)' if name == 'launch' else 'request'}"
                          f" (median; mean {statistics.mean(meter.samples) * 1000:.2f}, n={len(meter.samples)})",
                          flush=True)
            with app.app_context():
                from lms_module.extensions import db
                db.session.remove()
                db.engine.dispose()
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        return 0
    print()
    print(f"{'database':<10} {'phase':<8} {'CPU ms (median of ' + str(rounds) + ' rounds)':>32}  rounds "
          "(each the median request of its round)")
    for name, values in results.items():
        print(f"{'SQLite' if args.sqlite else 'PostgreSQL':<10} {name:<8} {statistics.median(values):>32.2f}  "
              + " / ".join(f"{v:.2f}" for v in values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
