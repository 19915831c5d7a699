"""The human side of the demo LMS: course page, Moodle-like view pages with the tool's iframe."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from .. import custom_params
from ..model import INSTRUCTOR, LEARNER, TOOL_ACTIVE, Activity, User
from ..runtime import platform_state, platform_urls
from ..state import PlatformState

bp = Blueprint("pages", __name__)

LOG_LINES_SHOWN = 25


@dataclass(frozen=True)
class LaunchButton:
    label: str
    user_id: str
    locale: str


@dataclass(frozen=True)
class ActivityCard:
    cmid: int
    instance_id: int
    title: str
    tool_name: str
    url: str
    custom_text: str
    line_item: int | None
    launches: list[LaunchButton]


@dataclass(frozen=True)
class GradeRow:
    user_id: str
    user_name: str
    display: str
    comment: str
    timestamp: str
    grading_progress: str


@dataclass(frozen=True)
class GradebookColumn:
    item_id: int
    label: str
    maximum: str
    activity_title: str | None
    rows: list[GradeRow]


def launch_buttons(state: PlatformState) -> list[LaunchButton]:
    """One German and one English learner and the instructor, as seeded (6, 4 and 3)."""
    with state.lock:
        users = list(state.users.values())
    buttons = []
    german = _first(users, LEARNER, "de")
    english = _first(users, LEARNER, "en")
    instructor = _first(users, INSTRUCTOR, None)
    if german:
        buttons.append(LaunchButton("Launch as student (Deutsch)", german.id, "de"))
    if english:
        buttons.append(LaunchButton("Launch as student (English)", english.id, "en"))
    if instructor:
        buttons.append(LaunchButton("Launch as instructor", instructor.id, instructor.locale))
    return buttons


def activity_card(state: PlatformState, activity: Activity, buttons: list[LaunchButton]) -> ActivityCard:
    tool = state.tools.get(activity.tool_client_id)
    return ActivityCard(
        cmid=activity.cmid,
        instance_id=activity.instance_id,
        title=activity.title,
        tool_name=tool.name if tool else activity.tool_client_id,
        url=activity.url,
        custom_text=", ".join(f"{k}={v}" for k, v in custom_params.split_lines(activity.custom_parameters).items()),
        line_item=activity.line_item_id,
        launches=buttons,
    )


@bp.get("/")
def index() -> str:
    state = platform_state()
    buttons = launch_buttons(state)
    with state.lock:
        activities = [activity_card(state, a, buttons) for a in state.activities.values()]
        gradebook = _gradebook(state)
        tools = list(state.tools.values())
        instructor = _first(list(state.users.values()), INSTRUCTOR, None)
        log_lines = [f"{_clock(line.time)}  {line.text}" for line in list(state.log)[-LOG_LINES_SHOWN:]]
        score_posts = len(state.received_scores)
        learners = sum(1 for user in state.users.values() if user.role == LEARNER)
        instructors = len(state.users) - learners
    return render_template(
        "demo_lms/index.html",
        page_title="Course",
        course=state.course,
        issuer=platform_urls().issuer,
        people_summary=f"{learners} learner(s), {instructors} instructor(s)",
        activities=activities,
        deep_linking_tools=[tool for tool in tools if tool.status == TOOL_ACTIVE],
        instructor_id=instructor.id if instructor else "",
        gradebook=gradebook,
        tools=tools,
        log_lines=log_lines,
        token_requests=state.token_requests,
        score_posts=score_posts,
    )


@bp.get("/course/view/<int:cmid>")
def course_view(cmid: int) -> str:
    """Like mod/lti/view.php: the activity page whose iframe starts the launch."""
    state = platform_state()
    activity = state.activity(cmid) or abort(404)
    user = state.user(request.args.get("user", "4")) or abort(404)
    locale = request.args.get("locale", user.locale)
    role = "instructor" if user.role == INSTRUCTOR else "student"
    return render_template(
        "demo_lms/frame_page.html",
        page_title=activity.title,
        course=state.course,
        heading=activity.title,
        intro=f"Viewing as {user.name} ({role}, {_language(locale)}).",
        frame_title=f"{activity.title} (external tool)",
        frame_src=url_for("oidc.launch", cmid=cmid, user=user.id, locale=locale),
        platform_storage=state.settings.platform_storage,
        script_config={"platformStorage": state.settings.platform_storage},
    )


@bp.get("/deeplink/view")
def deep_linking_view() -> str:
    """The "Select content" dialog of the add-activity form, as a page."""
    state = platform_state()
    args = {key: request.args[key] for key in ("user", "tool", "title", "text") if key in request.args}
    args.setdefault("user", "3")
    return render_template(
        "demo_lms/frame_page.html",
        page_title="Add a quiz",
        course=state.course,
        heading="Add a quiz (deep linking)",
        intro="Choose content in the tool; the course gets one activity per returned link.",
        frame_title="Content selection in the tool",
        frame_src=url_for("oidc.deep_linking_start", **args),
        platform_storage=state.settings.platform_storage,
        script_config={"platformStorage": state.settings.platform_storage},
    )


@bp.get("/registration/view")
def registration_view() -> str:
    """Site admin > Manage tools > "Add LTI Advantage": the tool's registration page in a frame."""
    state = platform_state()
    return render_template(
        "demo_lms/frame_page.html",
        page_title="Register a tool",
        course=state.course,
        heading="Register a tool (dynamic registration)",
        intro="The tool registers itself; this page returns to the course when the tool says it is done.",
        frame_title="Tool registration",
        frame_src=url_for("registration.start"),
        platform_storage=False,
        script_config={"platformStorage": False, "closeOnRegistration": url_for("pages.index")},
    )


