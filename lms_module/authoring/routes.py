"""The instructor page of an activity, the quiz picker (also for deep linking) and quiz previews."""
from __future__ import annotations

import random

import yaml
from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from wtforms.fields.choices import SelectChoice

from ..attempts import deadlines, policy, services as attempt_services
from ..engine import handler_for, plan_attempt, render, resolve
from ..db_types import utcnow
from ..extensions import db
from ..library import services as library_services
from ..library.services import content_of
from ..signals import queue_work
from ..lti.deep_linking import ContentItem, response_jwt
from ..courses.models import LaunchSession, ResourceLink
from ..web.access import instructor_only
from ..web.security import allow_form_target
from ..web.template_helpers import instructor_links_for, instructor_panels_for
from . import services
from .quiz_warnings import describe as describe_warnings
from .forms import ActivitySettingsForm, ChooseQuizForm, ImportQuizForm

bp = Blueprint("authoring", __name__, template_folder="templates")


def _link() -> ResourceLink:
    link = db.session.get(ResourceLink, g.launch.resource_link_id) if g.launch.resource_link_id else None
    if link is None:
        abort(404)
    return link


def _filters() -> tuple[str | None, str | None]:
    topic = request.args.get("topic") or None
    language = request.args.get("language") or None
    if topic is not None and topic not in services.topics():
        topic = None
    if language not in (None, "de", "en"):
        language = None
    return topic, language


@bp.route("/l/<launch_id>/instructor")
@instructor_only
def instructor_home(launch_id: str):
    link = _link()
    if not link.quiz_slug:
        return _picker_page(ChooseQuizForm(), link)
    try:
        quiz = attempt_services.quiz_for_link(link)
    except attempt_services.AttemptError:
        return _picker_page(ChooseQuizForm(), link, missing=link.quiz_slug)
    stored = services.stored_overrides(link)
    form = ActivitySettingsForm(stored=stored)
    form.fill_from(stored)
    return _home_page(link, quiz, form)


def _home_page(link: ResourceLink, quiz, form: ActivitySettingsForm, status: int = 200):
    """The instructor page; the reports' links and the sync table are prepared here, not queried in Jinja."""
    return render_template("authoring/instructor_home.html", link=link, quiz=quiz, form=form,
                           instructor_links=instructor_links_for(g.launch.launch_id),
                           instructor_panels=instructor_panels_for(link)), status


def _picker_page(form: ChooseQuizForm, link: ResourceLink, missing: str | None = None, status: int = 200,
                 upload: ImportQuizForm | None = None, upload_errors=None):
    topic, language = _filters()
    entries = services.library_entries(g.launch.locale, topic, language, g.launch.course_id)
    return render_template(
        "authoring/choose_quiz.html", form=form, link=link, entries=entries, topics=services.topics(),
        topic=topic, language=language, missing=missing, upload=upload or ImportQuizForm(),
        upload_errors=upload_errors or [],
    ), status


@bp.route("/l/<launch_id>/instructor/import", methods=["POST"])
@instructor_only
def import_quiz(launch_id: str):
    """An instructor's own quiz file (quizzes/README.md format) for this course."""
    link = _link()
    upload = ImportQuizForm()
    if g.launch.course_id is None:
        abort(400)
    if not upload.validate_on_submit():
        db.session.rollback()
        return _picker_page(ChooseQuizForm(), link, status=400, upload=upload)
    file = upload.quiz_file.data
    result = library_services.import_for_course(file.read(), file.filename or "", g.launch.course_id)
    if result.errors:
        db.session.rollback()
        return _picker_page(ChooseQuizForm(), link, status=400, upload=upload, upload_errors=result.errors)
    if not link.quiz_slug:
        services.choose_quiz(link, result.slug)
    flash({"created": _("The quiz was imported."), "updated": _("A new version of the quiz was imported; attempts already started keep theirs."),
           "unchanged": _("The quiz file is unchanged.")}[result.outcome])
    for warning in describe_warnings(result.warnings):
        flash(warning, "warning")
    return redirect(url_for("authoring.instructor_home", launch_id=launch_id))


