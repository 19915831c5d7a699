"""Which language a page speaks: the launch's locale, then the browser's, then German."""
from __future__ import annotations

from flask import current_app, g, has_request_context, request

from ..courses.locale import choose_locale


def select_locale() -> str:
    if has_request_context():
        launch = getattr(g, "launch", None)
        if launch is not None:
            return launch.locale
        forced = getattr(g, "locale", None)
        if forced:
            return forced
        best = request.accept_languages.best_match(current_app.config["LANGUAGES"])
        return choose_locale(None, best, current_app.config["BABEL_DEFAULT_LOCALE"])
    return current_app.config["BABEL_DEFAULT_LOCALE"]
