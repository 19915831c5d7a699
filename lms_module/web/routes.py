"""Where a launch lands, by role and by whether the link has a quiz yet; plus Kontor's own address
(for administrators) and the health checks."""
from __future__ import annotations

import logging

from flask import Blueprint, g, jsonify, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..courses.context import LaunchContext
from ..extensions import db
from .access import launch_required, public_route

log = logging.getLogger("kontor.web")
bp = Blueprint("web", __name__, template_folder="templates")


@bp.route("/")
@public_route
def home():
    """Kontor's address opened directly (an LMS administrator setting it up, or a student who
    bookmarked it): what Kontor is, that it opens from the course, and the URLs an LMS asks for."""
    endpoints = [
        (_l("Initiate login URL (OIDC login)"), url_for("lti.login", _external=True)),
        (_l("Tool URL, redirection URI and target link URI (launch)"), url_for("lti.launch", _external=True)),
        (_l("Public keyset URL (JWKS)"), url_for("lti.jwks", _external=True)),
        (_l("Canvas developer key (JSON URL)"), url_for("lti.canvas_json", _external=True)),
    ]
    # The custom parameter of Kontor's registration and Canvas JSON (lti.registration.CUSTOM_PARAMETERS,
    # which this room may not import; a test holds the two alike).
    return render_template("home.html", endpoints=endpoints, custom_parameter="timezone=$Person.address.timezone")


@bp.route("/healthz")
@public_route
def healthz():
    """The process answers (liveness); says nothing about the database."""
    return jsonify(status="ok")


@bp.route("/readyz")
@public_route
def readyz():
    """The database answers a query within about a second (readiness); 503 otherwise."""
    try:
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SET LOCAL statement_timeout = 1000"))
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.warning("readiness check failed: %s", error)
        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass
        return jsonify(status="unavailable", reason="database"), 503
    db.session.rollback()
    return jsonify(status="ok")


def destination(launch: LaunchContext) -> str | None:
    """The page a launch opens, by message, role and whether its activity has a quiz yet; None when
    the landing page itself has to say that the activity is not set up. The launch sends the browser
    straight there (one request less per launch); the other ways into a launch go through landing."""
    if launch.is_deep_linking:
        return url_for("authoring.deep_linking", launch_id=launch.launch_id)
    if launch.is_instructor:
        return url_for("authoring.instructor_home", launch_id=launch.launch_id)
    if launch.quiz_slug is None:
        return None
    return url_for("attempts.start_page", launch_id=launch.launch_id)


@bp.route("/l/<launch_id>/")
@launch_required()
def landing(launch_id: str):
    target = destination(g.launch)
    if target is None:
        return render_template("not_set_up.html"), 200
    return redirect(target)
