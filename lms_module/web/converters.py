"""URL converters. Database ids in URLs are bounded to what the id columns hold, so that a URL with a
25-digit number is a 404 page and never reaches the database (where it overflowed into a 500)."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

# Every id column is an INTEGER: 32 bits signed on PostgreSQL.
MAX_DATABASE_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """`<id:name>`: a positive integer that fits an id column; anything else does not match (404)."""

    def __init__(self, map, **kwargs) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(map, **kwargs)


class BoundedIntConverter(IntegerConverter):
    """`<int:name>` for other numbers (page numbers): bounded like ids, so no overflow anywhere."""

    def __init__(self, map, **kwargs) -> None:
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(map, **kwargs)


def database_id(value) -> int:
    """A form's or query's id as an int that an id column can hold; ValueError otherwise (a form
    field's coerce: the field gets an error; a view: as for an unknown id). Out of range, it
    reached the database, which failed (PostgreSQL: integer out of range; SQLite: OverflowError)."""
    number = int(value)
    if not 1 <= number <= MAX_DATABASE_ID:
        raise ValueError(f"not a database id: {value!r}")
    return number


def init_app(app) -> None:
    app.url_map.converters["id"] = DatabaseIdConverter
    app.url_map.converters["int"] = BoundedIntConverter
