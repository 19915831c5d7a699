"""Count with cProfile what a request does, for tests that keep the hot path's work from growing back
(issue 15). Counts of calls, not times: they hold on any machine."""
from __future__ import annotations

import cProfile
import pstats

from sqlalchemy.sql.cache_key import HasCacheKey

_MAKE_KEY = HasCacheKey._generate_cache_key.__code__


def profiled(action):
    """The result of `action()` and the calls made while it ran: pstats' {(file, line, function): stats}."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        result = action()
    finally:
        profiler.disable()
    return result, pstats.Stats(profiler).stats


def _calls_of(calls, code) -> int:
    return sum(stats[1] for (filename, line, _name), stats in calls.items()
               if filename == code.co_filename and line == code.co_firstlineno)


def keys_made(calls) -> int:
    """How many statements' cache keys were made: a statement object built once makes its key once
    (SQLAlchemy keeps it on the object), so this counts the statements a request built itself."""
    return _calls_of(calls, _MAKE_KEY)


def orm_executions(calls) -> int:
    """Statements run through the ORM (of mapped entities: compiled by the ORM, their rows loaded
    into objects) rather than as plain table statements; the ORM's flushes are not counted."""
    return sum(stats[1] for (filename, _line, name), stats in calls.items()
               if "/sqlalchemy/orm/" in filename and name == "orm_pre_session_exec")
