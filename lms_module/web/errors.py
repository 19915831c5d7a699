"""One error page for everything: what happened and what to do, in the person's language; the
details go to the log with a request id that the page shows."""
from __future__ import annotations

import logging
import re

from flask import current_app, g, jsonify, render_template, request
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from ..courses.context import load_context
from ..extensions import db
from .security import allow_framing_by

log = logging.getLogger("kontor.errors")

# Messages by reason code; the generic message of the status code is used otherwise.
MESSAGES = {
    "launch_not_in_session": _l(
        "This page belongs to a launch that this browser did not start, or your browser did not keep "
        "Kontor's cookie. Please open the activity again from your course."
    ),
    "launch_expired": _l("Your session has expired. Please open the activity again from your course."),
    "wrong_role": _l("This page is for instructors of the course."),
    "csrf": _l(
        "The form was sent without a valid security token (it may have been open for too long, or was "
        "sent from somewhere else). Please reload the page and try again. Nothing was saved."
    ),
    "unknown_deployment": _l(
        "This LMS installation is not activated in Kontor yet. Please ask your LMS administrator to "
        "activate the deployment; the launch was recorded for them."
    ),
    "resource_link_in_other_course": _l(
        "This activity belongs to another course in Kontor, so it cannot be opened from this course "
        "(it was probably copied). Please add the quiz to this course as a new activity, or ask your "
        "LMS administrator for help."
    ),
    "unknown_issuer": _l(
        "Kontor does not know the LMS that sent this launch. Please ask your LMS administrator to "
        "register Kontor."
    ),
    "expired_token": _l(
        "The sign-in from your LMS took too long and has expired. Please open the activity again."
    ),
    "rate_limited": _l(
        "Too many requests came from your address in a short time. Please wait a minute and try "
        "again; nothing was changed."
    ),
    "bad_deep_link_return_url": _l(
        "Your LMS asked Kontor to send the chosen quiz back to an address that is not a web address "
        "(http or https), so Kontor refused. Please tell your LMS administrator."
    ),
    "nul_character": _l(
        "What you sent contains a NUL character (an invisible control character that sometimes comes "
        "along when text is copied from another program), which Kontor cannot store. Nothing was "
        "saved; please remove it or type the text again, then send it once more."
    ),
    "broken_character": _l(
        "What you sent contains a broken character (half of an emoji or of another symbol), which "
        "Kontor cannot store. Nothing was saved; please remove it or type the text again, then send "
        "it once more."
    ),
    "not_a_form": _l(
        "Kontor did not receive the form: the page's data came in another shape. Nothing was changed; "
        "please reload the page and send the form again."
    ),
    "database_unavailable": _l(
        "Kontor cannot reach its database right now; try again in a minute. Nothing was saved."
    ),
    "state_not_bound": _l(
        "Your browser did not keep the sign-in cookie inside the course page. Please open the activity "
        "again; if this keeps happening, open it in a new window or allow cookies for this site."
    ),
}

GENERIC = {
    400: _l("The request could not be understood. Nothing was changed."),
    401: _l("You need to open this page from your course in the LMS."),
    403: _l("You do not have access to this page."),
    404: _l("This page does not exist."),
    405: _l("This page cannot be used this way."),
    409: _l("This action conflicts with a change made in the meantime. Please reload the page."),
    413: _l("What was sent is too large. Nothing was saved."),
    429: _l("Too many requests. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Nothing you sent was lost; please try again."),
    503: _l("Kontor is not available right now. Please try again in a few minutes."),
}

# Refusals for what the answer itself holds, not for the request around it.
ANSWER_REFUSED = frozenset({"nul_character", "broken_character"})

# What a script's request (the autosave) is told instead, where the page's words would be untrue
# for it: its answer is not lost but kept queued in the browser ("Nothing was saved." made a student
# think the answer was gone).
SCRIPT_MESSAGES = {
    "csrf": _l(
        "Your latest answer is not saved yet: this page's security token is no longer valid (the "
        "activity may have been opened again in another tab). Please reload the page and try again, "
        "then check your latest answer."
    ),
}

LAUNCH_REJECTED = _l(
    "This activity could not be opened: the sign-in from your LMS was not valid. Please go back to "
    "the course and open the activity again. If it keeps failing, tell your LMS administrator."
)


