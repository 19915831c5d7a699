"""Who may use a route. Every view states it with one of these decorators; a test walks the URL map
so that a route without a rule fails the suite."""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, g, request, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import bindparam

from ..courses.context import LaunchContext, launch_query, load_context, load_context_and
from ..transaction import read_without_transaction
from .json_bodies import unstorable_character

SESSION_LAUNCHES = "launches"
# Whose launches the session holds: [platform id, user id] of the person who launched last.
SESSION_OWNER = "launch_owner"
MAX_LAUNCHES_PER_BROWSER = 20


def public_route(view):
    """Open to anyone: LTI entry points, JWKS, health checks. Such views check what they receive;
    a NUL character anywhere in the URL's values or the form is refused before (400)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if _holds_nul(kwargs):
            abort(400)
        return view(*args, **kwargs)

    wrapper.kontor_access = "public"
    return wrapper


def _holds_nul(view_args: dict) -> bool:
    """No value Kontor keeps holds a NUL: PostgreSQL refuses one in text (the query fails: a 500),
    SQLite would store it. A stranger's request with one is malformed, whichever value it is in."""
    return _any_nul(view_args.values()) or _multi_holds_nul(request.args) or _multi_holds_nul(request.form)


def _any_nul(values) -> bool:
    return any("\x00" in value for value in values if isinstance(value, str))


def _unstorable() -> str | None:
    """Why Kontor cannot keep what the request sends, or None: a NUL in the query, the form (names,
    values, names of uploaded files) or any key or string of a JSON body (the autosave), where
    PostgreSQL keeps one in a JSON column as sent (\\u0000) and refuses it in text; or, in JSON, half
    of a UTF-16 surrogate pair ("\\ud83d" alone), which json.loads decodes to a lone surrogate that
    both databases store and no page can encode (UnicodeEncodeError). Forms and URLs cannot carry
    one: their bytes are decoded with replacement characters. Only what the request has is parsed:
    a question page (GET, no query) costs two attribute checks, the autosave's JSON is parsed once
    (the view gets it from Flask's cache)."""
    if request.query_string and _multi_holds_nul(request.args):
        return "nul_character"
    if request.mimetype in _FORM_TYPES:
        if _multi_holds_nul(request.form) or any(
                "\x00" in name or "\x00" in (upload.filename or "") for name, upload in request.files.items(multi=True)):
            return "nul_character"
        return None
    if request.is_json:
        bad = unstorable_character(request.get_json(silent=True))
        if bad:
            return "nul_character" if bad == "\x00" else "broken_character"
    return None


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _multi_holds_nul(values) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def _refuse(reason: str):
    """What a logged-in person sent cannot be kept (`reason`: nul_character, broken_character; typed
    by no one: pasted from another program, cut from a broken script, or forged): nothing is stored,
    and they are told why in their language (errors.render_error: the error page, or for the
    autosave's JSON the refusal its script shows, with the answer not kept)."""
    abort(400, description=reason)


def remember_launch(launch_id: str, context: LaunchContext | None = None) -> None:
    """Let this browser use the launch (the ids live in the signed session cookie).

    A browser holds the launches of one person only: a launch by someone else (another user, or any
    user of another platform) clears the whole session first, so a student who launches after
    an instructor in a shared browser never inherits the instructor's pages. Every launch also drops
    the CSRF token, so Flask-WTF issues a fresh one: a token seen before the launch (or planted in
    the browser) is worthless after it. Launches of the same person stay side by side (tabs).
    `context`: the launch's context when the caller has just created it (saves reading it again)."""
    if context is None or context.launch_id != launch_id:
        context = load_context(launch_id)
    if context is None:
        abort(403, description="launch_expired")
    owner = [context.platform_id, context.user_id]
    if session.get(SESSION_OWNER) != owner:
        session.clear()
    # Flask-WTF keeps its raw token in the session (and caches it per request on g) under the
    # form field's name.
    csrf_key = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(csrf_key, None)
    g.pop(csrf_key, None)
    # The fresh token is made now, while the session is written anyway: the first page of the launch
    # (a form with the token) then leaves the session as it is and sends no second cookie.
    generate_csrf()
    session[SESSION_OWNER] = owner
    launches = [lid for lid in session.get(SESSION_LAUNCHES, []) if lid != launch_id]
    launches.append(launch_id)
    session[SESSION_LAUNCHES] = launches[-MAX_LAUNCHES_PER_BROWSER:]
    session.permanent = False


def _context_for(launch_id: str, also=None, view_args: dict | None = None, statements: dict | None = None
                 ) -> LaunchContext:
    if launch_id not in session.get(SESSION_LAUNCHES, []):
        # Unknown to this browser: a URL copied elsewhere, or cookies blocked in the LMS frame.
        abort(403, description="launch_not_in_session")
    statement = params = None
    if also is not None:
        # The view's arguments enter the query as bound parameters, so that it is built once per
        # view (and set of arguments) and then only executed with each request's values.
        names = tuple(sorted(view_args or {}))
        statement = statements.get(names)
        if statement is None:
            bound = {name: bindparam(f"view_{name}") for name in names}
            statement = statements[names] = launch_query(lambda query: also(query, bound))
        params = {f"view_{name}": value for name, value in (view_args or {}).items()}
    context, extra = load_context_and(launch_id, None, statement, params)
    if context is None:
        abort(403, description="launch_expired")
    g.launch_extra = extra
    return context


def launch_required(*roles: str, also=None, read_only: bool = False, json_body: bool = False):
    """The view takes `launch_id` from the URL; the launch must belong to this browser and have one
    of `roles` (any role when none are given). The launch context is put on `g.launch`.

    `also(query, view_args)` may join more to the launch's query (courses.load_context_and); the
    added columns are put on `g.launch_extra` (a view's own record, loaded in the same round trip).
    The query is built once per view: `view_args` holds bound parameters in place of the URL's
    values, for use in SQL expressions only (`Attempt.public_id == view_args["attempt_id"]`).

    A NUL character anywhere in what the request sends, or half a surrogate pair in its JSON, is
    refused first (400, _refuse), as a NUL is for public routes: no view or form needs to check.

    A POST must carry a form (400, not_a_form), unless `json_body` (the view reads JSON and refuses
    anything else itself): any other body reached the view as an empty form, which means 'nothing
    chosen' (a question page's answers erased, an activity's settings reset).

    `read_only`: the view reads without a transaction (transaction.read_without_transaction), the
    launch's query too; before a write it calls transaction.begin_writing()."""

    def decorator(view):
        statements: dict = {}  # the launch's query with `also`, per set of view arguments

        @wraps(view)
        def wrapper(*args, launch_id: str, **kwargs):
            if "\x00" in launch_id or _any_nul(kwargs.values()):
                _refuse("nul_character")  # before the launch's query, which would hold it (PostgreSQL: a 500)
            if read_only:
                read_without_transaction()
            context = _context_for(launch_id, also, kwargs, statements)
            if roles and context.role not in roles:
                abort(403, description="wrong_role")
            g.launch = context
            if not json_body and request.method == "POST" and request.mimetype not in _FORM_TYPES:
                abort(400, description="not_a_form")  # told in the launch's language
            reason = _unstorable()
            if reason:
                _refuse(reason)  # told in the launch's language
            return view(*args, launch_id=launch_id, **kwargs)

        wrapper.kontor_access = "launch:" + (",".join(roles) or "any")
        return wrapper

    return decorator


instructor_only = launch_required("instructor")
