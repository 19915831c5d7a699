"""The student's pages: start, questions, summary, submission, result (and instructors' previews)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext

from ..db_types import utcnow
from ..engine import InvalidAnswer, handler_for
from ..engine.size import attempt_size
from ..extensions import db
from ..transaction import begin_writing
from ..courses.models import ResourceLink
from ..web.access import launch_required
from ..web.template_helpers import datetime_label
from . import course_practice, policy, services
from .messages import HEADINGS, refusal_message
from .models import IN_PROGRESS
from .pages import build_page, build_result, build_summary, nav_buttons, page_count, page_question_ids

bp = Blueprint("attempts", __name__, template_folder="templates")


def _link() -> ResourceLink:
    link = db.session.get(ResourceLink, g.launch.resource_link_id) if g.launch.resource_link_id else None
    if link is None:
        abort(404)
    return link


def _with_link(query, view_args):
    """For launch_required(also=...): the launch's activity as a whole row, from the resource link
    the launch's query joins already; _link()'s session.get then finds it without a query."""
    return query.add_columns(ResourceLink)


def _with_attempt(query, view_args):
    """For launch_required(also=...): the URL's attempt comes with the launch, in one query."""
    return services.join_attempt(query, view_args.get("attempt_id", ""))


def _with_attempt_for_save(query, view_args):
    """_with_attempt, with only the attempt's columns a save uses (services.join_attempt_in_progress)."""
    return services.join_attempt_in_progress(query, view_args.get("attempt_id", ""))


def _with_attempt_and_answers(query, view_args):
    """_with_attempt, and the attempt's answers (services.join_attempt_and_answers): a question
    page is one query."""
    return services.join_attempt_and_answers(query, view_args.get("attempt_id", ""))


def _with_attempt_and_link(query, view_args):
    """_with_attempt, and the activity (_with_link): submitting announces the grade with it."""
    return _with_link(_with_attempt(query, view_args), view_args)


def _attempt(public_id: str):
    extra = g.get("launch_extra") or ()
    if extra:  # loaded with the launch (_with_attempt), by the rule of services.attempt_of
        attempt, digest = extra[0], extra[1]
        if attempt is not None:
            services.remember_content_hash(attempt, digest)
    else:
        attempt = services.attempt_of(public_id, g.launch.user_id, g.launch.resource_link_id or -1)
    if attempt is None:  # the course's "practise my weak spots" attempts open under any of its launches
        attempt = course_practice.practice_attempt_of(public_id, g.launch.user_id, g.launch.course_id)
    if attempt is None:
        abort(404)  # another user's attempt id looks exactly like an unknown one
    return attempt


def _answers(attempt) -> dict:
    """The attempt's answer states: loaded with the launch (_with_attempt_and_answers) when the
    attempt came with it, else read now (a course practice attempt, found by _attempt)."""
    extra = g.get("launch_extra") or ()
    if len(extra) > 2 and extra[0] is attempt:
        return services.answer_states_of(extra[2])
    return services.answer_states(attempt)


def _now() -> datetime:
    return utcnow()


@dataclass(frozen=True)
class TimerFacts:
    """What the countdown script needs besides the deadline: the server's time when the page was
    made (the browser's clock may be off) and the grace during which a post still saves."""
    now: datetime
    grace_seconds: int


def _timer_facts() -> TimerFacts:
    return TimerFacts(now=_now(), grace_seconds=int(policy.GRACE.total_seconds()))


@bp.app_template_global()
def script_time(moment: datetime | None) -> str:
    """A moment as attempt.js reads it (the timer's data-deadline and data-now, the deadline in the
    autosave's answer): ISO 8601 with milliseconds and the offset, ECMAScript's one date-time format
    that every browser's Date.parse must read (microseconds may read as an invalid date); '' for none."""
    return moment.isoformat(timespec="milliseconds") if moment is not None else ""


def _deadline_facts(attempt) -> dict:
    """What the open page needs to follow a deadline moved while it is open (a new closing date or
    accommodation, attempts.deadlines): the attempt's deadline as it is now, the server's time, and
    the sentence that announces a change, in the launch's language and time zone (the script does
    not format times)."""
    deadline = attempt.deadline_at
    if deadline is None:
        changed = gettext("The time for this attempt has changed: it no longer has a time limit.")
    else:
        changed = gettext("The time for this attempt has changed: it now ends on %(time)s.", time=datetime_label(deadline))
    return {"deadline": script_time(deadline), "now": script_time(_now()), "deadline_changed": changed}


@bp.route("/l/<launch_id>/quiz")
@launch_required(also=_with_link)
def start_page(launch_id: str):
    link = _link()
    try:
        info = services.start_info(link, g.launch.user_id, _now(), is_preview=g.launch.is_instructor)
    except services.AttemptError as error:
        return render_template("not_set_up.html", reason=error.reason), 200
    size = attempt_size(info.quiz.content, info.quiz.settings.questions_per_attempt)
    return render_template("attempts/start.html", info=info, link=link, now=_now(), size=size)