def render_error(status: int, reason: str | None = None, *, launch_error: bool = False):
    message = MESSAGES.get(reason or "") or (LAUNCH_REJECTED if launch_error else None) or GENERIC.get(
        status, GENERIC[400]
    )
    if request and request.is_json:
        # A script's request (the autosave) gets the reason as it reads its own refusals. `keep`: the
        # answer is not what was refused (a stale security token, an expired launch, a busy
        # database), so the script keeps it queued in the browser and shows why, instead of taking
        # the HTML page for a lost connection and retrying in silence.
        # What the answer itself holds (too large, a character no database keeps) is not kept:
        # it would be sent and refused for ever.
        keep = status != 413 and reason not in ANSWER_REFUSED
        message = SCRIPT_MESSAGES.get(reason or "", message)
        return jsonify(ok=False, error=reason or str(status), message=str(message), keep=keep), status
    _ensure_url_adapter()
    body = render_template(
        "error.html", status=status, message=message, reason=reason, request_id=g.get("request_id", "-")
    )
    return body, status


def _ensure_url_adapter() -> None:
    """The page links its stylesheet with url_for, which needs the request's URL adapter. Flask has
    none when Werkzeug refused the Host header (BadHost: a label longer than 63 characters), so the
    page itself failed; it then links by path, bound to no host."""
    ctx = request_ctx._get_current_object() if request_ctx else None
    if ctx is not None and ctx.url_adapter is None:
        ctx.url_adapter = current_app.url_map.bind("localhost", script_name=request.script_root or None,
                                                   url_scheme=request.scheme)


_LAUNCH_IN_PATH = re.compile(r"/l/([^/]{1,64})/")


def _follow_the_launch_in_the_url() -> None:
    """The security token and the body's size are checked before the view loads its launch, and an
    unknown page inside a launch matches no view at all, so such a refusal knew only the browser's
    language (a German course's student read it in English) and was framed by 'self' only (the
    LMS's frame showed the browser's own "refused to connect" page). The launch the URL names tells
    its language and the platform that may frame it (only that: the refusal shows nothing of it)."""
    launch_id = (request.view_args or {}).get("launch_id")
    if launch_id is None and (found := _LAUNCH_IN_PATH.match(request.path)):
        launch_id = found.group(1)
    if getattr(g, "launch", None) is not None or not isinstance(launch_id, str) or len(launch_id) > 64:
        return
    try:
        context = load_context(launch_id)
    except SQLAlchemyError:  # the refusal is told all the same, in the browser's language
        db.session.rollback()
        return
    if context is not None:
        g.locale = context.locale
        allow_framing_by(context.platform_id)


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        log.warning("request %s: CSRF rejected: %s", g.get("request_id"), error.description)
        _follow_the_launch_in_the_url()
        return render_error(400, "csrf")

    @app.errorhandler(HTTPException)
    def http_error(error):
        reason = error.description if isinstance(error.description, str) and error.description in MESSAGES else None
        if error.code and error.code >= 500:
            log.error("request %s: %s", g.get("request_id"), error)
        _follow_the_launch_in_the_url()  # refused before the view (a body too large, say)
        return render_error(error.code or 500, reason)

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeoutError)
    def database_unavailable(error):
        # Locked (SQLite busy, a PostgreSQL lock timeout), unreachable or out of pooled connections.
        log.error("request %s: database unavailable: %s", g.get("request_id"), error)
        from ..extensions import db

        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection may be gone; the page must still come
            log.warning("request %s: rollback after a database error failed", g.get("request_id"))
        body, status = render_error(503, "database_unavailable")
        return body, status, {"Retry-After": "60"}

    @app.errorhandler(IntegrityError)
    def conflicting_write(error):
        # Two requests wrote the same thing at the same moment (two imports of one new slug, two
        # saves of one question): the unique constraint kept the data right; this request's work is
        # rolled back and the person is asked to reload, not shown a 500.
        log.warning("request %s: conflicting write: %s", g.get("request_id"), error.orig)
        from ..extensions import db

        db.session.rollback()
        return render_error(409)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        log.exception("request %s: unhandled error", g.get("request_id"))
        from ..extensions import db

        db.session.rollback()
        return render_error(500)
