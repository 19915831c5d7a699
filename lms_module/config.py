"""Configuration read from the environment, with safe defaults.

`KONTOR_ENV` picks the profile: `development` (default), `demo`, `test` or `production`.
Every setting below can be overridden by an environment variable of the same name.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and what to do."""


class BaseConfig:
    KONTOR_ENV = "base"
    # Folder for the SQLite file, the generated secret and demo state (default: ./instance).
    INSTANCE_PATH = ""
    # The embedded default: one SQLite file under instance/, no other service needed.
    DATABASE_URL: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SECRET_KEY: str | None = None
    WTF_CSRF_TIME_LIMIT = None  # attempts can run for hours; the token lives as long as the session
    BABEL_DEFAULT_LOCALE = "de"
    # The time zone pages show times in (and date fields are read in), named on every time shown,
    # unless the launch names the person's own: the LMS's substitution of the custom parameter
    # timezone=$Person.address.timezone, when it is a known zone (docs/lti.md). An IANA name such as
    # Europe/Berlin.
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).parent / "translations")
    LANGUAGES = ("de", "en")
    # Cross-site iframe cookies (SameSite=None; Secure; Partitioned) need HTTPS.
    KONTOR_HTTPS = False
    # The same cookies over plain HTTP when Kontor is reached as localhost or 127.0.0.1 (browsers treat
    # those as secure contexts): a local LMS on the other name launches Kontor cross-site (web/cookies.py).
    KONTOR_LOCALHOST_SECURE_COOKIES = False
    # How many reverse proxies in front of Kontor may set X-Forwarded-* (0 = trust none).
    KONTOR_TRUSTED_PROXIES = 0
    # The host names Kontor answers to, comma-separated (".example.org" also allows its subdomains);
    # a request for any other Host is refused (400) before a URL is built from it. Empty: any host.
    KONTOR_TRUSTED_HOSTS = ""
    KONTOR_LAUNCH_LIFETIME_HOURS = 12
    KONTOR_JWT_LEEWAY_SECONDS = 10
    KONTOR_MAX_ID_TOKEN_BYTES = 64 * 1024
    KONTOR_KEY_GRACE_DAYS = 7
    # How long a platform's stored key set (JWKS) is used before it is fetched again; a token with
    # an unknown kid fetches it sooner, at most once a minute per platform (lti/platform_keys.py).
    KONTOR_PLATFORM_KEYS_MAX_AGE_HOURS = 24
    KONTOR_HTTP_TIMEOUT_SECONDS = 10
    # How long a request waits for the database (to connect, for a lock, for a pooled connection)
    # before the person gets the "cannot reach its database" page (503) instead of a hanging page.
    KONTOR_DB_TIMEOUT_SECONDS = 5
    # A pooled connection unused for longer than this is checked (SELECT 1) before a request gets it;
    # one used more recently is trusted without the round trip (db_pool.py).
    KONTOR_DB_PING_IDLE_SECONDS = 5
    # PostgreSQL is reached through PgBouncer in transaction mode: no server-side prepared
    # statements (a prepared statement lives on one server connection, the next transaction may get
    # another) and no startup options (PgBouncer refuses them; set lock_timeout on the role instead).
    KONTOR_DB_PGBOUNCER = False
    # Dynamic registration (/lti/register) needs an invite from `flask platform invite`; on = anyone
    # who reaches Kontor may register an LMS (a lab, the demo).
    KONTOR_OPEN_REGISTRATION = False
    # May /lti/register call LMS URLs on loopback, private, link-local or reserved addresses?
    KONTOR_ALLOW_PRIVATE_LMS = False
    # Kontor's external address, e.g. https://kontor.example.edu (the CLI prints invite URLs with it).
    KONTOR_BASE_URL = ""
    # Requests per client address (Flask-Limiter syntax, ";" between limits) on the public LTI endpoints.
    KONTOR_RATELIMIT_ENABLED = True
    # /lti/login and /lti/launch (each). A school or a company reaches Kontor from one NAT address,
    # and a whole year group starts its exam in the same minute: 1,200 a minute lets 1,000 students
    # in (with reloads); one address still cannot store more than 12,000 logins an hour.
    KONTOR_RATELIMIT_LOGIN = "1200/minute;12000/hour"
    KONTOR_RATELIMIT_REGISTER = "10/minute;50/hour"
    # Where the counters live: memory:// (per process) or redis://host:6379/0 (shared by all processes).
    KONTOR_RATELIMIT_STORAGE = "memory://"
    # Grade delivery and roster sync (docs/grade-sync.md). Who delivers the grade outbox:
    # "thread" = a background thread in every web process; "external" = only `flask worker`
    # processes; "off" = nobody (tests drive the worker themselves).
    KONTOR_WORKER = "thread"
    KONTOR_WORKER_POLL_SECONDS = 1
    KONTOR_GRADE_MAX_TRIES = 12
    KONTOR_GRADE_BACKOFF_CAP_SECONDS = 300
    # How long a worker may hold a claimed grade before another worker takes it over.
    KONTOR_GRADE_CLAIM_SECONDS = 300
    KONTOR_SWEEP_SECONDS = 30
    KONTOR_ROSTER_MAX_AGE_MINUTES = 10
    # Rosters are refreshed for courses with an instructor launch this recent.
    KONTOR_ROSTER_ACTIVE_MINUTES = 60
    KONTOR_ROSTER_PAGE_SIZE = 100
    # Larger answers from an LMS service are not read (a page of members, a line item list).
    KONTOR_LMS_MAX_RESPONSE_BYTES = 5 * 1024 * 1024
    # The LTI platform emulator is mounted only in demo and test profiles.
    KONTOR_DEMO_LMS = False
    # Where the demo serves itself (the emulator needs absolute URLs of the tool).
    KONTOR_DEMO_BASE_URL = "http://127.0.0.1:5000"
    # The demo LMS's own address when it is served on its own origin (as `flask demo` does, on another
    # site than Kontor, like a real LMS); empty = mounted under /demo-lms on Kontor's origin.
    KONTOR_DEMO_LMS_URL = ""
    KONTOR_DEMO_LMS_KEY_PATH = ""
    KONTOR_DEMO_LMS_STATE_PATH = ""
    KONTOR_DEMO_LMS_PLATFORM_STORAGE = False
    # The demo LMS plays "moodle" (Moodle 4.5) or "canvas" (hosted Canvas; always with platform storage).
    KONTOR_DEMO_LMS_PROFILE = "moodle"
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024

    @classmethod
    def load(cls) -> dict:
        """The profile's values, overridden by environment variables of the same name."""
        values = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
        for key, default in list(values.items()):
            if key not in os.environ:
                continue
            if isinstance(default, bool):
                values[key] = _env_bool(key, default)
            elif isinstance(default, int):
                values[key] = _env_int(key, default)
            elif isinstance(default, (dict, tuple)):
                continue
            else:
                values[key] = os.environ[key]
        return values


