"""Instructors' reports for one activity: gradebook, attempt review with mark overrides, manual
grading, accommodations, class summary, item analysis and CSV exports.

Every view is for instructors of the launch's course (teaching assistants map to "instructor"),
and every id in a URL is looked up inside the launch's course and resource link: an id from
elsewhere is a 404, exactly like an unknown one.
"""
from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint, Response, abort, g, redirect, render_template, request, stream_with_context,
    url_for,
)
from flask_babel import format_decimal, get_locale, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..attempts import services as attempts
from ..db_types import utcnow
from ..extensions import db
from ..courses.models import ResourceLink
from ..courses.time_zone import local_input_value
from ..web import numbers
from ..web.access import launch_required
from ..web.time_zone import field_zone_name
from ..roster import sync as roster
from ..attempts import accommodations, marks as mark_changes
from . import analysis, exports, formulas, gradebook_queries, item_queries, messages, pages, queue_queries, response_queries
from .scope import Scope, answer_in_scope, attempt_in_scope, is_listed

bp = Blueprint("reports", __name__, template_folder="templates")
PER_PAGE = 50
instructors = launch_required("instructor")


def _now() -> datetime:
    return utcnow()


def _link() -> ResourceLink:
    launch = g.launch
    link = db.session.get(ResourceLink, launch.resource_link_id) if launch.resource_link_id else None
    if link is None or link.course_id != launch.course_id:
        abort(404)  # a deep-linking launch has no activity to report on
    return link


def _scope() -> Scope:
    link = _link()
    return Scope(course_id=link.course_id, link_id=link.id)


def _quiz(link: ResourceLink) -> attempts.QuizForLink | None:
    try:
        return attempts.quiz_for_link(link)
    except attempts.AttemptError:
        return None


def _grading(quiz: attempts.QuizForLink | None) -> tuple[str, float]:
    """The link's grading method and pass mark (the quiz file's defaults when no quiz is chosen)."""
    if quiz is None:
        return "highest", 0.5
    return quiz.settings.grading, quiz.settings.pass_mark


@bp.context_processor
def _helpers():
    return {
        "percent_label": percent_label,
        "decimal_label": decimal_label,
        "duration_label": duration_label,
        "undefined_reason": messages.undefined,
        "flag_label": lambda flag: messages.FLAGS.get(flag, flag),
        "filter_label": lambda name: messages.FILTERS[name],
        "chosen_label": lambda name: messages.CHOSEN[name],
        "refusal_label": messages.refusal,
        "report_nav": REPORT_NAV,
        "flag_min_attempts": formulas.FLAG_MIN_ATTEMPTS,
    }


REPORT_NAV = (
    ("reports.gradebook", _l("Gradebook")),
    ("reports.grading_queue", _l("Manual grading")),
    ("reports.summary", _l("Class summary")),
    ("reports.items", _l("Item analysis")),
)


def percent_label(fraction: float | None, digits: int = numbers.PERCENT_DIGITS) -> str:
    """The one rounding rule (web.numbers): one decimal, half up, in the page's language."""
    return numbers.percent_label(fraction, digits, str(get_locale() or "en"))


