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
    launch  the requests of a launch: POST /lti/login, POST /lti/launch (an RS256 id_token
            signed by this script as the bench LMS; its key set is stored, as after the first
            launch), then GET each redirect up to the start page (3 requests: the launch sends a
            student straight there; until issue 15 through the landing page, 4 requests)
            (signing the token is the LMS's work and is not counted)
    start   the two requests of an exam start, for a student launched but not started yet:
            GET /l/<launch>/quiz (the start page), POST /l/<launch>/quiz/start (draws the questions,
            inserts the attempt); question 1 is the page phase
    finish  the three requests at the end, for a student who answered every question: GET the
            summary, POST submit (grades, queues the grade for the LMS: this activity has a line
            item), GET the result (review of every question, as feedback after_submit allows)

    floor   GET  /healthz (no database, no template): what Flask and the test client cost alone

    .venv/bin/python bench/hot_path.py                     # 3 rounds, median per phase
    .venv/bin/python bench/hot_path.py --profile page      # cProfile of one phase (top 40, CPU clock)
    .venv/bin/python bench/hot_path.py --phases start,finish --rounds 5   # only some phases
    .venv/bin/python bench/hot_path.py --phases launch --cookie-check   # the journey's login (below)

launch, start and finish also print their requests' medians separately (e.g. "start page 4.1 + start 5.2").
The launch's login is the new window's (kontor_new_window: answered with the redirect to the LMS's
sign-in) unless --cookie-check: then it comes from a browser without Kontor's cookies and gets the
cookie-check page, as every student of bench/journey.py does.

Results: bench/RESULTS.md ("Hot path (issue 15)").
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import select

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


def run_launches(app, key, meter: Meter, count: int, split: list[list[float]] | None = None,
                 cookie_check: bool = False) -> None:
    """With cookie_check, the login comes without kontor_new_window from a browser that has no cookie
    of Kontor yet and gets the cookie-check page (200), as every student of bench/journey.py does;
    otherwise it is the new window's login, answered with the redirect to the LMS's sign-in."""
    from support.form_browser import parse_page

    for i in range(count):
        client = app.test_client()  # a fresh browser: no cookies
        user = f"launcher-{i}-{uuid.uuid4().hex[:6]}"
        login = {"iss": ISSUER, "login_hint": user, "target_link_uri": "http://localhost/lti/launch",
                 "client_id": CLIENT_ID, "lti_deployment_id": "1"}
        if not cookie_check:
            login["kontor_new_window"] = "1"
        parts: list[float] = []
        with meter.measure(parts):
            r = client.post("/lti/login", data=login)
            body = r.get_data(as_text=True)
        if cookie_check:
            assert r.status_code == 200 and "kontor-cookie-check" in body, (r.status_code, body[:300])
            params = next(form for form in parse_page(r).forms if form.id == "kontor-continue").as_dict()
        else:
            assert r.status_code == 302, (r.status_code, body[:300])
            params = dict(parse_qsl(urlsplit(r.headers["Location"]).query))
        token = id_token(key, params["nonce"], user)  # the LMS's work: not measured
        with meter.measure(parts):
            r = client.post("/lti/launch", data={"id_token": token, "state": params["state"]})
            r.get_data()
        assert r.status_code == 302, (r.status_code, r.get_data()[:500])
        location = r.headers["Location"]
        while True:  # the redirects the launch answers with, up to the start page
            with meter.measure(parts):
                r = client.get(location)
                r.get_data()
            if r.status_code not in (301, 302, 303) or len(parts) == 6:
                break
            location = r.headers["Location"]
        assert r.status_code == 200 and location.endswith("/quiz"), (r.status_code, location, r.get_data()[:300])
        meter.samples.append(sum(parts))
        for bucket, value in zip(split or (), parts):
            bucket.append(value)


@dataclass
class Fresh:
    """A student who has launched the activity but not started (start), or has answered every
    question of a started attempt (finish): each measured once, as a real student is."""
    launch_id: str
    cookie: str
    csrf: str
    attempt_id: str | None = None


def fresh_students(app, count: int, graded_link: bool, tag: str) -> list[Fresh]:
    """`count` students with a launch and a session each; with graded_link, on an activity of their
    own that has a line item (so submit queues the grade), with an attempt whose every question is
    answered with its key (an essay gets a sentence)."""
    from flask import session
    from flask_wtf.csrf import generate_csrf

    from lms_module.attempts import services
    from lms_module.courses.models import LaunchSession, Membership, ResourceLink, User
    from lms_module.extensions import db
    from lms_module.lti.models import utcnow
    from lms_module.web.access import SESSION_LAUNCHES
    from support.answer_keys import attempt_key_form

    rows = []
    with app.app_context():
        link = db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == "bench-link")).one()
        if graded_link:
            link = db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == "bench-graded")).first() \
                or ResourceLink(platform_id=link.platform_id, course_id=link.course_id, link_id="bench-graded",
                                title="Bench exam (graded)", quiz_slug=link.quiz_slug,
                                lineitem_url="https://lms.bench/lineitems/1/lineitem")
            db.session.add(link)
            db.session.flush()
        now = utcnow()
        for i in range(count):
            user = User(platform_id=link.platform_id, subject=f"{tag}-{i}-{uuid.uuid4().hex[:6]}", name=f"Student {i}")
            db.session.add(user)
            db.session.flush()
            db.session.add(Membership(course_id=link.course_id, user_id=user.id, role="student"))
            launch = LaunchSession(id=f"{tag}-{i}-{secrets.token_hex(6)}", platform_id=link.platform_id,
                                   user_id=user.id, course_id=link.course_id, resource_link_id=link.id,
                                   role="student", locale="de" if i % 2 else "en",
                                   message_type="LtiResourceLinkRequest", expires_at=now + timedelta(hours=6))
            db.session.add(launch)
            db.session.flush()
            attempt_id = None
            if graded_link:
                attempt = services.start_attempt(link, user.id, now)
                form, ids = attempt_key_form(attempt, "A short essay answer.")
                services.save_answers(attempt, form, ids, now)
                attempt_id = attempt.public_id
            rows.append((launch.id, attempt_id))
        db.session.commit()
        db.session.remove()
    serializer = app.session_interface.get_signing_serializer(app)
    result = []
    for launch_id, attempt_id in rows:
        with app.test_request_context():  # a fresh `g` per student: its own CSRF token
            session[SESSION_LAUNCHES] = [launch_id]
            token = generate_csrf()
            cookie = serializer.dumps(dict(session))
        result.append(Fresh(launch_id, f"{app.config['SESSION_COOKIE_NAME']}={cookie}", token, attempt_id))
    return result


