"""Count with cProfile what a request does, for tests that keep the hot path's work from growing back
(issue 15). Counts of calls, not times: they hold on any machine."""
from __future__ import annotations

import cProfile
import pstats
from fnmatch import fnmatchcase

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


def calls_to(calls, function: str, file: str, caller_file: str | None = None) -> int:
    """How often `function` of a file whose path matches `file` was called in profiled's calls
    (with `caller_file`, only its calls from files whose path matches that). The paths are
    fnmatch patterns: "*jinja2/environment.py" for a file, "*/questions/_*" for a folder's."""
    total = 0
    for (filename, _line, name), (_primitive, count, _own, _cumulative, callers) in calls.items():
        if name == function and fnmatchcase(filename, file):
            total += count if caller_file is None else sum(
                caller_count for (caller, *_where), (_p, caller_count, *_t) in callers.items()
                if fnmatchcase(caller, caller_file))
    return total


def keys_made(calls) -> int:
    """How many statements' cache keys were made: a statement object built once makes its key once
    (SQLAlchemy keeps it on the object), so this counts the statements a request built itself."""
    return _calls_of(calls, _MAKE_KEY)


def orm_executions(calls) -> int:
    """Statements run through the ORM (of mapped entities: compiled by the ORM, their rows loaded
    into objects) rather than as plain table statements; the ORM's flushes are not counted."""
    return calls_to(calls, "orm_pre_session_exec", "*/sqlalchemy/orm/*")
