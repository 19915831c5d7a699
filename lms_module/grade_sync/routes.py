"""The instructor's view of grade delivery for one activity, and "send again"."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from markupsafe import Markup

from ..courses.models import ResourceLink
from ..web.access import launch_required
from . import operations
from .states import listed_user, sync_states

bp = Blueprint("grade_sync", __name__, template_folder="templates")


def _link_id() -> int:
    if g.launch.resource_link_id is None:
        abort(404)
    return g.launch.resource_link_id


def _back(launch_id: str):
    if request.form.get("back") == "instructor":
        return redirect(url_for("web.landing", launch_id=launch_id))
    return redirect(url_for("grade_sync.status", launch_id=launch_id))


@bp.route("/l/<launch_id>/grades/sync")
@launch_required("instructor")
def status(launch_id: str):
    return render_template("grade_sync/status.html", sync_rows=sync_states(_link_id()), launch_id=launch_id)


@bp.route("/l/<launch_id>/grades/sync/send", methods=["POST"])
@launch_required("instructor")
def send_all(launch_id: str):
    queued = operations.send_again(_link_id())
    flash(ngettext("%(num)s grade will be sent to the LMS again.", "%(num)s grades will be sent to the LMS again.",
                   queued) if queued else _("There is no grade to send yet."))
    return _back(launch_id)


@bp.route("/l/<launch_id>/grades/sync/send/<id:user_id>", methods=["POST"])
@launch_required("instructor")
def send_one(launch_id: str, user_id: int):
    link_id = _link_id()
    if not listed_user(link_id, user_id):
        abort(404)  # not a student of this activity: looks like an unknown id
    queued = operations.send_again(link_id, [user_id])
    flash(_("The grade will be sent to the LMS again.") if queued else _("There is no grade to send yet."))
    return _back(launch_id)


def instructor_panel(link: ResourceLink) -> Markup:
    """The sync table on the instructor page of an activity (web.template_helpers panel hook)."""
    if link is None or not getattr(link, "id", None):
        return Markup("")
    return Markup(render_template("grade_sync/_sync_table.html", sync_rows=sync_states(link.id),
                                  launch_id=g.launch.launch_id, back="instructor"))