class DevelopmentConfig(BaseConfig):
    KONTOR_ENV = "development"
    KONTOR_LOCALHOST_SECURE_COOKIES = True
    KONTOR_ALLOW_PRIVATE_LMS = True


class DemoConfig(BaseConfig):
    KONTOR_ENV = "demo"
    KONTOR_DEMO_LMS = True
    KONTOR_LOCALHOST_SECURE_COOKIES = True
    KONTOR_OPEN_REGISTRATION = True  # the demo LMS registers itself
    KONTOR_ALLOW_PRIVATE_LMS = True  # ... on 127.0.0.1


class TestConfig(BaseConfig):
    KONTOR_ENV = "test"
    TESTING = True
    KONTOR_DEMO_LMS = True
    KONTOR_OPEN_REGISTRATION = True
    KONTOR_ALLOW_PRIVATE_LMS = True
    # Off so that the suite's many launches from 127.0.0.1 are not counted; the tests of the limits turn it on.
    KONTOR_RATELIMIT_ENABLED = False


class ProductionConfig(BaseConfig):
    KONTOR_ENV = "production"
    KONTOR_HTTPS = True


PROFILES = {
    "development": DevelopmentConfig,
    "demo": DemoConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def load_config(overrides: dict | None = None) -> dict:
    """Settings for the profile in KONTOR_ENV (or overrides['KONTOR_ENV']), then the overrides."""
    overrides = dict(overrides or {})
    profile = overrides.get("KONTOR_ENV") or os.environ.get("KONTOR_ENV") or "development"
    if profile not in PROFILES:
        raise ConfigError(f"KONTOR_ENV={profile!r} is unknown; use one of {', '.join(PROFILES)}.")
    values = PROFILES[profile].load()
    values.update(overrides)
    return values


def trusted_hosts(value: str | list[str] | tuple[str, ...]) -> list[str]:
    """KONTOR_TRUSTED_HOSTS as Flask's TRUSTED_HOSTS: names from a comma-separated string (the
    environment) or a list, lower-cased, blanks dropped."""
    names = value.split(",") if isinstance(value, str) else value
    return [name.strip().lower() for name in names if name.strip()]


def finish_config(values: dict, instance_path: Path) -> dict:
    """Fill the values that depend on the instance folder and check the production rules."""
    instance_path.mkdir(parents=True, exist_ok=True)
    if not values.get("DATABASE_URL"):
        values["DATABASE_URL"] = f"sqlite:///{instance_path / 'kontor.sqlite3'}"
    values["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(values["DATABASE_URL"])
    values["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(
        values["SQLALCHEMY_DATABASE_URI"], values.get("SQLALCHEMY_ENGINE_OPTIONS") or {},
        int(values.get("KONTOR_DB_TIMEOUT_SECONDS") or 5), pgbouncer=bool(values.get("KONTOR_DB_PGBOUNCER")),
    )
    if values["KONTOR_ENV"] == "production" and values.get("KONTOR_DEMO_LMS"):
        raise ConfigError("The demo LMS cannot run in production (unset KONTOR_DEMO_LMS).")
    if not values.get("SECRET_KEY"):
        if values["KONTOR_ENV"] == "production":
            raise ConfigError(
                "SECRET_KEY is not set. Production needs a long random SECRET_KEY in the environment "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        values["SECRET_KEY"] = _persisted_secret(instance_path / "secret_key")
    if values["KONTOR_ENV"] == "production" and len(str(values["SECRET_KEY"]).encode()) < 32:
        raise ConfigError(
            "SECRET_KEY is too short: production needs at least 32 random bytes, or anyone who guesses "
            "it can forge sessions (for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    if values.get("KONTOR_HTTPS"):
        # The LMS frames Kontor from another site: the cookie must be sent in that iframe.
        values.update(
            SESSION_COOKIE_SAMESITE="None",
            SESSION_COOKIE_SECURE=True,
            SESSION_COOKIE_PARTITIONED=True,
            PREFERRED_URL_SCHEME="https",
        )
    else:
        values.update(SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=False)
    values.setdefault("SESSION_COOKIE_NAME", "kontor_session")
    values["SESSION_COOKIE_HTTPONLY"] = True
    return values


def _engine_options(uri: str, options: dict, timeout: int, pgbouncer: bool = False) -> dict:
    """Bounded waits: a locked or unreachable database is a quick 503, not a request hanging for long.
    Behind PgBouncer in transaction mode: no prepared statements, no startup options."""
    options = dict(options)
    connect_args = dict(options.get("connect_args") or {})
    if uri.startswith("sqlite"):
        connect_args.setdefault("timeout", timeout)  # busy wait for the write lock
    elif uri.startswith("postgresql"):
        connect_args.setdefault("connect_timeout", timeout)
        if pgbouncer:
            connect_args["prepare_threshold"] = None  # psycopg 3: never prepare on the server
        else:
            # A row or table lock held elsewhere fails the statement after the timeout (never a hang).
            connect_args.setdefault("options", f"-c lock_timeout={timeout * 1000}")
        options.setdefault("pool_timeout", timeout)
    options["connect_args"] = connect_args
    return options


def _normalise_database_url(url: str) -> str:
    # psycopg 3 is the PostgreSQL driver; plain postgres:// URLs (as hosting panels print them) mean it.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _persisted_secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret
