"""LTI entry points. The paths are fixed: LMS administrators paste them into their LMS."""
from __future__ import annotations

import logging
import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, current_app, jsonify, make_response, redirect, render_template, request, session, url_for
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import csrf, db, limiter
from ..transaction import run_after_commit
from ..web.cookies import cookie_attributes
from ..web.access import public_route, remember_launch, SESSION_LAUNCHES
from ..web.errors import render_error
from ..web.ratelimit import login_limit, register_limit, too_many_requests
from ..web.routes import destination
from ..web.security import (allow_form_target, allow_framing_by, allow_framing_by_launch,
                            allow_framing_by_origin_of, frame_ancestors)
from . import keys
from .launch import LaunchRejected, describe_claims_for_log, validate_launch
from .login import LoginRejected, platform_origin, start_login
from .invites import find_open_invite, use_invite
from .registration import FAILURES as REGISTRATION_FAILURES
from .registration import RegistrationFailed, canvas_configuration, register_dynamically, url_origin
from .services_clients import CallLimits
from .models import LaunchHandoff, OidcLogin, Platform
from .services import create_handoff, end_refused_login, open_handoff, record_launch, redeem_handoff
from .tool_config import find_platform


def _framing_urls(platform_id: int) -> list[str] | None:
    """The URLs whose origins may frame Kontor for a platform (web.security's frame-ancestors)."""
    platform = db.session.get(Platform, platform_id)
    if platform is None:
        return None
    return [platform.issuer, platform.auth_login_url, *(platform.frame_origins or [])]


frame_ancestors.urls_for = _framing_urls

log = logging.getLogger("kontor.lti")
bp = Blueprint("lti", __name__, url_prefix="/lti", template_folder="templates")

STATE_COOKIE_PREFIX = "kontor-state-"
COOKIE_PROBE = "kontor-cookie-probe"


def _cookie_kwargs() -> dict:
    return cookie_attributes()


def _tool_origins() -> set[str]:
    root = url_for("lti.launch", _external=True).split("/lti/")[0]
    return {root.rstrip("/")}


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit)
@csrf.exempt
@public_route
def login():
    params = request.values.to_dict()
    try:
        started = start_login(
            params,
            launch_url=url_for("lti.launch", _external=True),
            tool_origins=_tool_origins(),
            secure=request.is_secure,
        )
    except LoginRejected as rejected:
        db.session.rollback()
        log.warning("login rejected: %s", _one_line(rejected))
        # The refusal is shown inside the frame of the platform the request names, if Kontor knows it.
        if params.get("iss"):
            platform = find_platform(params["iss"], params.get("client_id") or None)
            allow_framing_by(platform.id if platform else None)
        return render_error(400, rejected.reason, launch_error=True)
    allow_framing_by(started.platform_id)
    # The cookie check and the storage page continue with a form to the platform's sign-in.
    allow_form_target(started.auth_url)
    if started.storage_target:
        # Platform storage (Canvas): keep the state in the platform's frame as well as in our cookie.
        response = make_response(
            render_template(
                "lti/storage_put.html",
                auth_url=started.auth_url,
                auth_form=_as_get_form(started.auth_url),
                state=started.state,
                target=started.storage_target,
                platform_origin=platform_origin(started.auth_url),
            )
        )
    elif request.cookies or params.get("kontor_new_window"):
        # This browser already keeps our cookies (or this is the first-party new window): go straight on.
        response = redirect(started.auth_url)
    else:
        response = make_response(render_template("lti/cookie_check.html", auth_url=started.auth_url,
                                                 auth_form=_as_get_form(started.auth_url),
                                                 new_window_url=_new_window_url(params)))
    response.set_cookie(STATE_COOKIE_PREFIX + started.state, started.state, max_age=600, **_cookie_kwargs())
    return response


@bp.errorhandler(RateLimitExceeded)
def rate_limited(error: RateLimitExceeded):
    """A login or launch beyond its limit is refused in the LMS's iframe: the page may be framed by
    the platform the request names (the login's iss, the launch's state), or the browser blocks it."""
    values = request.values
    try:
        if request.endpoint == "lti.login" and _storable(values.get("iss"), 255):
            client_id = values.get("client_id")
            platform = find_platform(values["iss"], client_id if _storable(client_id, 255) else None)
            allow_framing_by(platform.id if platform else None)
        elif request.endpoint == "lti.launch" and _storable(request.form.get("state"), 128):
            allow_framing_by(db.session.scalar(
                select(OidcLogin.platform_id).where(OidcLogin.state == request.form["state"])))
    except SQLAlchemyError:  # the database is away: the 429 page still comes, framed by Kontor only
        db.session.rollback()
    return too_many_requests(error)


