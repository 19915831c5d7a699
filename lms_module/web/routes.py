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
        return redirect(url_for("web.deep_linking", launch_id=launch_id))
    if launch.is_instructor:
        return redirect(url_for("web.instructor_home", launch_id=launch_id))
    if launch.quiz_slug is None:
        return render_template("not_set_up.html"), 200
    return redirect(url_for("attempts.start_page", launch_id=launch_id))




@bp.route("/l/<launch_id>/instructor")
@launch_required("instructor")
def instructor_home(launch_id: str):
    return render_template("instructor_home.html", quiz_slug=g.launch.quiz_slug)


@bp.route("/l/<launch_id>/deep-linking")
@launch_required("instructor")
def deep_linking(launch_id: str):
    return render_template("deep_linking.html")
