"""Progress across a course: the instructors' course overview (activities, topic mastery matrix
with heat map and exports, students who have not started an activity that closes soon, students
who missed one that has closed) and the
student's own progress page with the "practise my weak spots" quiz.

Access as for the reports: the overview is for instructors of the launch's course only and shows
that course only; the progress page shows the launched student's own data only.
"""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..attempts.messages import refusal_message
from ..attempts.services import AttemptError
from ..db_types import utcnow
from ..engine.schema import TOPICS
from ..extensions import db
from ..reports import exports
from ..reports.mastery import MIN_ANSWERED, band, topic_mastery
from ..reports.routes import REPORT_NAV, _csv_response, _xlsx_response, percent_label
from ..web.access import launch_required
from ..web.template_helpers import topic_label
from . import practice, queries

bp = Blueprint("progress", __name__, template_folder="templates")
instructors = launch_required("instructor")
students = launch_required("student")
SORTS = ("name", *TOPICS)


@bp.context_processor
def _helpers():
    return {"percent_label": percent_label, "report_nav": (*REPORT_NAV, ("progress.overview", _l("Course overview"))),
            "min_answered": MIN_ANSWERED}


def _course_id() -> int:
    if g.launch.course_id is None:
        abort(404)  # a launch without a course has no course to show
    return g.launch.course_id


# --- the instructors' course overview ------------------------------------------------------------


def _matrix(course_id: int, sort: str, descending: bool):
    people = queries.students_of(course_id)
    answered = queries.answered_questions(course_id)
    rows = [(student, topic_mastery(answered.get(student.user_id, []))) for student in people]
    if sort == "name":
        rows.sort(key=lambda row: (row[0].name.casefold(), row[0].user_id), reverse=descending)
    else:
        shown = [r for r in rows if r[1][sort].value is not None]
        unknown = [r for r in rows if r[1][sort].value is None]  # always last, whichever direction
        shown.sort(key=lambda row: (row[1][sort].value, row[0].name.casefold()), reverse=descending)
        rows = shown + unknown
    return people, rows


def _sort_args() -> tuple[str, bool]:
    sort = request.args.get("sort", "name")
    return (sort if sort in SORTS else "name"), request.args.get("dir") == "desc"


@bp.route("/l/<launch_id>/course/overview")
@instructors
def overview(launch_id: str):
    course_id = _course_id()
    sort, descending = _sort_args()
    people, rows = _matrix(course_id, sort, descending)
    activities = queries.activity_rows(course_id, g.launch.locale)
    now = utcnow()
    own = queries.own_close_dates(course_id)  # one read of each for both lists
    closes = queries.activity_closes(course_id)
    due = queries.not_started_due_soon(course_id, now, people, own=own, closes=closes)
    missed = queries.missed_activities(course_id, now, people, own=own, closes=closes)
    any_close_date = any(a.close_at is not None for a in activities)
    heat = [
        {"name": student.name, "cells": [
            {"topic": topic, "value": mastery[topic].value, "band": band(mastery[topic].value),
             "answered": mastery[topic].answered} for topic in TOPICS]}
        for student, mastery in rows
    ]
    return render_template("progress/overview.html", activities=activities, rows=rows, heat=heat, topics=TOPICS,
                           sort=sort, descending=descending, due=due, missed=missed, any_close_date=any_close_date,
                           due_days=queries.DUE_SOON_DAYS, topic_label=topic_label)


def _matrix_table():
    sort, descending = _sort_args()
    _people, rows = _matrix(_course_id(), sort, descending)
    header = [_("Student")]
    for topic in TOPICS:
        header += [f"{topic_label(topic)} (%)", f"{topic_label(topic)}: " + _("answered")]
    table = []
    for student, mastery in rows:
        line = [student.name]
        for topic in TOPICS:
            value = mastery[topic].value
            line += [None if value is None else round(value * 100, 1), mastery[topic].answered]
        table.append(line)
    return header, table


@bp.route("/l/<launch_id>/course/mastery.csv")
@instructors
def mastery_csv(launch_id: str):
    header, rows = _matrix_table()
    return _csv_response(exports.csv_lines(header, rows), f"kontor-course-{_course_id()}-mastery.csv")


@bp.route("/l/<launch_id>/course/mastery.xlsx")
@instructors
def mastery_xlsx(launch_id: str):
    header, rows = _matrix_table()
    return _xlsx_response(exports.xlsx_file(header, rows, _("Topic mastery")),
                          f"kontor-course-{_course_id()}-mastery.xlsx")


# --- the student's own progress ------------------------------------------------------------------


def _progress_page(error: str | None = None, status: int = 200):
    course_id = _course_id()
    answered = queries.answered_questions(course_id, g.launch.user_id).get(g.launch.user_id, [])
    mastery = topic_mastery(answered)
    wrong = queries.recent_wrong(course_id, g.launch.user_id, g.launch.locale, utcnow())
    return render_template("progress/student.html", mastery=mastery, topics=TOPICS, wrong=wrong,
                           topic_label=topic_label, error=error), status


@bp.route("/l/<launch_id>/progress")
@students
def student(launch_id: str):
    return _progress_page()


@bp.route("/l/<launch_id>/progress/practise", methods=["POST"])
@students
def practise(launch_id: str):
    course_id = _course_id()
    answered = queries.answered_questions(course_id, g.launch.user_id).get(g.launch.user_id, [])
    try:
        attempt = practice.start_weak_spots(course_id, g.launch.user_id, topic_mastery(answered), utcnow())
    except practice.NothingToPractise:
        db.session.rollback()
        return _progress_page(error=_("The library has no practice questions to draw from yet."), status=409)
    except AttemptError as error:
        db.session.rollback()
        return _progress_page(error=refusal_message(error.reason), status=409)
    db.session.commit()
    return redirect(url_for("attempts.page", launch_id=launch_id, attempt_id=attempt.public_id, number=1))


def instructor_links(launch_id: str) -> list:
    from ..web.template_helpers import InstructorLink

    return [InstructorLink(_l("Course overview"), url_for("progress.overview", launch_id=launch_id))]


def init_app(app) -> None:
    from ..web.template_helpers import instructor_link_providers

    app.register_blueprint(bp)
    if instructor_links not in instructor_link_providers:
        instructor_link_providers.append(instructor_links)