def run_starts(client, students: list[Fresh], meter: Meter, count: int, split: list[list[float]]) -> None:
    """The start page, then the start (POST) of a student who has not started; one sample per student."""
    for s in students[:count]:
        parts: list[float] = []
        with meter.measure(parts):
            r = client.get(f"/l/{s.launch_id}/quiz", headers={"Cookie": s.cookie})
            body = r.get_data()
        assert r.status_code == 200 and b'name="csrf_token"' in body, (r.status_code, body[:300])
        with meter.measure(parts):
            r = client.post(f"/l/{s.launch_id}/quiz/start", data={"csrf_token": s.csrf}, headers={"Cookie": s.cookie})
            r.get_data()
        assert r.status_code == 302 and "/page/1" in r.headers["Location"], (r.status_code, r.get_data()[:300])
        meter.samples.append(sum(parts))
        for bucket, value in zip(split, parts):
            bucket.append(value)


def run_finishes(client, students: list[Fresh], meter: Meter, count: int, split: list[list[float]]) -> None:
    """Summary, submit (POST) and result of a student who answered everything; one sample per student."""
    for s in students[:count]:
        base = f"/l/{s.launch_id}/attempt/{s.attempt_id}"
        parts: list[float] = []
        with meter.measure(parts):
            r = client.get(f"{base}/summary", headers={"Cookie": s.cookie})
            body = r.get_data()
        assert r.status_code == 200 and b'/submit"' in body, (r.status_code, body[:300])
        with meter.measure(parts):
            r = client.post(f"{base}/submit", data={"csrf_token": s.csrf}, headers={"Cookie": s.cookie})
            r.get_data()
        assert r.status_code == 302 and r.headers["Location"].endswith("/result"), (r.status_code, r.get_data()[:300])
        with meter.measure(parts):
            r = client.get(f"{base}/result", headers={"Cookie": s.cookie})
            body = r.get_data()
        assert r.status_code == 200 and body.count(b"<h3>") >= 1, (r.status_code, body[:300])  # the review
        meter.samples.append(sum(parts))
        for bucket, value in zip(split, parts):
            bucket.append(value)


SPLIT_NAMES = {"launch": ("login", "launch", "start page"), "start": ("start page", "start"), "finish": ("summary", "submit", "result")}
UNITS = {"launch": "launch (3 requests)", "start": "start (2 requests)", "finish": "finish (3 requests)"}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=50)
    p.add_argument("--pages", type=int, default=400, help="page requests measured per round")
    p.add_argument("--saves", type=int, default=400, help="autosaves measured per round")
    p.add_argument("--launches", type=int, default=60, help="launches measured per round")
    p.add_argument("--starts", type=int, default=60, help="starts and finishes measured per round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--phases", default="floor,page,save,launch,start,finish")
    p.add_argument("--profile", choices=["floor", "page", "save", "launch", "start", "finish"],
                   help="cProfile one phase, one round")
    p.add_argument("--postgres-url", default=attempt_bench.DEFAULT_POSTGRES)
    p.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    p.add_argument("--cookie-check", action="store_true",
                   help="launch: the login without cookies gets the cookie-check page (as in bench/journey.py)")
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
            run_launches(app, key, Meter(), 3, cookie_check=args.cookie_check)
            fresh = {name: fresh_students(app, rounds * args.starts + 3, name == "finish", f"bench-{name}")
                     for name in ("start", "finish") if name in phases}
            runner = {"start": run_starts, "finish": run_finishes}
            for name, people in fresh.items():  # warm-up: three of them, not measured
                runner[name](client, people[:3], Meter(), 3, [[] for _ in SPLIT_NAMES[name]])
                del people[:3]
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
                    split: list[list[float]] = [[] for _ in SPLIT_NAMES.get(name, ())]
                    if name == "launch":
                        run_launches(app, key, meter, args.launches, split, args.cookie_check)
                    if name in runner:
                        people = fresh[name]
                        runner[name](client, people, meter, args.starts, split)
                        del people[:args.starts]
                    ms = statistics.median(meter.samples) * 1000
                    results[name].append(ms)
                    parts = " + ".join(f"{label} {statistics.median(values) * 1000:.2f}"
                                       for label, values in zip(SPLIT_NAMES.get(name, ()), split))
                    print(f"  {name}: {ms:.2f} ms CPU per {UNITS.get(name, 'request')}"
                          f" (median; mean {statistics.mean(meter.samples) * 1000:.2f}, n={len(meter.samples)})"
                          + (f" [medians: {parts}]" if parts else ""), flush=True)
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
