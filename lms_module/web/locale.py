"""Which language a page speaks: the launch's locale, then the browser's, then German; and which time
zone it shows times in: the launch's, else the configured one."""
from __future__ import annotations

from flask import current_app, g, has_request_context, request
from flask_babel import get_translations
from jinja2 import pass_context
from markupsafe import Markup

from ..courses.locale import choose_locale
from ..courses.time_zone import launch_time_zone


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


def select_timezone() -> str | None:
    """The zone the LMS named for the person of the launch (kept with the launch, so no query of its
    own); None (outside a launch, or when the LMS named none Kontor knows): BABEL_DEFAULT_TIMEZONE."""
    if has_request_context():
        launch = getattr(g, "launch", None)
        if launch is not None:
            # Checked again (a set lookup): a zone kept with a launch before an update of pytz that
            # dropped it would make Flask-Babel raise on every page of that launch.
            return launch_time_zone(launch.time_zone)
    return None


def _translations():
    """flask_babel's translations for this request, looked up once per request and locale.

    flask_babel's own gettext resolves the context, the domain and the locale (and formats the
    locale's name) on every call: about 30 times per question page. The result is kept on `g` with
    the locale it belongs to, so `force_locale` (which swaps the locale) still gets its own."""
    request_g = g._get_current_object()  # once through the proxy, not on every attribute
    ctx = getattr(request_g, "_flask_babel", None)
    cached = getattr(request_g, "_kontor_translations", None)
    if cached is not None and ctx is not None and getattr(ctx, "babel_locale", None) is cached[0]:
        return cached[1]
    translations = get_translations()
    ctx = getattr(request_g, "_flask_babel", None)
    request_g._kontor_translations = (getattr(ctx, "babel_locale", None), translations)
    return translations


@pass_context
def _template_gettext(context, string: str, **variables):
    """What Jinja's newstyle gettext does (translate, trust the catalog's text as markup when the
    template escapes, always %-format with escaped variables), called directly: Jinja's own goes
    through `_` -> `gettext` -> our function, three context calls, for each of ~30 texts a page."""
    text = _translations().ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    if not variables and "%" not in text:
        return text  # what the formatting would give, without its cost
    return text % variables


def install_template_gettext(app) -> None:
    """Templates' _(), ngettext() etc. through the per-request translations (after babel.init_app)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals.update(gettext=_template_gettext, _=_template_gettext)
