"""The course quiz editor: list, create, copy, edit, slots, publish and regrade (instructors only,
inside a launch, scoped to the launch's course: another course's quiz ids are 404)."""
from __future__ import annotations

from textwrap import shorten

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from pydantic import ValidationError

from ..engine import limits
from ..engine.schema import TOPICS
from ..extensions import db
from ..signals import queue_work
from ..web.access import instructor_only
from ..web.template_helpers import topic_label
from . import course_quizzes as cq
from . import services
from .question_forms import TYPE_LABELS
from .quiz_forms import SLUG_HINT, choices as _c, AddDrawForm, AddQuestionsForm, ConfirmForm, CopyQuizForm, DetailsForm, NewQuizForm, SlotForm

bp = Blueprint("course_quizzes", __name__, template_folder="templates")

REFUSALS = {
    "bad_slug": _l("Use lowercase letters, digits and single hyphens for the short name (at most 80)."),
    "slug_taken": _l("This short name is already used by the library or a quiz of this course; choose another."),
    "bad_topic": _l("Choose one of the topics."),
    "too_many_slots": _l("A quiz holds at most %(limit)s slots."),
    "no_tag": _l("Choose a tag."),
    "bad_count": _l("The number of questions must be between 1 and 500."),
    "bad_points": _l("Points must be more than 0 and at most %(limit)s."),
    "tag_drawn_twice": _l("The quiz already draws from the tag %(tag)s."),
    "no_free_key": _l("The bank has no free id for a copied question; rename questions in the bank first."),
}


def _course_id() -> int:
    if g.launch.course_id is None:
        abort(404)
    return g.launch.course_id


def _draft(quiz_id: int):
    try:
        return cq.draft_of(_course_id(), quiz_id)
    except LookupError:
        abort(404)


def _refusal(error: cq.QuizEditError) -> str:
    message = str(REFUSALS.get(error.reason, _l("The change was refused.")))
    return message % error.values if error.values else message


def _topic_choices():
    return _c((t, topic_label(t)) for t in TOPICS)


def _source_choices():
    return _c((e.slug, f"{e.title} ({e.slug})") for e in services.library_entries(g.launch.locale, course_id=_course_id()))


def _back_to_editor(quiz_id: int, anchor: str = "slots", **args):
    return redirect(url_for("course_quizzes.editor", launch_id=g.launch.launch_id, quiz_id=quiz_id, **args)
                    + f"#{anchor}")


# --- list, create, copy --------------------------------------------------------------------


@bp.route("/l/<launch_id>/authoring/quizzes")
@instructor_only
def index(launch_id: str):
    return _index_page(NewQuizForm(formdata=None), CopyQuizForm(formdata=None))


def _index_page(new: NewQuizForm, copy: CopyQuizForm, status: int = 200):
    new.topic.choices = _topic_choices()
    copy.source.choices = _source_choices()
    return render_template("authoring/quizzes/index.html", quizzes=cq.course_quizzes(_course_id()), new=new,
                           copy=copy, slug_hint=SLUG_HINT, title_of=cq.title_of), status


@bp.route("/l/<launch_id>/authoring/quizzes/new", methods=["POST"])
@instructor_only
def create(launch_id: str):
    new = NewQuizForm()
    new.topic.choices = _topic_choices()
    if not new.validate_on_submit():
        return _index_page(new, CopyQuizForm(formdata=None), 400)
    try:
        quiz = cq.create_quiz(_course_id(), new.slug.data, new.title(), new.topic.data)
    except cq.QuizEditError as error:
        db.session.rollback()
        new.slug.errors = [_refusal(error)]
        return _index_page(new, CopyQuizForm(formdata=None), 400)
    db.session.commit()
    flash(_("The quiz was created. Add questions from the bank, then publish it."))
    return redirect(url_for("course_quizzes.editor", launch_id=launch_id, quiz_id=quiz.id))


@bp.route("/l/<launch_id>/authoring/quizzes/copy", methods=["POST"])
@instructor_only
def copy(launch_id: str):
    form = CopyQuizForm()
    form.source.choices = _source_choices()
    if not form.validate_on_submit():
        return _index_page(NewQuizForm(formdata=None), form, 400)
    try:
        quiz = cq.copy_quiz(_course_id(), form.source.data, form.slug.data, g.launch.user_id)
    except cq.QuizEditError as error:
        db.session.rollback()
        form.slug.errors = [_refusal(error)]
        return _index_page(NewQuizForm(formdata=None), form, 400)
    except LookupError:
        db.session.rollback()
        abort(404)
    db.session.commit()
    flash(_("The quiz was copied into this course; its questions are now in the course's bank."))
    return redirect(url_for("course_quizzes.editor", launch_id=launch_id, quiz_id=quiz.id))


# --- the editor ----------------------------------------------------------------------------