@bp.get("/platform-storage")
def platform_storage_frame() -> str:
    return render_template("demo_lms/platform_storage.html", script_config={"platformStorage": True})


@bp.get("/return")
def tool_return() -> str:
    """launch_presentation.return_url (Moodle's return.php), with lti_msg / lti_errormsg."""
    return render_template(
        "demo_lms/returned.html",
        page_title="Back from the tool",
        message=request.args.get("lti_msg", ""),
        error_message=request.args.get("lti_errormsg", ""),
    )


@bp.route("/mod/lti/service.php", methods=["GET", "POST"])
def basic_outcome_service() -> Response:
    # The LTI 1.1 outcome URL Moodle advertises in the basicoutcome claim; not emulated.
    return Response("LTI 1.1 Basic Outcomes are not emulated; use AGS.", status=501, content_type="text/plain")


@bp.post("/admin/tools/<client_id>/activate")
def activate_tool(client_id: str) -> Response:
    state = platform_state()
    if state.tool(client_id) is None:
        abort(404)
    state.activate_tool(client_id)
    return redirect(url_for("pages.index"))


def _gradebook(state: PlatformState) -> list[GradebookColumn]:
    learners = [user for user in state.users.values() if user.role == LEARNER]
    by_item = {a.line_item_id: a.title for a in state.activities.values() if a.line_item_id is not None}
    columns = []
    for item in state.line_items.values():
        rows = []
        for user in learners:
            grade = state.grades.get((item.id, user.id))
            rows.append(
                GradeRow(
                    user_id=user.id,
                    user_name=user.name,
                    display=grade.display if grade else "-",
                    comment=(grade.feedback or "") if grade else "",
                    timestamp=_clock(grade.timemodified) if grade and grade.timemodified else "–",
                    grading_progress=grade.grading_progress if grade else "–",
                )
            )
        columns.append(GradebookColumn(item.id, item.label, f"{item.score_maximum:g}", by_item.get(item.id), rows))
    return columns


def _first(users: list[User], role: str, locale: str | None) -> User | None:
    return next((u for u in users if u.role == role and (locale is None or u.locale == locale)), None)


def _language(locale: str) -> str:
    return {"de": "Deutsch", "en": "English"}.get(locale.split("_")[0].split("-")[0], locale)


def _clock(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