@bp.route("/l/<launch_id>/quiz/start", methods=["POST"])
@launch_required(also=_with_link)
def start(launch_id: str):
    link = _link()
    try:
        attempt = services.start_attempt(link, g.launch.user_id, _now(), is_preview=g.launch.is_instructor)
    except services.AttemptError as error:
        db.session.rollback()
        return render_template("attempts/refused.html", message=refusal_message(error.reason)), 409
    return redirect(url_for("attempts.page", launch_id=launch_id, attempt_id=attempt.public_id, number=1))


@bp.route("/l/<launch_id>/attempt/<attempt_id>/page/<int:number>")
@launch_required(also=_with_attempt_and_answers, read_only=True)  # writes only to submit an overdue attempt
def page(launch_id: str, attempt_id: str, number: int):
    attempt = _attempt(attempt_id)
    if attempt.status != IN_PROGRESS:
        return redirect(url_for("attempts.result", launch_id=launch_id, attempt_id=attempt_id))
    if policy.is_overdue(attempt.deadline_at, _now()):
        if not _submitted_by_student(attempt):
            return _broken("not_submittable")
        return redirect(url_for("attempts.result", launch_id=launch_id, attempt_id=attempt_id))
    if not 1 <= number <= page_count(attempt):
        abort(404)
    try:
        view = build_page(attempt, number, g.launch.locale, request.args.get("checked"), answers=_answers(attempt))
    except services.AttemptError as error:  # plan_not_in_quiz, layout_not_in_quiz: it cannot be shown
        return _broken(error.reason)
    return render_template("attempts/page.html", view=view, attempt=attempt, timer=_timer_facts())


@bp.route("/l/<launch_id>/attempt/<attempt_id>/page/<int:number>", methods=["POST"])
@launch_required(also=_with_attempt)
def save_page(launch_id: str, attempt_id: str, number: int):
    """The plain form post (works without JavaScript): save this page's answers, then navigate."""
    attempt = _attempt(attempt_id)
    if not 1 <= number <= page_count(attempt):
        abort(404)
    # From the plan, not a rendered page: an overdue attempt whose plan names a question the quiz
    # lacks reaches save_answers, which gives the student their page (services.submit_by_student;
    # in time: services.planned_content).
    question_ids = page_question_ids(attempt, number)
    form = request.form.to_dict(flat=False)
    flags = {qid: f"flag-{qid}" in form for qid in question_ids}
    go = request.form.get("go", "next")
    try:
        services.save_answers(attempt, form, question_ids, _now(), flags=flags)
        if go.startswith("check-"):
            qid = go[len("check-"):]
            if qid not in question_ids:
                abort(400)
            services.check_answer(attempt, qid, form, _now(), g.launch.locale)
    except services.AttemptError as error:
        _finish_refused(error)
        if error.reason in ("already_submitted", "deadline_passed"):
            return redirect(url_for("attempts.result", launch_id=launch_id, attempt_id=attempt_id))
        if error.reason in HEADINGS:
            return _broken(error.reason)
        return render_template("attempts/refused.html", message=refusal_message(error.reason)), 400
    except InvalidAnswer as error:
        db.session.rollback()
        return render_template("attempts/refused.html", message=refusal_message(error.message_key)), 400
    return redirect(_destination(launch_id, attempt, number, go))


def _finish_refused(error: services.AttemptError) -> None:
    """Nothing the request sent is kept; but an attempt found overdue was submitted (or its failed
    submission counted, services.submit_by_student), and that stays."""
    if error.reason in ("deadline_passed", "not_submittable"):
        # Committed here, not at the boundary: the response refuses (4xx), which rolls back, but
        # the submission of the overdue attempt must stay.
        db.session.commit()
    else:
        db.session.rollback()


def _submitted_by_student(attempt) -> bool:
    """Submit (services.submit_by_student); False if it cannot be submitted, its failure counted
    and committed here, as the refusal's response would roll it back. A read-only view's reads end
    first (transaction.begin_writing): the submission runs in a transaction of its own."""
    begin_writing()
    try:
        services.submit_by_student(attempt, _now())
    except services.AttemptError as error:
        _finish_refused(error)
        return False
    return True


def _broken(reason: str):
    """The student's page for an attempt that Kontor cannot submit or show (a reason of
    messages.HEADINGS): what happened in their language, no stack trace, no retry loop."""
    return render_template("attempts/refused.html", heading=HEADINGS.get(reason), message=refusal_message(reason)), 409


def _destination(launch_id: str, attempt, number: int, go: str) -> str:
    pages = page_count(attempt)
    target = {"next": min(number + 1, pages), "prev": max(number - 1, 1)}.get(go)
    if go == "summary" or (go == "next" and number == pages):
        return url_for("attempts.summary", launch_id=launch_id, attempt_id=attempt.public_id)
    if go.startswith("page-") and go[5:].isdigit():
        target = min(max(int(go[5:]), 1), pages)
    if go.startswith("check-"):
        return url_for("attempts.page", launch_id=launch_id, attempt_id=attempt.public_id, number=number,
                       checked=go[6:], _anchor=f"q-{go[6:]}-feedback")
    if go == "stay":
        target = number
    return url_for("attempts.page", launch_id=launch_id, attempt_id=attempt.public_id, number=target or number)