@bp.route("/l/<launch_id>/authoring/quizzes/<id:quiz_id>")
@instructor_only
def editor(launch_id: str, quiz_id: int):
    quiz, draft = _draft(quiz_id)
    details = DetailsForm(formdata=None)
    details.fill(draft.title, draft.description, draft.topic, draft.settings or {})
    return _editor_page(quiz, draft, details=details)


def _choice_label(key: str, qtype: str, text: str) -> str:
    """A bank question as the list to add from names it, as the quiz's slots do: id · type · text."""
    return " · ".join(str(part) for part in (key, TYPE_LABELS.get(qtype, qtype), shorten(text, 100, placeholder=" …")) if part)


def _editor_page(quiz, draft, *, details=None, add=None, draw=None, problems=(), slot_error=None, status=200):
    course_id = _course_id()
    details = details or DetailsForm(formdata=None)
    details.topic.choices = _topic_choices()
    add = add or AddQuestionsForm(formdata=None)
    add.questions.choices = _c((qid, _choice_label(key, qtype, text))
                               for qid, key, qtype, text in cq.bank_choices(course_id, g.launch.locale))
    draw = draw or AddDrawForm(formdata=None)
    draw.tag.choices = _c((t, t) for t in cq.bank_tags(course_id))
    moved = request.args.get("moved", type=int)
    focus = request.args.get("focus") if request.args.get("focus") in ("up", "down") else None
    return render_template("authoring/quizzes/editor.html", quiz=quiz, draft=draft, title=cq.title_of(draft.title, g.launch.locale),
                           slots=cq.slot_views(course_id, draft), details=details, add=add, draw=draw,
                           slot_form=SlotForm(formdata=None), confirm=ConfirmForm(formdata=None), problems=problems,
                           slot_error=slot_error, moved=moved, focus=focus, title_of=cq.title_of,
                           type_labels=TYPE_LABELS), status


@bp.route("/l/<launch_id>/authoring/quizzes/<id:quiz_id>/details", methods=["POST"])
@instructor_only
def save_details(launch_id: str, quiz_id: int):
    quiz, draft = _draft(quiz_id)
    form = DetailsForm()
    form.topic.choices = _topic_choices()
    if not form.validate_on_submit():
        return _editor_page(quiz, draft, details=form, status=400)
    try:
        cq.update_details(draft, form.title(), form.description(), form.topic.data, form.settings())
    except ValidationError as exc:
        db.session.rollback()
        for error in exc.errors():
            name = str(error["loc"][0]) if error.get("loc") else "mode"
            target = getattr(form, form.SETTING_FIELDS.get(name, name), form.mode)
            target.errors = [*target.errors, (error.get("ctx") or {}).get("message") or error["msg"]]
        return _editor_page(quiz, draft, details=form, status=400)
    except cq.QuizEditError as error:
        db.session.rollback()
        form.topic.errors = [_refusal(error)]
        return _editor_page(quiz, draft, details=form, status=400)
    db.session.commit()
    flash(_("The quiz's details were saved. Publish the quiz to use them in activities."))
    return _back_to_editor(quiz_id, "details")


@bp.route("/l/<launch_id>/authoring/quizzes/<id:quiz_id>/questions", methods=["POST"])
@instructor_only
def add_questions(launch_id: str, quiz_id: int):
    quiz, draft = _draft(quiz_id)
    form = AddQuestionsForm()
    form.questions.choices = _c((qid, key) for qid, key, _type, _text in cq.bank_choices(_course_id(), g.launch.locale))
    if not form.validate_on_submit():
        return _editor_page(quiz, draft, add=form, status=400)
    try:
        added = cq.add_questions(_course_id(), draft, form.questions.data)
    except cq.QuizEditError as error:
        db.session.rollback()
        form.questions.errors = [_refusal(error)]
        return _editor_page(quiz, draft, add=form, status=400)
    db.session.commit()
    flash(ngettext("%(num)s question was added.", "%(num)s questions were added.", added))
    return _back_to_editor(quiz_id)


@bp.route("/l/<launch_id>/authoring/quizzes/<id:quiz_id>/draws", methods=["POST"])
@instructor_only
def add_draw(launch_id: str, quiz_id: int):
    quiz, draft = _draft(quiz_id)
    form = AddDrawForm()
    form.tag.choices = _c((t, t) for t in cq.bank_tags(_course_id()))
    if not form.validate_on_submit():
        return _editor_page(quiz, draft, draw=form, status=400)
    try:
        cq.add_draw(draft, form.tag.data, form.count.data, float(form.points.data) if form.points.data else None)
    except cq.QuizEditError as error:
        db.session.rollback()
        form.tag.errors = [_refusal(error)]
        return _editor_page(quiz, draft, draw=form, status=400)
    db.session.commit()
    flash(_("The random questions were added."))
    return _back_to_editor(quiz_id)