def _one_line(value) -> str:
    """What a stranger sent, quoted in the log: control characters escaped, so a line break in it
    cannot start a log line of its own."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", str(value))


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _storable(value: str | None, length: int) -> bool:
    # Only what a column can hold is looked up (a NUL fails the query on PostgreSQL).
    return bool(value) and len(value) <= length and "\x00" not in value


def _as_get_form(url: str) -> dict:
    """A URL as the action and fields of a GET form (continuing works without JavaScript too)."""
    parts = urlsplit(url)
    return {"action": urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")), "fields": parse_qsl(parts.query)}


def _new_window_url(params: dict[str, str]) -> str:
    """The same login in a window of its own. The LMS's parameters are copied as a query string of
    their own, never handed to url_for as keywords: `_external`, `_scheme`, `_anchor` and `_method`
    are url_for's own arguments, so a login that named one answered 500 (or bent the link)."""
    return url_for("lti.login", _external=True) + "?" + urlencode({**params, "kontor_new_window": "1"})


@bp.route("/launch", methods=["POST"])
@limiter.limit(login_limit)
@csrf.exempt
@public_route
def launch():
    form = request.form.to_dict()
    state = form.get("state") or ""
    try:
        validated = validate_launch(
            form,
            state_cookie=request.cookies.get(STATE_COOKIE_PREFIX + state) if state else None,
            secure=request.is_secure,
            config=current_app.config,
        )
        context = record_launch(
            validated,
            accept_language=request.accept_languages.best_match(current_app.config["LANGUAGES"]),
            lifetime=timedelta(hours=current_app.config["KONTOR_LAUNCH_LIFETIME_HOURS"]),
        )
    except LaunchRejected as rejected:
        # The one early commit of this room: the refusal is a 4xx, so the boundary rolls the launch
        # back, yet two writes must outlive it. They get their own short transaction here, after the
        # launch's work is dropped: the login ends (its state and nonce cannot be posted again) and
        # an unknown deployment is recorded, inactive, for an administrator to activate.
        db.session.rollback()
        login_platform_id = end_refused_login(state)
        if rejected.after_rollback:
            rejected.after_rollback()
        db.session.commit()
        log.warning("launch rejected (%s): %s", rejected.reason, _one_line(rejected.detail))
        # Shown in the frame of the platform our login (the state) was started for, if any.
        allow_framing_by(login_platform_id)
        return render_error(rejected.status, rejected.reason, launch_error=True)
    log.info("launch accepted: %s", describe_claims_for_log(validated.claims))
    allow_framing_by(validated.platform_id)
    if validated.browser_bound:
        remember_launch(context.launch_id, context)
        response = redirect(destination(context) or url_for("web.landing", launch_id=context.launch_id))
    else:
        # No cookie came back, but the platform offered storage: the browser must prove it holds the state.
        token = create_handoff(context.launch_id, expected_state=validated.state)
        response = make_response(
            render_template(
                "lti/storage_get.html",
                handoff=token,
                state=validated.state,
                target=validated.storage_target,
                platform_origin=platform_origin(validated.platform.auth_login_url),
            )
        )
    response.delete_cookie(STATE_COOKIE_PREFIX + state, **_cookie_kwargs())
    return response


@bp.route("/storage-confirm", methods=["POST"])
@csrf.exempt  # no session exists yet; the one-time handoff and the state read from platform storage protect it
@public_route
def storage_confirm():
    launch_id = redeem_handoff(request.form.get("handoff", ""), request.form.get("state_value"))
    if launch_id is None:
        db.session.rollback()
        handoff = db.session.get(LaunchHandoff, request.form.get("handoff", "")[:64])
        allow_framing_by_launch(handoff.launch_id if handoff else None)
        log.warning("platform storage confirmation refused")
        return render_error(400, "state_not_bound", launch_error=True)
    check_token = create_handoff(launch_id)
    allow_framing_by_launch(launch_id)
    remember_launch(launch_id)
    return redirect(url_for("lti.check", token=check_token))


@bp.route("/check/<token>")
@public_route
def check(token: str):
    """After platform storage: did the session cookie survive the frame? If not, offer a new window.
    An expired ticket offers nothing: its new window could only say that the launch expired."""
    handoff = open_handoff(token)
    if handoff is None:
        return render_error(403, "launch_expired")
    allow_framing_by_launch(handoff.launch_id)
    if handoff.launch_id in session.get(SESSION_LAUNCHES, []):
        handoff.used = True
        return redirect(url_for("web.landing", launch_id=handoff.launch_id))
    return render_template("lti/new_window.html", enter_url=url_for("lti.enter", token=token))


@bp.route("/enter/<token>")
@public_route
def enter(token: str):
    """The new window (first-party) redeems the one-time ticket and gets its own session cookie."""
    launch_id = redeem_handoff(token)
    if launch_id is None:
        return render_error(403, "launch_expired")
    remember_launch(launch_id)
    return redirect(url_for("web.landing", launch_id=launch_id))


@bp.route("/jwks")
@public_route
def jwks():
    keys.ensure_tool_key()  # a first key is committed by the boundary with this 200
    grace = timedelta(days=current_app.config["KONTOR_KEY_GRACE_DAYS"])
    response = jsonify({"keys": keys.published_keys(grace)})
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/register")
@limiter.limit(register_limit)
@public_route
def register():
    """LTI Dynamic Registration: the LMS opens this page with its configuration URL and a token.
    The tool URL the LMS administrator pasted carries Kontor's invite (`?invite=…`)."""
    config = current_app.config
    configuration_url = request.args.get("openid_configuration", "")
    invite_token = request.args.get("invite", "")
    invite = None
    try:
        # Consent first: without an open invite nothing is fetched and nothing is stored.
        if invite_token:
            invite = find_open_invite(invite_token)
            if invite is None:
                raise RegistrationFailed("invite_invalid")
        elif not config["KONTOR_OPEN_REGISTRATION"]:
            raise RegistrationFailed("invite_required")
        if not configuration_url:
            raise RegistrationFailed("missing_openid_configuration")
        if len(configuration_url) > 2048 or len(request.args.get("registration_token", "")) > 8192:
            raise RegistrationFailed("bad_openid_configuration_url", "too long")
        timeout = float(config["KONTOR_HTTP_TIMEOUT_SECONDS"])
        platform = register_dynamically(
            configuration_url,
            request.args.get("registration_token"),
            limits=CallLimits(timeout=timeout, max_bytes=int(config["KONTOR_LMS_MAX_RESPONSE_BYTES"]),
                              deadline=3 * timeout),
            allow_private=bool(config["KONTOR_ALLOW_PRIVATE_LMS"]),
        )
        if invite is not None:
            if not use_invite(invite.id):  # a parallel registration used it in the meantime
                raise RegistrationFailed("invite_invalid", "used meanwhile")
            platform.name = invite.name or platform.name
    except RegistrationFailed as failed:
        db.session.rollback()
        log.warning("dynamic registration refused: %s", _one_line(failed))
        try:  # the LMS shows this page in its registration dialog (an http(s) URL without user info)
            url_origin(configuration_url)
            allow_framing_by_origin_of(configuration_url)
        except ValueError:
            pass
        status, message = REGISTRATION_FAILURES.get(failed.reason, (400, None))
        if failed.reason == "hosted_canvas":
            message = message % {"url": url_for("lti.canvas_json", _external=True)}
        return render_template("lti/registered.html", ok=False, reason=failed.reason, message=message), status
    platform_id = platform.id
    run_after_commit(lambda: frame_ancestors.invalidate(platform_id))
    allow_framing_by(platform.id)  # the LMS shows this page in its registration dialog
    log.info("dynamic registration: %s %s%s", platform.issuer, platform.client_id,
             f" (invite {invite.id})" if invite is not None else "")
    return render_template("lti/registered.html", ok=True, platform=platform)


@bp.route("/canvas.json")
@public_route
def canvas_json():
    return jsonify(canvas_configuration())