def decimal_label(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return format_decimal(value, format="0." + "0" * digits if digits else "0")


def duration_label(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    padded_minutes, padded_seconds = f"{minutes:02d}", f"{secs:02d}"
    if hours:
        return _("%(h)s h %(m)s min", h=hours, m=padded_minutes)
    if minutes:
        return _("%(m)s min %(s)s s", m=minutes, s=padded_seconds)
    return _("%(s)s s", s=secs)


# --- gradebook -----------------------------------------------------------------------------------


def _int_arg(name: str, default: int) -> int:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else default


@bp.route("/l/<launch_id>/reports/")
@instructors
def gradebook(launch_id: str):
    link = _link()
    # The roster comes from the LMS through the worker; this only asks for a fresh copy when stale.
    # A course that never had one gets it now, within a few seconds (roster.fetch_first_roster).
    status = roster.refresh_if_stale(link.course_id)
    if status.available and status.synced_at is None:
        status = roster.fetch_first_roster(link.course_id)
    scope = _scope()
    quiz = _quiz(link)
    grading, pass_mark = _grading(quiz)
    sort = request.args.get("sort", "name")
    sort = sort if sort in gradebook_queries.SORTS else "name"
    descending = request.args.get("dir") == "desc"
    filter_by = request.args.get("filter", "all")
    filter_by = filter_by if filter_by in gradebook_queries.FILTERS else "all"
    book = gradebook_queries.gradebook(scope, grading, pass_mark, sort=sort, descending=descending, filter_by=filter_by,
                             page=_int_arg("page", 1), per_page=PER_PAGE)
    rows = [(row, gradebook_queries.student_state(row)) for row in book.rows]
    return render_template(
        "reports/gradebook.html", link=link, quiz=quiz, book=book, rows=rows, sort=sort, descending=descending,
        filter_by=filter_by, filters=gradebook_queries.FILTERS, sorts=gradebook_queries.SORTS, grading=grading,
        pass_mark=pass_mark,
        queue=queue_queries.queue_length(scope), roster_loading=status.available and status.synced_at is None,
    )


def _csv_response(lines, filename: str) -> Response:
    response = Response(stream_with_context(lines), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _file_stem(link: ResourceLink) -> str:
    return f"kontor-{link.quiz_slug or 'activity'}-{link.id}"


@bp.route("/l/<launch_id>/reports/gradebook.csv")
@instructors
def gradebook_csv(launch_id: str):
    link = _link()
    grading, pass_mark = _grading(_quiz(link))
    rows = gradebook_queries.gradebook_rows(_scope(), grading, pass_mark)
    return _csv_response(exports.gradebook_csv(rows), f"{_file_stem(link)}-gradebook.csv")


@bp.route("/l/<launch_id>/reports/gradebook.xlsx")
@instructors
def gradebook_xlsx(launch_id: str):
    link = _link()
    grading, pass_mark = _grading(_quiz(link))
    header, rows = exports.gradebook_table(gradebook_queries.gradebook_rows(_scope(), grading, pass_mark))
    return _xlsx_response(exports.xlsx_file(header, rows, _("Gradebook")), f"{_file_stem(link)}-gradebook.xlsx")


def _xlsx_response(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/l/<launch_id>/reports/responses.csv")
@instructors
def responses_csv(launch_id: str):
    link = _link()
    quiz = _quiz(link)
    rows = response_queries.response_rows(_scope())
    return _csv_response(exports.responses_csv(rows, quiz.content if quiz else None, g.launch.locale),
                         f"{_file_stem(link)}-responses.csv")


# --- attempt review and mark overrides -----------------------------------------------------------


def _attempt(public_id: str):
    attempt = attempt_in_scope(_scope(), public_id)
    if attempt is None:
        abort(404)
    return attempt


@bp.route("/l/<launch_id>/reports/attempts/<attempt_id>")
@instructors
def attempt(launch_id: str, attempt_id: str):
    view = pages.attempt_review(_attempt(attempt_id), g.launch.locale)
    saved = _int_arg("saved", 0) or None
    return render_template("reports/attempt.html", view=view, saved=saved, error=None, error_answer=None)


@bp.route("/l/<launch_id>/reports/attempts/<attempt_id>/answers/<id:answer_id>", methods=["POST"])
@instructors
def override_mark(launch_id: str, attempt_id: str, answer_id: int):
    attempt = _attempt(attempt_id)
    answer = answer_in_scope(_scope(), answer_id)
    if answer is None or answer.attempt_id != attempt.id:
        abort(404)
    try:
        marks = mark_changes.parse_marks(request.form.get("marks"), answer.max_marks)
        comment = mark_changes.clean_comment(request.form.get("comment"))
        mark_changes.set_mark(answer.id, marks, comment, g.launch.user_id, _now())
    except mark_changes.ChangeRefused as error:
        db.session.rollback()
        view = pages.attempt_review(_attempt(attempt_id), g.launch.locale)
        return render_template("reports/attempt.html", view=view, saved=None, error=error.reason,
                               error_answer=answer_id), 400
    return redirect(url_for("reports.attempt", launch_id=launch_id, attempt_id=attempt_id, saved=answer_id,
                            _anchor=f"question-{answer_id}"))


# --- manual grading ------------------------------------------------------------------------------


@bp.route("/l/<launch_id>/reports/grading")
@instructors
def grading_queue(launch_id: str):
    view = pages.grading_queue(_scope(), _int_arg("answer", 0) or None, g.launch.locale)
    return render_template("reports/grading.html", view=view, saved=request.args.get("saved") == "1", error=None,
                           error_answer=None)


@bp.route("/l/<launch_id>/reports/grading/<id:answer_id>", methods=["POST"])
@instructors
def grade_answer(launch_id: str, answer_id: int):
    scope = _scope()
    answer = answer_in_scope(scope, answer_id)
    if answer is None:
        abort(404)
    try:
        marks = mark_changes.parse_marks(request.form.get("marks"), answer.max_marks)
        comment = mark_changes.clean_comment(request.form.get("comment"))
        mark_changes.set_mark(answer.id, marks, comment, g.launch.user_id, _now(), only_if_pending=True)
    except mark_changes.ChangeRefused as error:
        db.session.rollback()
        view = pages.grading_queue(scope, answer_id, g.launch.locale)
        status = 409 if error.reason == "already_graded" else 400
        return render_template("reports/grading.html", view=view, saved=False, error=error.reason,
                               error_answer=answer_id), status
    return redirect(url_for("reports.grading_queue", launch_id=launch_id, saved=1))


# --- one student and accommodations --------------------------------------------------------------


def _student(user_id: int) -> int:
    if not is_listed(_scope(), user_id):
        abort(404)
    return user_id


def _student_page(user_id: int, error: str | None = None, saved: bool = False, status: int = 200):
    link = _link()
    quiz = _quiz(link)
    view = pages.student_view(_scope(), link, user_id, quiz.settings if quiz else None)
    stored = _stored_close_at(view.accommodation)
    close_at_local = local_input_value(stored, get_timezone()) if stored else None
    return render_template("reports/student.html", view=view, quiz=quiz, error=error, saved=saved,
                           close_at_local=close_at_local, timezone=field_zone_name()), status


def _stored_close_at(accommodation):
    return accommodation.close_at if accommodation else None


@bp.route("/l/<launch_id>/reports/students/<id:user_id>")
@instructors
def student(launch_id: str, user_id: int):
    return _student_page(_student(user_id), saved=request.args.get("saved") == "1")


@bp.route("/l/<launch_id>/reports/students/<id:user_id>/accommodation", methods=["POST"])
@instructors
def save_accommodation(launch_id: str, user_id: int):
    _student(user_id)
    try:
        values = accommodations.parse_accommodation(
            request.form.get("extra_attempts"), request.form.get("extra_minutes"), request.form.get("close_at"),
            get_timezone(), _stored_close_at(attempts.accommodation_for(_scope().link_id, user_id)))
        accommodations.set_accommodation(_scope().link_id, user_id, values, g.launch.user_id, _now())
    except accommodations.ChangeRefused as error:
        db.session.rollback()
        return _student_page(user_id, error=error.reason, status=400)
    return redirect(url_for("reports.student", launch_id=launch_id, user_id=user_id, saved=1))


# --- class summary and item analysis -------------------------------------------------------------


@bp.route("/l/<launch_id>/reports/summary")
@instructors
def summary(launch_id: str):
    link = _link()
    quiz = _quiz(link)
    grading, pass_mark = _grading(quiz)
    view = pages.summary_view(_scope(), grading, pass_mark, percent_label)
    return render_template("reports/summary.html", view=view, quiz=quiz, grading=grading, pass_mark=pass_mark)


def _chosen() -> str:
    which = request.args.get("attempts", "all")
    return which if which in item_queries.CHOSEN else "all"


@bp.route("/l/<launch_id>/reports/items")
@instructors
def items(launch_id: str):
    link = _link()
    quiz = _quiz(link)
    result = analysis.item_analysis(_scope(), _chosen(), quiz.content if quiz else None, g.launch.locale)
    return render_template("reports/items.html", result=result, quiz=quiz, chosen=item_queries.CHOSEN)


@bp.route("/l/<launch_id>/reports/items.csv")
@instructors
def items_csv(launch_id: str):
    link, which, result = _item_analysis()
    return _csv_response(exports.items_csv(result, messages.undefined), f"{_file_stem(link)}-items-{which}.csv")


def _item_analysis():
    """(link, chosen attempts, analysis) for the export routes."""
    link = _link()
    quiz = _quiz(link)
    which = _chosen()
    return link, which, analysis.item_analysis(_scope(), which, quiz.content if quiz else None, g.launch.locale)


@bp.route("/l/<launch_id>/reports/items.xlsx")
@instructors
def items_xlsx(launch_id: str):
    link, which, result = _item_analysis()
    header, rows = exports.items_table(result, messages.undefined)
    return _xlsx_response(exports.xlsx_file(header, rows, _("Item analysis")), f"{_file_stem(link)}-items-{which}.xlsx")