@bp.route("/l/<launch_id>/authoring/quizzes/<id:quiz_id>/slots/<int:index>", methods=["POST"])
@instructor_only
def change_slot(launch_id: str, quiz_id: int, index: int):
    """Up, Down, Remove, or save the slot's points (and a draw's count): the pressed button says which."""
    quiz, draft = _draft(quiz_id)
    form = SlotForm()
    action = request.form.get("action", "")
    if action not in ("up", "down", "remove", "save"):
        abort(400)
    # Up, Down and Remove read nothing but the token: points or a count typed into the slot (the
    # same form) and not saved must not block them, whatever they are.
    checked = form if action == "save" else ConfirmForm()
    if not checked.validate_on_submit():
        # The editor's own sentences, not the form library's two ("Not a valid decimal value. Number must
        # be between 0.01 and 1000.", with an English decimal point on a German page).
        problems = [str(REFUSALS["bad_points"]) % {"limit": limits.MAX_POINTS}] if form.points.errors else []
        problems += [str(REFUSALS["bad_count"])] if form.count.errors else []
        problem = " ".join(problems) or _("The form has expired; try again.")
        return _editor_page(quiz, draft, slot_error=(index, problem), status=400)
    try:
        if action in ("up", "down"):
            new_index = cq.move_slot(draft, index, -1 if action == "up" else 1)
            db.session.commit()
            # Focus lands on the same button of the moved slot, so pressing it again keeps moving it.
            return _back_to_editor(quiz_id, f"slot-{new_index}", moved=new_index, focus=action)
        if action == "remove":
            cq.remove_slot(draft, index)
            db.session.commit()
            flash(_("The slot was removed."))
            return _back_to_editor(quiz_id)
        cq.set_points(draft, index, float(form.points.data) if form.points.data else None)
        if form.count.data:
            cq.set_draw_count(draft, index, form.count.data)
    except LookupError:
        db.session.rollback()
        abort(404)
    except cq.QuizEditError as error:
        db.session.rollback()
        return _editor_page(quiz, draft, slot_error=(index, _refusal(error)), status=400)
    db.session.commit()
    flash(_("The slot was saved."))
    return _back_to_editor(quiz_id, f"slot-{index}")


@bp.route("/l/<launch_id>/authoring/quizzes/<id:quiz_id>/publish", methods=["POST"])
@instructor_only
def publish(launch_id: str, quiz_id: int):
    quiz, draft = _draft(quiz_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    result = cq.publish(_course_id(), quiz_id)
    if result.outcome is None:
        db.session.rollback()
        return _editor_page(quiz, draft, problems=result.problems, status=400)
    db.session.commit()
    if result.outcome == "unchanged":
        flash(_("Nothing changed since version %(number)s; no new version was made.", number=result.version))
    else:
        flash(_("Version %(number)s was published. New attempts use it; attempts already started keep theirs.",
                number=result.version))
    return _back_to_editor(quiz_id, "publish")


# --- regrading -----------------------------------------------------------------------------


@bp.route("/l/<launch_id>/authoring/quizzes/<id:quiz_id>/regrade")
@instructor_only
def regrade(launch_id: str, quiz_id: int):
    """The dry run: whose grade changes, and by how much, if the latest version's keys apply."""
    quiz, draft = _draft(quiz_id)
    plan = cq.plan_regrade(_course_id(), quiz_id)
    return render_template("authoring/quizzes/regrade.html", quiz=quiz, title=cq.title_of(draft.title, g.launch.locale),
                           plan=plan, confirm=ConfirmForm(formdata=None))


@bp.route("/l/<launch_id>/authoring/quizzes/<id:quiz_id>/regrade", methods=["POST"])
@instructor_only
def apply_regrade(launch_id: str, quiz_id: int):
    _draft(quiz_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    outcome = cq.apply_regrade(_course_id(), quiz_id)
    db.session.commit()
    if outcome.grades:
        queue_work("authoring")
    flash(" ".join((ngettext("%(num)s attempt was rescored.", "%(num)s attempts were rescored.", outcome.attempts),
                    ngettext("%(num)s grade changed and is sent to the LMS.",
                             "%(num)s grades changed and are sent to the LMS.", outcome.grades))))
    return redirect(url_for("course_quizzes.regrade", launch_id=launch_id, quiz_id=quiz_id))


def instructor_links(launch_id: str) -> list:
    from ..web.template_helpers import InstructorLink

    return [InstructorLink(_l("Course quizzes"), url_for("course_quizzes.index", launch_id=launch_id))]


def init_app(app) -> None:
    from ..web.template_helpers import instructor_link_providers

    app.register_blueprint(bp)
    if instructor_links not in instructor_link_providers:
        instructor_link_providers.append(instructor_links)