@bp.route("/l/<launch_id>/library/<slug>/quiz.yaml")
@instructor_only
def export_quiz(launch_id: str, slug: str):
    """The quiz as a file to adapt and import again (change its slug to make it the course's own)."""
    version = services.version_for(slug, g.launch.course_id)
    if version is None:
        abort(404)
    text = yaml.safe_dump(version.content, allow_unicode=True, sort_keys=False, width=100)
    return Response(text, mimetype="application/yaml",
                    headers={"Content-Disposition": f'attachment; filename="{slug}.yaml"'})


@bp.route("/l/<launch_id>/instructor/choose")
@instructor_only
def choose_page(launch_id: str):
    """The library (and the course's own quizzes) to change the activity's quiz or import one."""
    return _picker_page(ChooseQuizForm(), _link())


@bp.route("/l/<launch_id>/instructor/quiz", methods=["POST"])
@instructor_only
def choose_quiz(launch_id: str):
    link = _link()
    form = ChooseQuizForm()
    form.quiz.choices = [SelectChoice(e.slug, e.title) for e in services.library_entries(g.launch.locale, course_id=g.launch.course_id)]
    if not form.validate_on_submit():
        db.session.rollback()
        return _picker_page(form, link, status=400)
    services.choose_quiz(link, form.quiz.data)
    flash(_("The quiz was chosen for this activity."))
    return redirect(url_for("authoring.instructor_home", launch_id=launch_id))


@bp.route("/l/<launch_id>/instructor/settings", methods=["POST"])
@instructor_only
def save_settings(launch_id: str):
    link = _link()
    try:
        attempt_services.quiz_for_link(link)
    except attempt_services.AttemptError:  # no quiz (yet, or any more): nothing to set; the picker says so
        flash(_("No quiz has been chosen for this activity yet."), "warning")
        return redirect(url_for("authoring.instructor_home", launch_id=launch_id))
    # The saved settings: a closing date left as pre-filled keeps its stored moment.
    form = ActivitySettingsForm(stored=services.stored_overrides(link))
    if not form.validate_on_submit():
        quiz = attempt_services.quiz_for_link(link)
        return _home_page(link, quiz, form, 400)
    before = attempt_services.quiz_for_link(link).settings
    services.save_overrides(link, form.overrides(), g.launch.user_id)
    db.session.flush()
    after = attempt_services.quiz_for_link(link).settings
    old_method, new_method = before.grading, after.grading
    # A grading method applies to every attempt (the gradebook shows it so at once): the changed
    # grades are queued for the LMS in this transaction.
    changed = attempt_services.apply_grading_method(link, old_method, new_method)
    # A closing date applies to attempts in progress too (to stop an exam now, or to give the class
    # more time): their deadlines move, each student's with their accommodation.
    new_close = before.close_at != after.close_at
    moved = deadlines.move_running_deadlines(link.id, after.close_at, utcnow()) if new_close else 0
    if old_method == new_method:
        flash(_("The settings were saved. Apart from the closing date, they apply to attempts started from now on.")
              if new_close else _("The settings were saved. They apply to attempts started from now on."))
    else:
        queue_work("authoring")  # the changed grades queued above; the workers wake after the commit
        flash(ngettext("The settings were saved. The new grading method applies to every attempt: "
                       "%(num)s student's grade changed. Changed grades are sent to the LMS.",
                       "The settings were saved. The new grading method applies to every attempt: "
                       "%(num)s students' grades changed. Changed grades are sent to the LMS.", changed))
    if new_close and after.close_at is None:
        flash(ngettext("The closing date was removed for attempts in progress too: %(num)s running attempt got "
                       "a new deadline.",
                       "The closing date was removed for attempts in progress too: %(num)s running attempts got "
                       "a new deadline.", moved))
    elif new_close:
        flash(ngettext("The new closing date applies to attempts in progress too: %(num)s running attempt got a "
                       "new deadline.",
                       "The new closing date applies to attempts in progress too: %(num)s running attempts got a "
                       "new deadline.", moved))
    return redirect(url_for("authoring.instructor_home", launch_id=launch_id))


