"""Benchmark of the instructor reports on a large course, on SQLite and on PostgreSQL.

Fills a throwaway database with N students × Q questions × A attempts (default 5,000 × 40 × 2:
10,000 attempts and 400,000 answers; the quiz is generated here), then times the requests an
instructor makes through the real app (routing, queries, templates): the gradebook page, the class
summary, the item analysis and the CSV exports. Each figure is the median of several runs after a
warm-up run.

    .venv/bin/python bench/reports.py                      # both databases
    .venv/bin/python bench/reports.py --backend sqlite --students 500

PostgreSQL: a database is created on the server of --postgres-url (default
postgresql://postgres@127.0.0.1:5432/postgres) and dropped afterwards. Results: bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import secrets
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import yaml
from psycopg import sql
from psycopg.types.json import Json

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from lms_module import create_app  # noqa: E402
from lms_module.attempts import policy  # noqa: E402
from lms_module.attempts.models import Answer, Attempt  # noqa: E402
from lms_module.engine import handler_for, plan_attempt  # noqa: E402
from lms_module.extensions import db  # noqa: E402
from lms_module.grade_sync.models import GradeOutbox  # noqa: E402
from lms_module.library.services import content_of, import_path, latest_version_by_slug  # noqa: E402
from bench_course import make_course  # noqa: E402  (bench/ is on the path when run as a script)
from lms_module.courses.models import Course, LaunchSession, Membership, ResourceLink, User  # noqa: E402
from lms_module.lti.models import Platform  # noqa: E402
from lms_module.web.access import SESSION_LAUNCHES  # noqa: E402

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
SLUG = "bench-reports"


# --- the quiz ------------------------------------------------------------------------------------


def quiz_document(questions: int) -> dict:
    """A quiz of single, multiple, true/false and numeric questions (German and English texts)."""
    items = []
    for i in range(questions):
        qid = f"q{i + 1:03d}"
        kind = ("single", "single", "single", "multiple", "true_false", "numeric")[i % 6]
        text = {"de": f"Frage {i + 1}: Prüfen Sie den Beleg", "en": f"Question {i + 1}: check the receipt"}
        if kind == "single":
            items.append({"id": qid, "type": kind, "text": text, "options": [
                {"id": "a", "text": {"de": "Richtig", "en": "Right"}, "correct": True},
                {"id": "b", "text": {"de": "Fast", "en": "Almost"}},
                {"id": "c", "text": {"de": "Falsch", "en": "Wrong"}},
                {"id": "d", "text": {"de": "Abwegig", "en": "Far off"}},
            ]})
        elif kind == "multiple":
            items.append({"id": qid, "type": kind, "points": 2, "text": text, "options": [
                {"id": "a", "text": "Steuernummer", "correct": True},
                {"id": "b", "text": "Datum", "correct": True},
                {"id": "c", "text": "Farbe"},
                {"id": "d", "text": "Sternzeichen"},
            ]})
        elif kind == "true_false":
            items.append({"id": qid, "type": kind, "text": text, "answer": True})
        else:
            items.append({"id": qid, "type": kind, "text": text, "answer": "119.00", "tolerance": "0.005"})
    return {"slug": SLUG, "title": {"de": "Benchmark", "en": "Benchmark"}, "topic": "accuracy",
            "settings": {"mode": "exam", "attempts": 0, "grading": "highest", "pass_mark": 0.6,
                         "shuffle_questions": True},
            "questions": items}


def response_for(question, right: bool, rng: random.Random) -> dict:
    if question.type == "single":
        return {"choice": "a" if right else rng.choice("bbbccd")}
    if question.type == "multiple":
        return {"choices": ["a", "b"]} if right else {"choices": rng.choice([["a"], ["b"], ["a", "c"], ["c", "d"]])}
    if question.type == "true_false":
        return {"value": right}
    return {"value": "119.00" if right else rng.choice(["100.00", "19.00", ""]) or "0"}


# --- filling the database ------------------------------------------------------------------------


def fill(app, students: int, attempts_each: int, seed: int = 7) -> tuple[str, int]:
    """The course, the students, their attempts and answers; returns (launch id, answers)."""
    rng = random.Random(seed)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with app.app_context():
        bench = make_course(SLUG, "Benchmark course")
        platform = db.session.get(Platform, bench.platform_id)
        course = db.session.get(Course, bench.course_id)
        link = db.session.get(ResourceLink, bench.link_id)
        teacher = User(platform_id=platform.id, subject="teacher", name="Bench Teacher")
        db.session.add(teacher)
        db.session.flush()
        db.session.add(Membership(course_id=course.id, user_id=teacher.id, role="instructor"))
        launch = LaunchSession(id="bench-launch", platform_id=platform.id, user_id=teacher.id, course_id=course.id,
                               resource_link_id=link.id, role="instructor", locale="de",
                               message_type="LtiResourceLinkRequest", expires_at=now + timedelta(days=1))
        db.session.add(launch)
        db.session.commit()
        platform_id, course_id, link_id = platform.id, course.id, link.id

        version = latest_version_by_slug(SLUG)
        content = content_of(version)
        settings = policy.effective_settings(content.settings, {})
        plan = [p.to_dict() for p in plan_attempt(content, 1, True, True)]
        questions = content.questions
        max_marks = float(sum(q.points for q in questions))
        difficulty = {q.id: rng.gauss(0, 1) for q in questions}
        slope = {q.id: rng.uniform(0.5, 2.0) for q in questions}
        slope[questions[5].id] = -0.8  # a broken question: strong students get it wrong
        difficulty[questions[7].id] = -4.0  # a give-away
        scores: dict[tuple[str, str], float] = {}

        users = [{"platform_id": platform_id, "subject": f"s{u:05d}", "name": f"Studentin {u:05d} Müller",
                  "email": f"s{u:05d}@example.edu", "updated_at": now} for u in range(students)]
        db.session.execute(insert(User), users)
        first_user = db.session.execute(text("SELECT min(id) FROM lti_user WHERE subject LIKE 's%'")).scalar()
        db.session.execute(insert(Membership), [
            {"course_id": course_id, "user_id": first_user + u, "role": "student",
             "status": "inactive" if u % 97 == 0 else "active", "last_launch_at": now - timedelta(days=1)}
            for u in range(students)])
        db.session.commit()

        attempt_rows, answer_rows = [], []
        attempt_id = answer_id = 0
        for u in range(students):
            ability = rng.gauss(0, 1)
            for number in range(1, attempts_each + 1):
                attempt_id += 1
                started = now - timedelta(days=rng.uniform(1, 30), minutes=number * 90)
                open_attempt = number == attempts_each and u % 50 == 0
                total = 0.0
                for q in questions:
                    answer_id += 1
                    p = 1 / (1 + math.exp(-slope[q.id] * (ability + 0.3 * number - difficulty[q.id])))
                    response = response_for(q, rng.random() < p, rng)
                    key = (q.id, json.dumps(response, sort_keys=True))
                    if key not in scores:
                        scores[key] = handler_for(q).score(q, response).marks
                    marks = None if open_attempt else scores[key]
                    total += scores[key]
                    answer_rows.append((answer_id, attempt_id, q.id, response,
                                        started + timedelta(seconds=rng.randint(10, 1800)), started, False, 0, marks,
                                        float(q.points), False))
                fraction = round(total / max_marks, 4)
                attempt_rows.append((
                    attempt_id, secrets.token_urlsafe(16), link_id, first_user + u, version.id, number, rng.getrandbits(62),
                    plan, settings.to_json(), "in_progress" if open_attempt else "submitted", False, started,
                    None if open_attempt else started + timedelta(minutes=rng.uniform(5, 40)),
                    None if open_attempt else round(total, 4), max_marks,
                    None if open_attempt else fraction, None if open_attempt else fraction >= settings.pass_mark,
                ))
        _bulk(app, Attempt, attempt_rows)
        _bulk(app, Answer, answer_rows)
        db.session.execute(insert(GradeOutbox), [
            {"resource_link_id": link_id, "user_id": first_user + u, "score_given": 1.0, "score_maximum": 1.0,
             "activity_progress": "Completed", "grading_progress": "FullyGraded", "graded_at": now,
             "status": ("sent", "sent", "sent", "failed", "pending")[u % 5],
             "last_error": "HTTP 503" if u % 5 == 3 else None, "sent_at": now if u % 5 < 3 else None,
             "next_attempt_at": now, "created_at": now, "tries": 1, "comment": ""}
            for u in range(students)])
        db.session.commit()
        _analyze(app)
        return launch.id, len(answer_rows)


ATTEMPT_COLUMNS = ("id", "public_id", "resource_link_id", "user_id", "quiz_version_id", "number", "seed", "plan",
                   "settings", "status", "is_preview", "started_at", "submitted_at", "marks", "max_marks",
                   "fraction", "passed")
ANSWER_COLUMNS = ("id", "attempt_id", "question_id", "response", "answered_at", "saved_at", "flagged", "checks",
                  "marks", "max_marks", "needs_manual")


def _bulk(app, model, rows) -> None:
    """COPY on PostgreSQL; executemany through SQLAlchemy (one transaction) on SQLite."""
    table = model.__table__
    columns = ATTEMPT_COLUMNS if model is Attempt else ANSWER_COLUMNS
    json_columns = {"plan", "settings", "response"}
    if db.engine.dialect.name == "postgresql":
        raw = db.session.connection().connection.driver_connection
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns)))
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([Json(v) if c in json_columns else v for c, v in zip(columns, row)])
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                f"(SELECT max(id) FROM {table.name}))"))
    else:
        db.session.execute(insert(table), [dict(zip(columns, row)) for row in rows])
    db.session.commit()


def _analyze(app) -> None:
    db.session.execute(text("ANALYZE"))
    db.session.commit()


# --- timing --------------------------------------------------------------------------------------


def timed(client, url: str, runs: int) -> tuple[float, int]:
    """Median seconds of `runs` requests after one warm-up; the body is read completely."""
    response = client.get(url)
    size = len(response.get_data())
    assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        response.get_data()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), size


REQUESTS = [
    ("Gradebook page (first 50, by name)", "/l/{launch}/reports/"),
    ("Gradebook page (sorted by grade, filter failed, page 3)", "/l/{launch}/reports/?sort=grade&dir=desc&filter=failed&page=3"),
    ("Class summary page", "/l/{launch}/reports/summary"),
    ("Item analysis page (all attempts)", "/l/{launch}/reports/items?attempts=all"),
    ("Item analysis page (highest attempt)", "/l/{launch}/reports/items?attempts=highest"),
    ("Gradebook CSV (all students)", "/l/{launch}/reports/gradebook.csv"),
    ("Item analysis CSV (all attempts)", "/l/{launch}/reports/items.csv?attempts=all"),
    ("Responses CSV (every answer)", "/l/{launch}/reports/responses.csv"),
]


@contextmanager
def database(backend: str, postgres_url: str, folder: Path):
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    name = f"kontor_bench_{secrets.token_hex(4)}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{postgres_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def run(backend: str, args) -> None:
    with tempfile.TemporaryDirectory() as tmp, database(backend, args.postgres_url, Path(tmp)) as url:
        app = create_app({"KONTOR_ENV": "development", "DATABASE_URL": url, "INSTANCE_PATH": tmp,
                          "SECRET_KEY": "bench", "KONTOR_DEMO_LMS": False, "KONTOR_WORKER": "off"})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            quiz_file = Path(tmp) / "bench.yaml"
            quiz_file.write_text(yaml.safe_dump(quiz_document(args.questions), allow_unicode=True), encoding="utf-8")
            report = import_path(quiz_file, origin="import")
            assert report.ok, report.errors
            db.session.commit()
        start = time.perf_counter()
        launch, answers = fill(app, args.students, args.attempts)
        filled = time.perf_counter() - start
        client = app.test_client()
        with client.session_transaction() as session:
            session[SESSION_LAUNCHES] = [launch]
        print(f"\n{backend}: {args.students} students × {args.questions} questions × {args.attempts} attempts "
              f"= {args.students * args.attempts} attempts, {answers} answers (filled in {filled:.1f} s)")
        for label, url in REQUESTS:
            seconds, size = timed(client, url.format(launch=launch), args.runs)
            print(f"  {label:<58} {seconds * 1000:8.0f} ms  ({size / 1024:,.0f} KiB)")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--students", type=int, default=5000)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--attempts", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    for backend in (("sqlite", "postgresql") if args.backend == "both" else (args.backend,)):
        run(backend, args)


if __name__ == "__main__":
    main()
