"""Jinja filters and globals that turn prepared values into text in the page's language."""
from __future__ import annotations

from flask_babel import format_datetime, get_locale

from ..engine import render, resolve
from ..engine.questions.base import number_label as _number_label


def _locale() -> str:
    return str(get_locale() or "de")


def init_app(app) -> None:
    from ..attempts.messages import refusal_message

    app.jinja_env.filters["localized"] = lambda text: resolve(text, _locale())
    app.jinja_env.filters["localized_markup"] = lambda text: render(text, _locale())
    app.jinja_env.globals.update(
        format_datetime=format_datetime,
        number_label=lambda value: _number_label(value or 0, _locale()),
        refusal=refusal_message,
    )