@bp.route("/l/<launch_id>/library/<slug>/preview")
@instructor_only
def preview(launch_id: str, slug: str):
    """The quiz as a student sees it: every question, no answers, no keys."""
    version = services.version_for(slug, g.launch.course_id)
    if version is None:
        abort(404)
    content = content_of(version)
    locale = g.launch.locale
    seed = random.Random(slug).randrange(2**31)  # a stable preview, not an attempt's secret seed
    questions = []
    for number, planned in enumerate(plan_attempt(content, seed, False, True), start=1):
        question = content.question(planned.question_id)
        questions.append({"number": number, "type": question.type,
                          "view": handler_for(question).view(question, planned.layout, locale),
                          "source": render(question.source, locale) if question.source else None,
                          "valid_as_of": question.valid_as_of})
    settings = policy.effective_settings(content.settings, {})
    # The preview is opened from the quiz list of this launch: the deep linking picker or the choice page.
    back = "authoring.deep_linking" if g.launch.is_deep_linking else "authoring.choose_page"
    return render_template("authoring/preview.html", content=content, questions=questions, settings=settings,
                           title=resolve(content.title, locale), back_url=url_for(back, launch_id=launch_id))


# --- deep linking -------------------------------------------------------------------------------


@bp.route("/l/<launch_id>/deep-linking")
@instructor_only
def deep_linking(launch_id: str):
    launch = _deep_linking_launch(launch_id)
    topic, language = _filters()
    return render_template(
        "authoring/deep_linking.html",
        entries=services.library_entries(g.launch.locale, topic, language, g.launch.course_id),
        topics=services.topics(), topic=topic, language=language,
        multiple=_accepts_multiple(launch), form=ActivitySettingsForm(),
    )


def _deep_linking_launch(launch_id: str) -> LaunchSession:
    launch = db.session.get(LaunchSession, launch_id)
    if launch is None or launch.message_type != "LtiDeepLinkingRequest" or not launch.deep_linking:
        abort(404)
    return launch


def _accepts_multiple(launch: LaunchSession) -> bool:
    value = (launch.deep_linking or {}).get("accept_multiple")
    return value is True or str(value).lower() == "true"


@bp.route("/l/<launch_id>/deep-linking", methods=["POST"])
@instructor_only
def deep_linking_choose(launch_id: str):
    launch = _deep_linking_launch(launch_id)
    form = ActivitySettingsForm()
    entries = {e.slug: e for e in services.library_entries(g.launch.locale, course_id=g.launch.course_id)}
    named = list(dict.fromkeys(request.form.getlist("quiz")))  # a slug sent twice is one activity, not two
    chosen = [slug for slug in named if slug in entries]
    unknown = [slug for slug in named if slug not in entries]
    problem = None
    if not form.validate_on_submit():
        problem = _("Please check the settings.")
    elif unknown or not chosen:
        problem = _("Please choose a quiz from the list.")
    elif len(chosen) > 1 and not _accepts_multiple(launch):
        problem = _("Your LMS accepts only one quiz at a time here. Please choose one.")
    if problem:
        return render_template(
            "authoring/deep_linking.html", entries=list(entries.values()), topics=services.topics(),
            topic=None, language=None, multiple=_accepts_multiple(launch), form=form, problem=problem,
            selected=set(chosen),
        ), 400
    overrides = form.overrides()
    items = [_content_item(entries[slug], overrides) for slug in chosen]
    jwt_value, return_url = response_jwt(launch, items)
    # Our form posts to the platform: allow exactly that origin in this page's form-action.
    allow_form_target(return_url)
    return render_template("authoring/deep_linking_return.html", return_url=return_url, jwt_value=jwt_value,
                           titles=[i.title for i in items])


def _content_item(entry: services.LibraryEntry, overrides: dict) -> ContentItem:
    settings = policy.effective_settings_from(entry.settings, overrides)
    custom = {"quiz": entry.slug, **policy.settings_to_custom(overrides)}
    graded = settings.graded
    return ContentItem(
        title=entry.title,
        text=entry.description_text,
        url=url_for("lti.launch", _external=True),
        custom=custom,
        score_maximum=100.0 if graded else None,
        resource_id=entry.slug,
        tag="kontor-quiz",
    )
