"""The whole student journey under load: N students launch from the LMS, take a 20-question exam and
get their grade back in the LMS's gradebook (issue 15).

What it sets up, all on 127.0.0.1 and torn down afterwards:
- a throwaway PostgreSQL database (--postgres-url), migrated, with the built-in library imported, a
  tool key, and the demo LMS registered as a platform (what `flask platform add` does);
- the demo LMS (lms_module.demo_lms, the Moodle 4.5 emulator) in its own process: gunicorn serving
  bench/journey_lms.py (one process, threads) on http://localhost:P, with N learners enrolled and
  one activity that plays the exam (--quiz, default accuracy-exam: 20 questions, one per page);
- Kontor under gunicorn (--worker-class sync|gthread, --workers, --threads) on http://127.0.0.1:Q,
  production profile over plain HTTP (loopback cookies as `flask demo` sends them), with
  KONTOR_WORKER=external and --grade-workers `flask --app wsgi worker` processes.
Kontor's rate limit on /lti/login and /lti/launch is switched off: every virtual student comes from
127.0.0.1, while a class comes from as many addresses as it has students.

Each virtual student has its own cookies and keep-alive connections (all students are asyncio tasks of
one thread in this process, so that the client takes little of the CPU it measures: see "the virtual
students' HTTP client" below) and does what a student does: open the activity in the LMS, go through
the real OIDC login (Kontor's login, its cookie check, the LMS's auth endpoint signing an id_token,
the launch; every redirect and auto-submitted form over HTTP), open the start page, start the exam,
open every page, save an answer to every question by the page's autosave (some questions twice), open
the summary, submit, open the result. Think time (--think 0, or a range such as 5-20 seconds) is spent
between the steps a person takes.

Reported per step: count, requests/s, p50/p95/p99 latency, errors (every failed request is printed;
anything but 0 makes the exit status 1), and the CPU of the Kontor worker spent inside the request
(measured in the worker by a WSGI wrapper, thread CPU time up to the response headers). Per process
group (gunicorn workers, PostgreSQL backends, grade workers, demo LMS, this client) the CPU over the
run and per Kontor request, the client's CPU per request it sent, and how much of the workers' CPU was
spent inside the requests; the peak number of connections to the database (pg_stat_activity); the
exam start (first launch until every student has the first question on screen) and the grade
delivery (last submit until the LMS has accepted the last grade, polled from the LMS).

    .venv/bin/python bench/journey.py --students 500 --think 0
    .venv/bin/python bench/journey.py --students 200 --worker-class gthread --workers 2 --threads 8
    .venv/bin/python bench/journey.py --students 1000 --until start     # the exam start only
    .venv/bin/python bench/journey.py --students 100 --think 5-20 --json  # also bench/out/*.json

Bounded: at most MAX_STUDENTS students and --max-seconds of wall time for the students (whoever is
not done then counts as an error); it stops by itself. Results: bench/RESULTS.md ("Journey").
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from email.utils import parsedate_to_datetime
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import psutil
import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # support.form_browser: which forms a browser submits by itself

from attempt import free_port, machine_line, throwaway_database  # noqa: E402  (bench/attempt.py)
from support.form_browser import KNOWN_AUTOSUBMIT_FORMS, TEXT_INPUT_TYPES  # noqa: E402

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
MAX_STUDENTS = 5000
SECRET_KEY = "bench-journey-secret-key-not-for-production-0123456789"
CLIENT_ID = "cobQ95GMgvUHJDN"  # the demo LMS's client id (lms_module.demo_lms.settings)
BROWSER_TIMEOUT = 300  # about how long a browser waits for an answer before it gives up

KONTOR_WSGI = '''\
"""Written by bench/journey.py: Kontor (wsgi.py), reporting each request's CPU in a header."""
import time

from wsgi import app as kontor


def app(environ, start_response):
    started = time.thread_time_ns()

    def timed_start_response(status, headers, exc_info=None):
        headers.append(("X-Bench-Cpu-Us", str((time.thread_time_ns() - started) // 1000)))
        return start_response(status, headers, exc_info)

    return kontor(environ, timed_start_response)
'''

# Which step a request is, by its path (Kontor's and the LMS's); the order is the table's.
STEPS = [
    ("lms: activity page", "lms", re.compile(r"^/course/view/\d+$")),
    ("lms: login initiation", "lms", re.compile(r"^/launch/\d+$")),
    ("login (OIDC)", "kontor", re.compile(r"^/lti/login$")),
    ("lms: auth (signs id_token)", "lms", re.compile(r"^/auth$")),
    ("launch", "kontor", re.compile(r"^/lti/launch$")),
    ("landing", "kontor", re.compile(r"^/l/[^/]+/$")),
    ("start page", "kontor", re.compile(r"^/l/[^/]+/quiz$")),
    ("start exam (POST)", "kontor", re.compile(r"^/l/[^/]+/quiz/start$")),
    ("question page", "kontor", re.compile(r"^/l/[^/]+/attempt/[^/]+/page/\d+$")),
    ("answer save (autosave)", "kontor", re.compile(r"^/l/[^/]+/attempt/[^/]+/autosave$")),
    ("summary", "kontor", re.compile(r"^/l/[^/]+/attempt/[^/]+/summary$")),
    ("submit (POST)", "kontor", re.compile(r"^/l/[^/]+/attempt/[^/]+/submit$")),
    ("result", "kontor", re.compile(r"^/l/[^/]+/attempt/[^/]+/result$")),
]


def step_of(url: str) -> tuple[str, str]:
    path = urlsplit(url).path
    for name, side, pattern in STEPS:
        if pattern.match(path):
            return name, side
    return f"other {path}", "kontor"


# --- setting up --------------------------------------------------------------------------------------


def kontor_env(database_url: str, instance: Path, folder: Path, rate_limits: bool = False) -> dict[str, str]:
    return {
        **os.environ,
        "KONTOR_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance),
        "KONTOR_HTTPS": "0",
        # Production cookies over plain HTTP on loopback, as `flask demo` sends them (browsers treat
        # 127.0.0.1 as secure); the virtual students' cookie jar does the same (support.form_browser).
        "KONTOR_LOCALHOST_SECURE_COOKIES": "1",
        # Off unless asked for: with them on (the production defaults, counted per process), every
        # student comes from 127.0.0.1, as a school behind one NAT address does.
        "KONTOR_RATELIMIT_ENABLED": "1" if rate_limits else "0",
        "KONTOR_WORKER": "external",
        "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }


def prepare_database(database_url: str, instance: Path, lms_url: str) -> None:
    """Migrate, import the library, make the tool key and register the demo LMS as a platform."""
    from flask_migrate import upgrade

    from lms_module import create_app
    from lms_module.extensions import db
    from lms_module.library.services import BUILTIN_QUIZZES, import_path
    from lms_module.lti import keys
    from lms_module.lti.registration import save_platform

    app = create_app({"KONTOR_ENV": "production", "SECRET_KEY": SECRET_KEY, "DATABASE_URL": database_url,
                      "INSTANCE_PATH": str(instance), "KONTOR_HTTPS": False, "KONTOR_WORKER": "off"})
    with app.app_context():
        upgrade()
        report = import_path(BUILTIN_QUIZZES)
        if not report.ok:
            raise SystemExit(f"library import failed: {report.errors[:3]}")
        db.session.commit()
        keys.ensure_tool_key()
        save_platform(issuer=lms_url, client_id=CLIENT_ID, deployment_id="1", auth_login_url=lms_url + "/auth",
                      auth_token_url=lms_url + "/token", key_set_url=lms_url + "/certs", name="Bench demo LMS",
                      hosts_trusted=True)  # as `platform add` does: the LMS is on loopback
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@contextmanager
def process(name: str, command: list[str], env: dict, cwd: Path, folder: Path):
    log = open(folder / f"{name}.log", "w")
    proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def wait_until_up(url: str, proc: subprocess.Popen, name: str, folder: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{name} stopped:\n" + (folder / f"{name}.log").read_text()[-3000:])
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{name} did not answer {url} within {seconds:g} s")


def gunicorn_command(app: str, port: int, workers: int, worker_class: str, threads: int, chdir: Path) -> list[str]:
    return [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(workers), "--worker-class", worker_class,
            "--threads", str(threads), "--bind", f"127.0.0.1:{port}", "--backlog", "4096", "--timeout", "120",
            # Idle keep-alive connections stay open as long as behind a reverse proxy (nginx: 75 s); with
            # gunicorn's 2 s a student's idle connection to the LMS was closed as it sent its next request.
            "--keep-alive", "75",
            "--log-level", "warning", "--chdir", str(chdir), app]


# --- the virtual students' HTTP client ------------------------------------------------------------------
#
# The client shares the machine's two cores with Kontor, so every millisecond it spends per request is
# taken from what it measures. With a thread and a requests session per student (its cookie policy, its
# connection pool, html.parser for the launch forms) it cost 2.3-4.2 ms of CPU per Kontor request, about as
# much as Kontor's question page. So: every student is an asyncio task in one thread, speaks HTTP/1.1 itself
# over keep-alive connections and reads the few things it needs from a page with precompiled expressions.
# What goes over the wire is what the requests session sent: the same requests in the same order, with the
# same headers, cookies and bodies, one keep-alive connection per student and server (a new one whenever
# the server closes it, as gunicorn's sync workers do after every answer).


@dataclass(slots=True)
class Hit:
    step: str
    side: str  # "kontor" or "lms"
    started: float  # time.time()
    seconds: float
    status: int
    cpu_us: int | None  # Kontor worker CPU inside the request (its header)


@dataclass
class Failure:
    student: int
    step: str
    detail: str


@dataclass
class StudentTimes:
    launch_started: float | None = None
    first_question: float | None = None
    submitted: float | None = None
    finished: float | None = None


class JourneyError(Exception):
    pass


class ServerClosed(ConnectionError):
    """The server closed the connection before it answered (http.client's RemoteDisconnected)."""


class BadAnswer(Exception):
    """An answer that is not HTTP/1.x as a browser reads it (broken off, unreadable headers)."""


REDIRECTS = frozenset((301, 302, 303, 307, 308))


@dataclass(slots=True)
class Response:
    url: str
    status: int
    headers: dict[str, str]  # lower-case names; a repeated header's values joined by ", " (not Set-Cookie)
    body: bytes
    _text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.body.decode("utf-8", "replace")  # Kontor and the demo LMS answer in UTF-8
        return self._text

    def json(self):
        return json.loads(self.body)


# The addresses a host name stands for, the one that last took a connection first: resolved once per host
# (a browser caches its lookups too), not on every new connection.
_ADDRESSES: dict[tuple[str, int], list[str]] = {}


async def connect(host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    addresses = _ADDRESSES.get((host, port))
    if addresses is None:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = _ADDRESSES[(host, port)] = list(dict.fromkeys(info[4][0] for info in found))
    error: OSError | None = None
    for address in list(addresses):
        try:
            connection = await asyncio.open_connection(address, port)  # an address literal: no lookup
        except OSError as refused:
            error = refused
            continue
        if addresses[0] != address:
            addresses.remove(address)
            addresses.insert(0, address)
        return connection
    raise error or OSError(f"no address for {host}")


async def read_answer(reader: asyncio.StreamReader, method: str) -> tuple[int, bool, dict[str, str], list[str], bytes]:
    """Status, whether the connection stays open, headers, Set-Cookie lines and body of one answer."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if not error.partial:
            raise ServerClosed("the server closed the connection without an answer") from None
        raise BadAnswer("the answer broke off in its headers") from None
    except asyncio.LimitOverrunError:
        raise BadAnswer("headers longer than 64 KiB") from None
    status_line, *lines = head[:-4].decode("latin-1").split("\r\n")
    version, _, rest = status_line.partition(" ")
    try:
        status = int(rest[:3])
    except ValueError:
        raise BadAnswer(f"not an HTTP status line: {status_line[:80]!r}") from None
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for line in lines:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "set-cookie":
            cookies.append(value)
        elif name in headers:
            headers[name] += ", " + value
        else:
            headers[name] = value
    keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    try:
        if method == "HEAD" or status in (204, 304) or status < 200:
            body = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = await read_chunked(reader)
        elif "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        else:  # the body ends with the connection
            body = await reader.read()
            keep = False
    except asyncio.IncompleteReadError:
        raise BadAnswer("the answer broke off in its body") from None
    if headers.get("content-encoding") in ("gzip", "deflate"):  # asked for as requests asks; Kontor does not
        body = zlib.decompress(body, 47)
    return status, keep, headers, cookies, body


async def read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


def _path_matches(path: str, cookie_path: str) -> bool:
    """RFC 6265: the cookie's path is the request path or a directory above it."""
    return path == cookie_path or path.startswith(cookie_path if cookie_path.endswith("/") else cookie_path + "/")


class CookieJar:
    """One student's cookies per host name, as a browser keeps them on loopback: Secure cookies are sent over
    http://127.0.0.1 and http://localhost too (support.form_browser.BrowserCookiePolicy, what Kontor's
    production cookies need here). Name, value, path and lifetime; Kontor and the demo LMS set no Domain."""

    def __init__(self) -> None:
        self.hosts: dict[str, dict[tuple[str, str], tuple[str, float | None]]] = {}

    def store(self, host: str, request_path: str, lines: list[str]) -> None:
        jar = self.hosts.setdefault(host, {})
        now = time.time()
        for line in lines:
            pair, *attributes = line.split(";")
            name, equals, value = pair.partition("=")
            name, value = name.strip(), value.strip()
            if not equals or not name:
                continue
            path, expires, max_age, domain = None, None, None, None
            for attribute in attributes:
                key, _, given = attribute.partition("=")
                key, given = key.strip().lower(), given.strip()
                if key == "path" and given.startswith("/"):
                    path = given
                elif key == "max-age":
                    try:
                        max_age = int(given)
                    except ValueError:
                        pass
                elif key == "expires":
                    try:
                        expires = parsedate_to_datetime(given).timestamp()
                    except (TypeError, ValueError):
                        pass
                elif key == "domain" and given:
                    domain = given.lstrip(".").lower()
            if domain is not None and domain != host:
                continue  # a cookie for another site: a browser refuses it
            if path is None:  # RFC 6265: the request path's directory
                path = request_path[:request_path.rfind("/")] or "/"
            if max_age is not None:  # takes precedence over Expires
                expires = now + max_age
            if expires is not None and expires <= now:
                jar.pop((name, path), None)  # how a server deletes a cookie
            else:
                jar[(name, path)] = (value, expires)

    def header(self, host: str, path: str) -> str | None:
        jar = self.hosts.get(host)
        if not jar:
            return None
        now = time.time()
        sent = [(cookie_path, name, value) for (name, cookie_path), (value, expires) in jar.items()
                if (expires is None or expires > now) and _path_matches(path, cookie_path)]
        if not sent:
            return None
        sent.sort(key=lambda c: -len(c[0]))  # longer paths first, as http.cookiejar sends them
        return "; ".join(f"{name}={value}" for _, name, value in sent)


# --- reading pages: only what a student needs, with precompiled expressions -----------------------------

INPUT = re.compile(r"<input\b([^>]*)>", re.S)
SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.S)
TEXTAREA = re.compile(r"<textarea\b([^>]*)>", re.S)
OPTION = re.compile(r"<option\b([^>]*)>", re.S)
ATTR = re.compile(r'([\w:-]+)(?:="([^"]*)")?')
SECTION = re.compile(r'<section class="question"[^>]*data-question="([^"]+)"(.*?)</section>', re.S)
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
IFRAME = re.compile(r"<iframe\b([^>]*)>", re.S)
SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.S)
SUBMIT_CALL = re.compile(r"\.submit\s*\(\s*\)")
ATTEMPT_FORM = re.compile(r'<form id="attempt-form"(.*?)>', re.S)
START_FORM = re.compile(r'<form method="post" action="([^"]*/quiz/start)">\s*<input type="hidden" '
                        r'name="csrf_token" value="([^"]+)"')
SUBMIT_FORM = re.compile(r'<form method="post" action="([^"]*/submit)">\s*<input type="hidden" '
                         r'name="csrf_token" value="([^"]+)"')
PAGE_NUMBER = re.compile(r'value="page-(\d+)"')
START_PAGE_PATH = re.compile(r"/l/[^/]+/quiz$")


def attrs(raw: str) -> dict[str, str]:
    return {k: unescape(v or "") for k, v in ATTR.findall(raw)}


@dataclass(slots=True)
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]]


def _is_html(page: Response) -> bool:
    content_type = page.headers.get("content-type", "")
    return "html" in content_type or not content_type


def tool_frame(page: Response) -> str | None:
    """The src of the page's first iframe (the LMS's activity page holds the tool in one), absolute."""
    if not _is_html(page):
        return None
    frame = IFRAME.search(page.text)
    return urljoin(page.url, attrs(frame.group(1)).get("src", "")) if frame else None


def auto_form(page: Response) -> Form | None:
    """The form a browser submits by itself on this page, by support.form_browser.autosubmit_form's rules:
    a form marked data-autosubmit or named as Moodle names its launch forms, else the form an inline
    script submits. Its fields as a browser sends them: text-like inputs, checked boxes and radios (the
    forms that submit themselves in an LTI launch have nothing else)."""
    if not _is_html(page):
        return None
    text = page.text
    forms = [(attrs(raw), body) for raw, body in FORM.findall(text)]
    chosen = next((f for f in forms if "data-autosubmit" in f[0] or f[0].get("name") in KNOWN_AUTOSUBMIT_FORMS
                   or f[0].get("id") in KNOWN_AUTOSUBMIT_FORMS), None)
    if chosen is None:
        script = "\n".join(SCRIPT.findall(text))
        if not forms or not SUBMIT_CALL.search(script):
            return None
        chosen = next((f for f in forms for handle in (f[0].get("name"), f[0].get("id"))
                       if handle and re.search(rf"\b{re.escape(handle)}\b", script)), None)
        if chosen is None:
            chosen = forms[0] if len(forms) == 1 else None
        if chosen is None:
            return None
    form, body = chosen
    fields = []
    for raw in INPUT.findall(body):
        a = attrs(raw)
        name = a.get("name")
        kind = a.get("type", "").lower()
        if not name:
            continue
        if kind in TEXT_INPUT_TYPES:
            fields.append((name, a.get("value", "")))
        elif kind in ("checkbox", "radio") and "checked" in a:
            fields.append((name, a.get("value", "on")))
    return Form(urljoin(page.url, form.get("action") or page.url), (form.get("method") or "get").lower(), fields)


def answer_fields(section_html: str, question_id: str, rng: random.Random) -> dict[str, list[str]]:
    """Some answer to one question, chosen from what its form offers (right or wrong, by chance)."""
    prefix = f"q-{question_id}"
    mine = lambda name: name == prefix or name.startswith(prefix + "__")  # noqa: E731
    choices: dict[str, list[str]] = {}
    kinds: dict[str, str] = {}
    for raw in INPUT.findall(section_html):
        a = attrs(raw)
        name = a.get("name", "")
        if not mine(name):
            continue
        kind = a.get("type", "text").lower()
        kinds[name] = kind
        choices.setdefault(name, []).append(a.get("value", ""))
    fields: dict[str, list[str]] = {}
    for name, values in choices.items():
        kind = kinds[name]
        if kind == "radio":
            fields[name] = [rng.choice(values)]
        elif kind == "checkbox":
            fields[name] = rng.sample(values, k=rng.randint(1, min(2, len(values))))
        else:
            fields[name] = [rng.choice(["42", "12,50", "Rechnung", "2026-11-03", "DE89370400440532013000"])]
    for raw, body in SELECT.findall(section_html):
        name = attrs(raw).get("name", "")
        if mine(name):
            options = [attrs(o).get("value", "") for o in OPTION.findall(body)]
            options = [o for o in options if o] or [""]
            fields[name] = [rng.choice(options)]
    for raw in TEXTAREA.findall(section_html):
        name = attrs(raw).get("name", "")
        if mine(name):
            fields[name] = ["Geprüft und abgeglichen."]
    return fields


class Student:
    def __init__(self, number: int, user_id: str, args, lms_url: str, cmid: int, hits: list, failures: list,
                 stop_at: float) -> None:
        self.number = number
        self.user_id = user_id
        self.args = args
        self.lms_url = lms_url
        self.cmid = cmid
        self.hits = hits
        self.failures = failures
        self.stop_at = stop_at
        self.times = StudentTimes()
        self.rng = random.Random(f"student-{number}")
        self.language = "de,en;q=0.5" if number % 2 else "en,de;q=0.5"
        self.cookies = CookieJar()
        self.connections: dict[tuple[str, int], tuple[asyncio.StreamReader, asyncio.StreamWriter]] = {}
        self.step = "lms: activity page"  # the step of the request under way (for a student cut off)

    # One request, following redirects by hand so that every hop is timed as its own step.
    async def request(self, method: str, url: str, *, form: list | dict | None = None, query: list | None = None,
                      json_body: dict | None = None, headers: dict[str, str] | None = None) -> Response:
        body, content_type = b"", None
        if form is not None:
            body, content_type = urlencode(form).encode("ascii"), "application/x-www-form-urlencoded"
        elif json_body is not None:
            body, content_type = json.dumps(json_body, allow_nan=False).encode("utf-8"), "application/json"
        query_string = urlencode(query) if query else ""
        for _ in range(10):
            if time.monotonic() > self.stop_at:
                raise JourneyError("the bench's time limit (--max-seconds) ran out")
            if query_string:
                url = f"{url}{'&' if '?' in url else '?'}{query_string}"
            step, side = step_of(url)
            self.step = step
            started = time.time()
            t0 = time.perf_counter()
            try:
                try:
                    response = await self.send(method, url, body, content_type, headers)
                except TimeoutError:  # an OSError too, but not sent again
                    raise
                except OSError:  # refused, reset, or closed by the server (ServerClosed)
                    if method != "GET":
                        raise
                    # A browser sends a GET again when the server closed the reused connection under it.
                    response = await self.send(method, url, body, content_type, headers)
            except (OSError, BadAnswer) as error:
                self.hits.append(Hit(step, side, started, time.perf_counter() - t0, 0, None))
                why = str(error) or f"no answer within {self.args.timeout:g} s"
                raise JourneyError(f"{step}: {method} {url}: {type(error).__name__}: {why}") from None
            elapsed = time.perf_counter() - t0
            cpu = response.headers.get("x-bench-cpu-us")
            self.hits.append(Hit(step, side, started, elapsed, response.status, int(cpu) if cpu else None))
            if response.status in REDIRECTS:
                url = urljoin(url, response.headers["location"])
                if response.status != 307:
                    method, body, content_type, headers = "GET", b"", None, None
                    query_string = ""
                continue
            if response.status != 200:
                raise JourneyError(f"{step}: {method} {url} answered {response.status}: "
                                   f"{_text(response.text)[:300]}")
            return response
        raise JourneyError(f"more than 10 redirects from {url}")

    async def send(self, method: str, url: str, body: bytes, content_type: str | None,
                   headers: dict[str, str] | None) -> Response:
        """One HTTP exchange on this student's keep-alive connection to the server (headers as requests sent)."""
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or 80
        path = parts.path or "/"
        lines = [f"{method} {path}{'?' + parts.query if parts.query else ''} HTTP/1.1", f"Host: {parts.netloc}",
                 "User-Agent: kontor-bench-journey", "Accept-Encoding: gzip, deflate", "Accept: */*",
                 "Connection: keep-alive", f"Accept-Language: {self.language}"]
        if headers:
            lines.extend(f"{name}: {value}" for name, value in headers.items())
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        if content_type:
            lines.append(f"Content-Type: {content_type}")
        cookie = self.cookies.header(host, path)
        if cookie:
            lines.append(f"Cookie: {cookie}")
        message = ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body
        key = (host, port)
        connection = self.connections.pop(key, None)
        if connection is not None and connection[0].at_eof():  # the server closed it while it was idle
            connection[1].close()
            connection = None
        keep = False
        try:
            async with asyncio.timeout(self.args.timeout):
                if connection is None:
                    connection = await connect(host, port)
                connection[1].write(message)
                status, keep, answer_headers, cookies, answer = await read_answer(connection[0], method)
        finally:
            if connection is not None:
                if keep:
                    self.connections[key] = connection
                else:
                    connection[1].close()
        if cookies:
            self.cookies.store(host, path, cookies)
        return Response(url, status, answer_headers, answer)

    def close(self) -> None:
        for _, writer in self.connections.values():
            writer.close()
        self.connections.clear()

    async def think(self) -> None:
        low, high = self.args.think_range
        if high > 0:
            await asyncio.sleep(min(self.rng.uniform(low, high), max(self.stop_at - time.monotonic(), 0)))

    async def run(self) -> None:
        try:
            await self.journey()
        except JourneyError as error:
            self.failures.append(Failure(self.number, str(error).split(":", 1)[0], str(error)))
        except asyncio.CancelledError:  # still waiting when the bench stopped waiting for the students
            self.failures.append(Failure(self.number, self.step, f"{self.step}: still under way when the bench "
                                                                  f"stopped waiting (--max-seconds, --timeout)"))
            raise
        except Exception as error:  # a bug in the bench or a page it cannot read: report, never hide
            self.failures.append(Failure(self.number, "client", f"{type(error).__name__}: {error}"))
        finally:
            self.close()

    async def journey(self) -> None:
        self.times.launch_started = time.time()
        view = await self.request("GET", f"{self.lms_url}/course/view/{self.cmid}?user={self.user_id}")
        frame = tool_frame(view)
        if not frame:
            raise JourneyError("lms: activity page: no tool frame")
        page = await self.request("GET", frame)
        for _ in range(8):  # the auto-submitted forms: login initiation, cookie check, id_token
            form = auto_form(page)
            if form is None:
                break
            if form.method == "post":
                page = await self.request("POST", form.action, form=form.fields)
            else:
                page = await self.request("GET", form.action, query=form.fields)
        if not START_PAGE_PATH.search(urlsplit(page.url).path):
            raise JourneyError(f"launch: ended on {page.url}, not the start page: {_text(page.text)[:300]}")
        start = START_FORM.search(page.text)
        if not start:
            raise JourneyError(f"start page: no start button: {_text(page.text)[:300]}")
        await self.think()
        page = await self.request("POST", urljoin(page.url, unescape(start.group(1))),
                                  form={"csrf_token": start.group(2)})
        if "/page/1" not in page.url:
            raise JourneyError(f"start exam (POST): ended on {page.url}")
        self.times.first_question = time.time()
        if self.args.until == "start":
            self.times.finished = time.time()
            return
        pages = max(int(n) for n in PAGE_NUMBER.findall(page.text))
        base = page.url.rsplit("/page/", 1)[0]
        for number in range(1, pages + 1):
            if number > 1:
                await self.think()
                page = await self.request("GET", f"{base}/page/{number}")
            await self.answer_page(page)
        await self.think()
        summary = await self.request("GET", f"{base}/summary")
        submit = SUBMIT_FORM.search(summary.text)
        if not submit:
            raise JourneyError(f"summary: no submit form: {_text(summary.text)[:300]}")
        await self.think()
        self.times.submitted = time.time()
        result = await self.request("POST", urljoin(summary.url, unescape(submit.group(1))),
                                    form={"csrf_token": submit.group(2)})
        if not result.url.endswith("/result"):
            raise JourneyError(f"submit (POST): ended on {result.url}")
        self.times.finished = time.time()

    async def answer_page(self, page: Response) -> None:
        form = ATTEMPT_FORM.search(page.text)
        if not form:
            raise JourneyError(f"question page: no attempt form on {page.url}: {_text(page.text)[:300]}")
        a = attrs(form.group(1))
        save_url, token = urljoin(page.url, a["data-autosave-url"]), a["data-csrf"]
        sections = SECTION.findall(page.text)
        if not sections:
            raise JourneyError(f"question page: no question on {page.url}")
        for question_id, html in sections:
            for _ in range(2 if self.rng.random() < self.args.twice else 1):
                await self.think_short()
                body = {"question_id": question_id, "fields": answer_fields(html, question_id, self.rng),
                        "flagged": False, "given_at": _now_iso()}
                saved = await self.request("POST", save_url, json_body=body, headers={"X-CSRFToken": token})
                if not saved.json().get("ok"):
                    raise JourneyError(f"answer save (autosave): refused: {saved.text[:300]}")

    async def think_short(self) -> None:
        """Answering one question takes a part of the think time."""
        low, high = self.args.think_range
        if high > 0:
            await asyncio.sleep(min(self.rng.uniform(low, high) / 2, max(self.stop_at - time.monotonic(), 0)))


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{int(time.time() * 1000) % 1000:03d}Z"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


async def play(students: list[Student], ramp: float, give_up_at: float, progress=None) -> None:
    """Every student's journey at once (or arriving over `ramp` seconds); who is still under way at
    `give_up_at` (monotonic) is cut off and counted as failed. `progress()` is called every 10 s."""
    async def arrive(student: Student) -> None:
        if ramp:
            await asyncio.sleep(ramp * student.number / len(students))
        await student.run()

    pending = {asyncio.create_task(arrive(s), name=f"student-{s.number}") for s in students}
    while pending:
        left = give_up_at - time.monotonic()
        if left <= 0:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            return
        _, pending = await asyncio.wait(pending, timeout=min(10.0, left))
        if pending and progress:
            progress()


# --- watching the processes -----------------------------------------------------------------------------

WORKERS_GROUP = "Kontor workers (gunicorn)"
CLIENT_GROUP = "bench client (this process)"


@dataclass
class Sample:
    at: float
    cpu: dict[str, float]  # seconds of CPU so far, per group
    connections: int


class Monitor:
    """Samples the CPU of every process group and the database's connections, twice a second.

    The PostgreSQL group (a group given as None) is the database's backends as pg_stat_activity lists
    them, from the query that counts the connections anyway: walking every process of the machine for
    their command lines cost 12 ms per sample, charged to the bench client."""

    def __init__(self, groups, database: str, postgres_url: str, interval: float = 0.5) -> None:
        self.groups = groups  # name -> callable returning the pids of that group now (None: the backends)
        self.database = database
        self.postgres_url = postgres_url
        self.interval = interval
        self.samples: list[Sample] = []
        self.seen: dict[str, dict[int, float]] = {name: {} for name in groups}
        self.thread_cpu = 0.0  # CPU seconds of the sampling thread itself (part of the bench client's)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="monitor", daemon=True)
        self._me = psutil.Process()

    def __enter__(self) -> Monitor:
        self._conn = psycopg.connect(self.postgres_url, autocommit=True)
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(10)
        self.sample()
        self._conn.close()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()
            self.thread_cpu = time.thread_time()

    @staticmethod
    def _cpu(pid: int) -> float | None:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            return None
        return times.user + times.system

    def sample(self) -> None:
        now = time.time()
        backends = [row[0] for row in self._conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (self.database,))]
        totals = {}
        for name, pids in self.groups.items():
            seen = self.seen[name]
            for pid in (backends if pids is None else pids()):
                cpu = self._cpu(pid)
                if cpu is not None:
                    # A process that ends keeps its last figure (backends of closed connections).
                    seen[pid] = max(seen.get(pid, 0.0), cpu)
            totals[name] = sum(seen.values())
        own = self._me.cpu_times()
        totals[CLIENT_GROUP] = own.user + own.system
        self.samples.append(Sample(now, totals, len(backends)))

    def cpu_between(self, start: float, end: float) -> dict[str, float]:
        def at(moment: float) -> dict[str, float]:
            before = [s for s in self.samples if s.at <= moment]
            return (before[-1] if before else self.samples[0]).cpu
        a, b = at(start), at(end)
        return {name: b.get(name, 0.0) - a.get(name, 0.0) for name in b}

    @property
    def peak_connections(self) -> int:
        return max(s.connections for s in self.samples)


def children(pid: int) -> list[int]:
    """The child processes of `pid`. Linux lists them per thread in /proc (a few microseconds to read);
    psutil reads every process of the machine to find them (5 ms, twice a sample, on the client's CPU)."""
    try:
        found = []
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as listed:
                found.extend(int(child) for child in listed.read().split())
        return found
    except OSError:  # the process has ended, or a kernel without these files
        pass
    try:
        return [c.pid for c in psutil.Process(pid).children()]
    except psutil.Error:
        return []


# --- the report -------------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    k = (len(sorted_values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def step_table(hits: list[Hit]) -> list[dict]:
    rows = []
    names = [name for name, _, _ in STEPS] + sorted({h.step for h in hits} - {n for n, _, _ in STEPS})
    for name in names:
        mine = [h for h in hits if h.step == name]
        if not mine:
            continue
        latencies = sorted(h.seconds * 1000 for h in mine)
        span = max(h.started + h.seconds for h in mine) - min(h.started for h in mine)
        cpu = [h.cpu_us for h in mine if h.cpu_us is not None]
        rows.append({
            "step": name, "side": mine[0].side, "requests": len(mine),
            "per_second": len(mine) / span if span > 0 else 0.0,
            "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95),
            "p99_ms": percentile(latencies, 99), "max_ms": latencies[-1],
            "errors": sum(1 for h in mine if h.status not in (200, 302, 303)),
            "worker_cpu_ms": statistics.fmean(cpu) / 1000 if cpu else None,
        })
    return rows


def print_steps(rows: list[dict]) -> None:
    header = (f"{'step':<28} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
              f"{'errors':>6} {'worker CPU ms/req':>18}")
    print(header)
    print("-" * len(header))
    for r in rows:
        cpu = f"{r['worker_cpu_ms']:.2f}" if r["worker_cpu_ms"] is not None else "–"
        print(f"{r['step']:<28} {r['requests']:>8} {r['per_second']:>8.1f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} "
              f"{r['p99_ms']:>8.1f} {r['max_ms']:>8.0f} {r['errors']:>6} {cpu:>18}")


def window_rows(monitor: Monitor, hits: list[Hit], windows: list[tuple[str, float, float]], grades: int) -> list[dict]:
    rows = []
    for name, start, end in windows:
        if end <= start:
            continue
        cpu = monitor.cpu_between(start, end)
        kontor = sum(1 for h in hits if h.side == "kontor" and start <= h.started + h.seconds <= end)
        lms = sum(1 for h in hits if h.side == "lms" and start <= h.started + h.seconds <= end)
        inside = sum(h.cpu_us for h in hits if h.cpu_us is not None and start <= h.started + h.seconds <= end)
        rows.append({"window": name, "seconds": end - start, "kontor_requests": kontor, "lms_requests": lms,
                     "cpu_seconds": cpu, "worker_cpu_seconds_inside_requests": inside / 1e6,
                     "grades": grades if name.startswith("whole run") else None})
    return rows


def print_windows(rows: list[dict], machine_busy: float) -> None:
    groups = list(rows[0]["cpu_seconds"]) if rows else []
    print(f"{'window':<34} {'seconds':>8} {'Kontor req':>10} " + " ".join(f"{g[:26]:>27}" for g in groups))
    print(f"{'':<34} {'':>8} {'':>10} " + " ".join(f"{'CPU s (ms per Kontor req)':>27}" for _ in groups))
    for r in rows:
        n = max(r["kontor_requests"], 1)
        cells = " ".join(f"{f'{s:.1f} ({s * 1000 / n:.2f})':>27}" for s in r["cpu_seconds"].values())
        print(f"{r['window']:<34} {r['seconds']:>8.1f} {r['kontor_requests']:>10} {cells}")


def parse_think(text: str) -> tuple[float, float]:
    parts = [float(p) for p in text.split("-", 1)]
    low, high = parts[0], parts[-1]
    if low < 0 or high < low or high > 600:
        raise argparse.ArgumentTypeError("think time: SECONDS or LOW-HIGH, 0 to 600")
    return low, high


def parse_args(argv=None):
    cores = os.cpu_count() or 1
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=500, help=f"virtual students (at most {MAX_STUDENTS})")
    p.add_argument("--think", type=parse_think, default=(0.0, 0.0), dest="think_range",
                   help="seconds between a student's steps: 0, or a range LOW-HIGH such as 5-20")
    p.add_argument("--ramp", type=float, default=0.0, help="seconds over which the students arrive (0: all at once)")
    p.add_argument("--twice", type=float, default=0.25, help="share of questions answered twice")
    p.add_argument("--until", choices=["result", "start"], default="result",
                   help="'start': stop every student at the first question (the exam-start figure)")
    p.add_argument("--max-seconds", type=float, default=900.0, help="wall time limit for the students")
    p.add_argument("--timeout", type=float, default=BROWSER_TIMEOUT,
                   help="seconds a student waits for an answer before it counts as an error")
    p.add_argument("--warmup", type=int, default=None,
                   help="students who take the exam before the measurement, on their own activity, without "
                        "think time (default 2 per gunicorn worker; 0: measure cold workers)")
    p.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    p.add_argument("--rate-limits", action="store_true",
                   help="Kontor's default rate limits on (all students share one address, as behind a school's NAT)")
    p.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers (default 2 x cores + 1)")
    p.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (gthread)")
    p.add_argument("--grade-workers", type=int, default=1, help="`flask worker` processes")
    p.add_argument("--lms-threads", type=int, default=16, help="threads of the demo LMS's server process")
    p.add_argument("--quiz", default="accuracy-exam", help="the exam's slug (20 questions, one per page)")
    p.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    p.add_argument("--grade-wait", type=float, default=180.0, help="longest wait for the grades after the last submit")
    p.add_argument("--json", nargs="?", const="auto", default=None,
                   help="also write the figures as JSON (default bench/out/journey-<time>.json)")
    args = p.parse_args(argv)
    if not 1 <= args.students <= MAX_STUDENTS:
        p.error(f"--students must be 1 to {MAX_STUDENTS}")
    if not 1 <= args.workers <= 64 or not 1 <= args.threads <= 64 or not 0 <= args.grade_workers <= 16:
        p.error("--workers and --threads 1 to 64, --grade-workers 0 to 16")
    if args.warmup is None:
        args.warmup = min(2 * args.workers, 40)
    if not 0 <= args.warmup <= 100:
        p.error("--warmup 0 to 100")
    if not 1 <= args.timeout <= 600:
        p.error("--timeout 1 to 600")
    if not 1 <= args.max_seconds <= 4 * 3600:
        p.error("--max-seconds 1 to 14400")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    kontor_port, lms_port = free_port(), free_port()
    kontor_url, lms_url = f"http://127.0.0.1:{kontor_port}", f"http://localhost:{lms_port}"
    load_before = os.getloadavg()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kontor-journey-")))
        database_url, database = stack.enter_context(throwaway_database(args.postgres_url))
        instance = folder / "instance"
        started = time.monotonic()
        prepare_database(database_url, instance, lms_url)
        (folder / "bench_journey_wsgi.py").write_text(KONTOR_WSGI)
        env = kontor_env(database_url, instance, folder, rate_limits=args.rate_limits)
        lms_env = {**env, "BENCH_LMS_URL": lms_url, "BENCH_TOOL_URL": kontor_url,
                   "BENCH_STUDENTS": str(args.students), "BENCH_WARMUP": str(args.warmup), "BENCH_QUIZ": args.quiz,
                   "PYTHONPATH": os.pathsep.join([str(BENCH), str(ROOT)])}
        lms = stack.enter_context(process("demo-lms", gunicorn_command(
            "journey_lms:create()", lms_port, 1, "gthread", args.lms_threads, BENCH), lms_env, BENCH, folder))
        kontor = stack.enter_context(process("kontor", gunicorn_command(
            "bench_journey_wsgi:app", kontor_port, args.workers, args.worker_class, args.threads, folder),
            env, folder, folder))
        workers = [stack.enter_context(process(f"grade-worker-{i}", [
            str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "worker"], env, ROOT, folder))
            for i in range(args.grade_workers)]
        wait_until_up(f"{lms_url}/_bench/info", lms, "demo-lms", folder)
        wait_until_up(f"{kontor_url}/healthz", kontor, "kontor", folder)
        info = requests.get(f"{lms_url}/_bench/info", timeout=10).json()
        print(f"set up in {time.monotonic() - started:.1f} s: Kontor {kontor_url} (gunicorn {args.workers} x "
              f"{args.worker_class}, {args.threads} thread(s)), demo LMS {lms_url} (own process), "
              f"{args.grade_workers} grade worker(s); {args.students} students", flush=True)

        groups = {
            WORKERS_GROUP: lambda: children(kontor.pid),
            "PostgreSQL backends": None,  # the monitor's own query lists them
            "grade workers": lambda: [w.pid for w in workers],
            "demo LMS": lambda: [lms.pid, *children(lms.pid)],
        }
        if args.warmup:
            # Fresh workers import, compile templates and fill caches on their first requests; a
            # server in service has done that long before an exam. Same quiz, an activity of its own.
            warm_failures: list[Failure] = []
            quick = argparse.Namespace(**{**vars(args), "think_range": (0.0, 0.0), "until": "result"})
            warm = [Student(i, uid, quick, lms_url, info["warmup_cmid"], [], warm_failures, time.monotonic() + 300)
                    for i, uid in enumerate(info["warmup_users"])]
            asyncio.run(play(warm, 0.0, time.monotonic() + 300 + args.timeout))
            if warm_failures:
                print("warm-up failed:\n" + "\n".join(f.detail for f in warm_failures[:10]))
                return 1
            print(f"warmed up: {len(warm)} students went through the whole exam first", flush=True)
        hits: list[Hit] = []
        failures: list[Failure] = []
        stop_at = time.monotonic() + args.max_seconds
        students = [Student(i, uid, args, lms_url, info["cmid"], hits, failures, stop_at)
                    for i, uid in enumerate(info["users"][:args.students])]
        with Monitor(groups, database, args.postgres_url) as monitor:
            run_started = time.time()

            def progress() -> None:
                done = sum(1 for s in students if s.times.finished)
                print(f"  {time.time() - run_started:6.0f} s: {done} of {len(students)} students done, "
                      f"{len(hits)} requests, {len(failures)} failed", flush=True)

            # Whoever is still waiting for an answer when the time limit and one more timeout have run
            # out is cut off and counted as failed.
            asyncio.run(play(students, args.ramp, stop_at + args.timeout + 10, progress))
            students_done = time.time()
            # The grades: poll the LMS until every submitted student's grade was accepted.
            submitted = {s.user_id for s in students if s.times.finished and s.times.submitted}
            accepted: dict[str, float] = {}
            grade_report = {}
            if args.until == "result" and submitted and args.grade_workers:
                grade_deadline = time.monotonic() + args.grade_wait
                while time.monotonic() < grade_deadline:
                    grade_report = requests.get(f"{lms_url}/_bench/grades", timeout=10).json()
                    accepted = grade_report["accepted"]
                    if submitted <= set(accepted):
                        break
                    time.sleep(0.25)
            grades_done = time.time()
        load_after = os.getloadavg()
        logs = {p.name: p.read_text(errors="replace") for p in folder.glob("*.log")}

    # --- figures
    first_launch = min((s.times.launch_started for s in students if s.times.launch_started), default=run_started)
    first_questions = [s.times.first_question for s in students if s.times.first_question]
    submits = [s.times.submitted for s in students if s.times.submitted and s.times.finished]
    exam_start = (max(first_questions) - first_launch) if len(first_questions) == len(students) else None
    last_grade = max((accepted[u] for u in submitted if u in accepted), default=None)
    missing_grades = sorted(submitted - set(accepted))
    grade_delay = (last_grade - max(submits)) if submits and last_grade and not missing_grades else None
    windows = [("whole run (first launch..last grade)", first_launch, max(grades_done if last_grade else students_done,
                                                                        students_done))]
    if first_questions:
        windows.append(("exam start (first launch..all on Q1)", first_launch, max(first_questions)))
        if args.until == "result":
            windows.append(("exam (all on Q1..last result)", max(first_questions), students_done))
    if submits and last_grade:
        windows.append(("grades (last submit..last grade)", max(submits), last_grade))
    steps = step_table(hits)
    window_figures = window_rows(monitor, hits, windows, len(accepted))
    busy = (load_before, load_after)

    print()
    print(f"machine: {machine_line(args.postgres_url)}; load average before {load_before[0]:.2f} "
          f"(5 min {load_before[1]:.2f}), after {load_after[0]:.2f}")
    print(f"Kontor: gunicorn {args.workers} {args.worker_class} worker(s) x {args.threads} thread(s), "
          f"{args.grade_workers} grade worker(s); {len(students)} students, think {args.think_range[0]:g}-"
          f"{args.think_range[1]:g} s, ramp {args.ramp:g} s, until {args.until}; quiz {args.quiz}")
    print()
    print_steps(steps)
    print()
    print_windows(window_figures, 0.0)
    print("(CPU of each process group in the window; in brackets per Kontor request completed in it. Worker CPU ms/req\n"
          " in the step table is measured inside the request by the worker itself, up to the response headers.)")
    if window_figures:
        whole = window_figures[0]
        client, workers = whole["cpu_seconds"][CLIENT_GROUP], whole["cpu_seconds"][WORKERS_GROUP]
        sent, inside = whole["kontor_requests"] + whole["lms_requests"], whole["worker_cpu_seconds_inside_requests"]
        print(f"bench client: {client:.1f} s of CPU in the whole run for the {sent} requests it sent to Kontor and the "
              f"LMS, {client * 1000 / max(sent, 1):.2f} ms per request ({monitor.thread_cpu:.1f} s of it sampling "
              f"the processes)")
        print(f"Kontor workers: {inside:.1f} of their {workers:.1f} s of CPU in the whole run inside the requests (the "
              f"step table's figures, {100 * inside / workers if workers else 0:.0f} %); the rest is gunicorn's own "
              f"(accepting, reading and writing connections)")
    print()
    done = sum(1 for s in students if s.times.finished)
    print(f"students finished: {done} of {len(students)}; Kontor requests {sum(1 for h in hits if h.side == 'kontor')}, "
          f"LMS requests by the students {sum(1 for h in hits if h.side == 'lms')}")
    print(f"peak connections to the database: {monitor.peak_connections}")
    if exam_start is not None:
        print(f"exam start: {exam_start:.1f} s from the first launch until all {len(students)} students had the "
              f"first question on screen")
    else:
        print(f"exam start: not reached by every student ({len(first_questions)} of {len(students)})")
    if args.until == "result":
        if grade_delay is not None:
            print(f"grades: {len(accepted)} accepted by the LMS; the last {grade_delay:.1f} s after the last submit "
                  f"(LMS: {grade_report.get('score_posts')} score posts, {grade_report.get('refused')} refused, "
                  f"{grade_report.get('token_requests')} token requests)")
        else:
            print(f"grades: {len(missing_grades)} of {len(submitted)} not accepted by the LMS within "
                  f"{args.grade_wait:g} s after the students finished")
        jwks = grade_report.get("request_counts", {}).get("certs")
        if jwks is not None:
            print(f"platform key set (JWKS) requests to the LMS: {jwks} for {len(students)} launches")
    errors = [h for h in hits if h.status not in (200, 302, 303)]
    ok = not failures and not errors and done == len(students) and (args.until == "start" or not missing_grades)
    if failures:
        kinds: dict[str, int] = {}
        for f in failures:
            why = re.search(r"answered \d+|\b\w+(Error|Timeout|Exception)\b|time limit", f.detail)
            key = f"{f.step}: {why.group(0) if why else 'other'}"
            kinds[key] = kinds.get(key, 0) + 1
        print(f"\nERRORS: {len(failures)} students failed: "
              + "; ".join(f"{n} x {k}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])))
        print("the first 20:")
        for f in failures[:20]:
            print(f"  student {f.student}: {f.detail}")
    for name, text in logs.items():
        if "Traceback" in text or " ERROR " in text or "[ERROR]" in text:
            print(f"\n{name} log (tail):\n{text[-2500:]}")
    print("\nresult:", "0 errors" if ok else "FAILED (see above)")

    if args.json:
        out = Path(args.json) if args.json != "auto" else BENCH / "out" / f"journey-{time.strftime('%Y%m%d-%H%M%S')}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({
            "arguments": {k: v for k, v in vars(args).items() if k != "json"},
            "machine": machine_line(args.postgres_url), "load_average_before": busy[0], "load_average_after": busy[1],
            "steps": steps, "windows": window_figures, "peak_connections": monitor.peak_connections,
            "exam_start_seconds": exam_start, "grade_delay_seconds": grade_delay,
            "students_finished": done, "grades_accepted": len(accepted), "lms": grade_report and {
                k: v for k, v in grade_report.items() if k != "accepted"},
            "failures": [asdict(f) for f in failures], "ok": ok,
        }, indent=2))
        print(f"figures written to {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
