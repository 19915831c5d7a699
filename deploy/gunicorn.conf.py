"""gunicorn settings for Kontor in production (docs/deployment.md).

    gunicorn -c deploy/gunicorn.conf.py wsgi:app

Every value can be overridden from the environment (GUNICORN_WORKERS=8 …) or on the command line.
Kontor's own settings (KONTOR_ENV, SECRET_KEY, DATABASE_URL, …) come from the environment as always.
"""
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


# Behind the reverse proxy (which terminates TLS) on loopback; the proxy is the only client.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Kontor's requests spend most of their time in Python (templates, scoring) and little waiting
# on the database or the network (no LMS calls inside requests; grades go through the workers),
# so sync processes, 2 × cores + 1, behind a buffering proxy (nginx reads slow clients for them).
# bench/attempt.py measured sync ahead of gthread for pages (threads contend for the GIL);
# bench/journey.py compares both on the whole journey: see bench/RESULTS.md before changing.
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = _int("GUNICORN_THREADS", 1)  # with GUNICORN_WORKER_CLASS=gthread, e.g. 4

# Each process holds a SQLAlchemy pool (up to 5 + 10 connections; a sync process uses one at a
# time): PostgreSQL, or PgBouncer, must allow workers × threads connections per machine, plus two
# per `flask worker` process.

# A request that takes this long is stuck; gunicorn restarts the process. Kontor bounds its own
# waits (database KONTOR_DB_TIMEOUT_SECONDS, LMS calls KONTOR_HTTP_TIMEOUT_SECONDS) far below it.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Keep-alive towards the proxy (nginx keeps upstream connections with `keepalive` + HTTP/1.1).
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Recycle processes now and then (bounded memory growth), staggered so they do not restart together.
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 2000)

# Load the app in each process, after the fork: every process opens its own database connections
# (a pool inherited across a fork would share sockets between processes).
preload_app = False

# Bounded request lines and headers (Kontor bounds bodies itself: MAX_CONTENT_LENGTH).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 16384

# The proxy sets X-Forwarded-*; Kontor trusts them through KONTOR_TRUSTED_PROXIES (ProxyFix), so
# gunicorn's own forwarded-header handling stays at its default (trust only 127.0.0.1).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# The request id Kontor shows on its error page is in its own log lines; the access log adds timing.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