@bp.route("/l/<launch_id>/attempt/<attempt_id>/autosave", methods=["POST"])
@launch_required(also=_with_attempt_for_save, json_body=True)
def autosave(launch_id: str, attempt_id: str):
    """The script's save of one question; JSON in and out. CSRF token in the X-CSRFToken header."""
    attempt = _attempt(attempt_id)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("question_id"), str) or not isinstance(payload.get("fields"), dict):
        return jsonify(ok=False, error="bad_request", message=refusal_message("wrong_shape")), 400
    if not isinstance(payload.get("flagged", False), bool):  # bool("false") would flag the question
        return jsonify(ok=False, error="wrong_shape", message=refusal_message("wrong_shape")), 400
    fields = {str(k): v if isinstance(v, list) else [v] for k, v in payload["fields"].items()}
    given_at = _parse_time(payload.get("given_at"))
    flags = {payload["question_id"]: bool(payload["flagged"])} if "flagged" in payload else None
    try:
        result = services.save_answers(attempt, fields, [payload["question_id"]], _now(), given_at=given_at, flags=flags)
    except services.AttemptError as error:
        # Read before _finish_refused's commit, which would have the attempt read again.
        facts = _deadline_facts(attempt) if error.reason in ("already_submitted", "deadline_passed") else None
        _finish_refused(error)
        if facts is not None:
            # The attempt is closed: its deadline tells a page still counting down (to a later
            # deadline it was made with) that time is up, and the page goes to the result.
            return jsonify(ok=False, error=error.reason, message=refusal_message(error.reason), **facts), 409
        status = 409 if error.reason in HEADINGS else 400
        return jsonify(ok=False, error=error.reason, message=refusal_message(error.reason)), status
    except InvalidAnswer as error:
        db.session.rollback()
        return jsonify(ok=False, error=error.message_key, message=refusal_message(error.message_key)), 400
    return jsonify(ok=True, saved=result.saved, kept_newer=result.kept_newer, saved_at=_now().isoformat(),
                   **_deadline_facts(attempt))


@bp.route("/l/<launch_id>/attempt/<attempt_id>/deadline")
@launch_required(also=_with_attempt_for_save, read_only=True)
def deadline(launch_id: str, attempt_id: str):
    """The open page's check of its deadline while the student saves nothing (attempt.js: at most
    once a minute, only while the page is seen): the autosave's facts, for the student's own attempt."""
    attempt = _attempt(attempt_id)
    return jsonify(ok=True, in_progress=attempt.status == IN_PROGRESS, **_deadline_facts(attempt))


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


@bp.route("/l/<launch_id>/attempt/<attempt_id>/summary")
@launch_required(also=_with_attempt)
def summary(launch_id: str, attempt_id: str):
    attempt = _attempt(attempt_id)
    if attempt.status != IN_PROGRESS:
        return redirect(url_for("attempts.result", launch_id=launch_id, attempt_id=attempt_id))
    try:
        view = build_summary(attempt, g.launch.locale)
    except services.AttemptError as error:  # plan_not_in_quiz, as on the question pages
        return _broken(error.reason)
    return render_template("attempts/summary.html", view=view, attempt=attempt, timer=_timer_facts())


@bp.route("/l/<launch_id>/attempt/<attempt_id>/submit", methods=["POST"])
@launch_required(also=_with_attempt_and_link)
def submit(launch_id: str, attempt_id: str):
    """Idempotent: a double click, a second tab or a replayed post grades the attempt once."""
    attempt = _attempt(attempt_id)
    if not _submitted_by_student(attempt):
        return _broken("not_submittable")
    return redirect(url_for("attempts.result", launch_id=launch_id, attempt_id=attempt_id))


@bp.route("/l/<launch_id>/attempt/<attempt_id>/result")
@launch_required(also=_with_attempt)
def result(launch_id: str, attempt_id: str):
    attempt = _attempt(attempt_id)
    if attempt.status == IN_PROGRESS:
        if policy.is_overdue(attempt.deadline_at, _now()):
            if not _submitted_by_student(attempt):
                return _broken("not_submittable")
        else:
            return redirect(url_for("attempts.summary", launch_id=launch_id, attempt_id=attempt_id))
    return render_template("attempts/result.html", view=build_result(attempt, g.launch.locale, _now()), attempt=attempt)


@bp.app_template_global()
def question_partial(question_type: str) -> str:
    handler_for(question_type)  # unknown types fail loudly here, not as a missing template
    return f"questions/_{question_type}.html"



bp.add_app_template_global(nav_buttons)


@bp.app_template_global("refusal")
def refusal(reason: str) -> str:
    """The message for a refusal reason, for every template (the start page, the reports)."""
    return refusal_message(reason)
