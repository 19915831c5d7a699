"""Extensions, created unbound here and bound to the app in create_app()."""
import ipaddress

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so that Alembic can alter and drop them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()


def client_network() -> str:
    """Whom a rate limit counts: the client's IPv4 address (request.remote_addr, which ProxyFix sets
    from KONTOR_TRUSTED_PROXIES), or the /64 network of its IPv6 address. One IPv6 subscriber holds a
    whole /64 and can send every request from a new address; counted per address, it was never limited."""
    address = get_remote_address()
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return address


# Per client (client_network); limits, storage and the on/off switch come from the
# KONTOR_RATELIMIT_* settings (web/ratelimit.py).
limiter = Limiter(key_func=client_network, headers_enabled=False, in_memory_fallback_enabled=True)


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite as a real multi-threaded server database: enforce foreign keys, let readers and one
    writer work side by side (WAL), and wait for a lock instead of failing at once."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # The wait for a lock is the connection's timeout (KONTOR_DB_TIMEOUT_SECONDS, config.py).
        cursor.close()


def install_engine_hooks() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)


def upsert_insert(table, dialect: str):
    """An INSERT that can say what happens on a unique conflict (`on_conflict_do_nothing`,
    `on_conflict_do_update`, `.excluded`) for the named dialect (callers build the statement once
    per dialect and keep it).
    PostgreSQL and SQLite (3.24+) share the SQL, SQLAlchemy has one construct per dialect: one
    statement instead of look, savepoint, insert, and the loser of a race takes the winner's row
    without an error."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - Kontor runs on these two only
        raise NotImplementedError(f"no INSERT ... ON CONFLICT for {dialect}")
    return insert(table)
