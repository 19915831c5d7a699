"""Where a launch lands, by role and by whether the link has a quiz yet; plus the health check."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, redirect, render_template, url_for
from sqlalchemy import text

from ..extensions import db
from .access import launch_required, public_route

bp = Blueprint("web", __name__, template_folder="templates")


@bp.route("/healthz")
@public_route
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")


@bp.route("/l/<launch_id>/")
@launch_required()
def landing(launch_id: str):
    launch = g.launch
    if launch.is_deep_linking:
        return redirect(url_for("authoring.deep_linking", launch_id=launch_id))
    if launch.is_instructor:
        return redirect(url_for("authoring.instructor_home", launch_id=launch_id))
    if launch.quiz_slug is None:
        return render_template("not_set_up.html"), 200
    return redirect(url_for("attempts.start_page", launch_id=launch_id))
