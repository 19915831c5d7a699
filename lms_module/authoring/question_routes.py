"""The question editor (create and edit bank questions of every type), the student preview of a
bank question with "check answer", and the course's images for question texts.

Every route is inside a launch and scoped to its course: another course's question or image id is
a 404 like an unknown one. The editor works without JavaScript: "add" and "remove" are submit
buttons that re-render the form with what was typed.
"""
from __future__ import annotations

import hashlib
import random
from typing import Any

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ..engine import InvalidAnswer, handler_for, limits
from ..engine.schema import QUESTION_TYPES
from ..engine import text as engine_text
from ..engine.text import LOCALES
from ..extensions import db
from ..web.access import instructor_only, launch_required
from . import bank, question_editor as editor
from .models import BankImage, BankQuestion, BankQuestionVersion
from .question_forms import (
    ADD_LABELS, ITEM_LABELS, REMOVE_LABELS, ROW_LABELS, TYPE_LABELS, ImageUploadForm, QuestionEditorForm, editor_form_class,
    problem_message,
)

bp = Blueprint("question_editor", __name__, template_folder="templates")

IMAGE_CACHE_SECONDS = 24 * 3600
# Checked on the first bytes: a file is what its content says, not what its name or browser claim.
IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


# --- loading, scoped to the launch's course --------------------------------------------------


def _question(question_id: int) -> BankQuestion:
    question = db.session.scalars(select(BankQuestion).where(
        BankQuestion.id == question_id, BankQuestion.course_id == g.launch.course_id)).first()
    if question is None:
        abort(404)
    return question


def _latest(question: BankQuestion) -> BankQuestionVersion:
    version = db.session.scalars(select(BankQuestionVersion).where(
        BankQuestionVersion.question_id == question.id,
        BankQuestionVersion.number == question.latest_version)).first()
    if version is None:
        abort(404)
    return version


# --- the editor ------------------------------------------------------------------------------


@bp.route("/l/<launch_id>/authoring/questions/new", methods=["GET", "POST"])
@instructor_only
def new_question(launch_id: str):
    qtype = request.args.get("type", "")
    if qtype not in QUESTION_TYPES:
        return render_template("authoring/questions/choose_type.html", types=QUESTION_TYPES, labels=TYPE_LABELS)
    return _editor(qtype, None, None)


@bp.route("/l/<launch_id>/authoring/questions/<id:question_id>/edit", methods=["GET", "POST"])
@instructor_only
def edit_question(launch_id: str, question_id: int):
    question = _question(question_id)
    return _editor(question.type, question, _latest(question))


def _editor(qtype: str, question: BankQuestion | None, version: BankQuestionVersion | None):
    form_class = editor_form_class(qtype)
    base = version.content if version else None
    if request.method == "GET":
        values = (editor.values_from_content(base, question.topic, question.tags or []) if base
                  else editor.new_values(qtype))
        form = form_class(formdata=None, data=values)
        model = editor.check(qtype, values, base)[1] if base else None
        return _page(form, qtype, question, version, warnings=_warnings(model))
    form = form_class()
    action = request.form.get("action", "save")
    if action.startswith(("add:", "remove:")):
        return _page(_rows_changed(form, qtype, action), qtype, question, version)
    if not form.validate():  # CSRF and the bounds of every field
        return _page(form, qtype, question, version, status=422)
    values = form.values()
    content, model, problems = editor.check(qtype, values, base)
    general = _place(form, problems)
    if problems or action == "check":
        status = 422 if problems else 200
        return _page(form, qtype, question, version, general=general, warnings=_warnings(model), status=status,
                     checked=action == "check" and not problems)
    try:
        saved = bank.save_question(g.launch.course_id, content, user_id=g.launch.user_id,
                                   question_id=question.id if question else None, topic=values.get("topic") or "",
                                   tags=[t for t in (values.get("tags") or "").split(",")])
    except bank.BankError:
        db.session.rollback()
        form.key.errors = [*form.key.errors, _("Another question in this course's bank already has this id.")]
        return _page(form, qtype, question, version, status=422)
    except ValidationError:  # the same rules as check(); kept for safety
        db.session.rollback()
        return _page(form, qtype, question, version, general=[_("The question could not be saved.")], status=422)
    db.session.commit()
    if saved.created_version:
        flash(_("Saved as version %(n)s.", n=saved.version_number))
    else:
        flash(_("Nothing changed; the question stays at version %(n)s.", n=saved.version_number))
    return redirect(url_for(".edit_question", launch_id=g.launch.launch_id, question_id=saved.question_id))


def _rows_changed(form: QuestionEditorForm, qtype: str, action: str) -> QuestionEditorForm:
    """Add a row to a list, or remove one, keeping everything typed (no validation yet)."""
    values = form.values()
    parts = action.split(":")
    name = parts[1] if len(parts) > 1 else ""
    if name not in editor.ROWS[qtype]:
        abort(400)
    rows = [dict(row) for row in values.get(name) or []]
    if parts[0] == "add":
        if len(rows) < limits.MAX_OPTIONS:
            row: dict[str, Any] = {column: "" for column in editor.ROWS[qtype][name]}
            if name == "gaps":
                taken = {r.get("id") for r in rows}
                number = len(rows) + 1
                while f"gap{number}" in taken:
                    number += 1
                row.update(id=f"gap{number}", type="short_text")
            if name == "entry_fields":
                row["normalize"] = "text"
            rows.append(row)
        focus = f"{name}-{len(rows) - 1}"
    else:
        try:
            index = int(parts[2])
        except (IndexError, ValueError):
            abort(400)
        if 0 <= index < len(rows):
            rows.pop(index)
        focus = f"{name}-add"
    values[name] = rows
    new_form = type(form)(formdata=None, data=values)
    new_form.focus = focus  # type: ignore[attr-defined]
    return new_form


def _find(form: Any, name: str):
    """The form field called `name` ('options-2-text_de', 'tolerance'), None when there is none."""
    if not name:
        return None
    head, _, rest = name.partition("-")
    field = form._fields.get(head) if hasattr(form, "_fields") else None
    if field is None or not rest:
        return field
    index, _, subname = rest.partition("-")
    if not index.isdigit() or int(index) >= len(field.entries):
        return None
    entry = field.entries[int(index)]
    return entry.form._fields.get(subname) if subname else entry


def _place(form: QuestionEditorForm, problems: list[editor.Problem]) -> list[str]:
    """Attach each engine finding to its field; lists get `list_errors`; the rest is returned."""
    general: list[str] = []
    form.list_errors = {}  # type: ignore[attr-defined]
    for problem in problems:
        message = problem_message(problem)
        for name in problem.fields:
            field = _find(form, name)
            if field is not None and hasattr(field, "entries"):
                form.list_errors.setdefault(name, []).append(message)  # type: ignore[attr-defined]
                break
            if field is not None and hasattr(field, "errors") and not hasattr(field, "form"):
                field.errors = [*field.errors, message]
                break
            if name == "":
                general.append(message)
                break
    return general


def _warnings(model) -> list[str]:
    if model is None:
        return []
    names = {"de": _("German"), "en": _("English")}
    languages = editor.longest_key_languages(model)
    if not languages:
        return []
    return [_("The correct answer is the longest option (%(languages)s). Test-wise students pick the longest "
              "option; make a wrong option as long or shorten the key.",
              languages=", ".join(names[lang] for lang in languages))]


def _page(form, qtype: str, question: BankQuestion | None, version: BankQuestionVersion | None, *,
          general: list[str] | None = None, warnings: list[str] | None = None, status: int = 200, checked: bool = False):
    if not hasattr(form, "list_errors"):
        form.list_errors = {}
    data = form.values() if hasattr(form, "values") else {}
    cloze = None
    if qtype == "cloze":
        gap_ids = [_s(row.get("id")) for row in data.get("gaps") or []]
        cloze = {lang: {"segments": editor.cloze_segments(data.get(f"text_{lang}") or "", gap_ids),
                        "unused": editor.unused_gaps(data.get(f"text_{lang}") or "", gap_ids)}
                 for lang in LOCALES if (data.get(f"text_{lang}") or "").strip()}
    if question is None:
        action = url_for(".new_question", launch_id=g.launch.launch_id, type=qtype)
    else:
        action = url_for(".edit_question", launch_id=g.launch.launch_id, question_id=question.id)
    return render_template(
        "authoring/questions/editor.html", form=form, qtype=qtype, type_label=TYPE_LABELS[qtype], question=question,
        version=version, rows=editor.ROWS[qtype], row_labels=ROW_LABELS, item_labels=ITEM_LABELS,
        remove_labels=REMOVE_LABELS, add_labels=ADD_LABELS, action=action,
        general=general or [], warnings=warnings or [], missing=lambda values, name: editor.missing_translation(values, name),
        cloze=cloze, checked=checked, focus=getattr(form, "focus", None),
    ), status


def _s(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


# --- preview as a student ----------------------------------------------------------------------


@bp.route("/l/<launch_id>/authoring/questions/<id:question_id>/preview", methods=["GET", "POST"])
@instructor_only
def preview_question(launch_id: str, question_id: int):
    """The question as a student sees it, in German or English; "check answer" shows the feedback."""
    question = _question(question_id)
    version = _latest(question)
    lang = request.args.get("lang") if request.args.get("lang") in LOCALES else g.launch.locale
    lang = lang if lang in LOCALES else "en"
    model = bank.validate_question(version.content)
    handler = handler_for(model)
    # A stable layout (the same on the page and when checking), like the quiz preview's.
    seed = int(hashlib.sha256(f"{question.id}:{version.number}".encode()).hexdigest()[:8], 16)
    layout = handler.layout(model, random.Random(seed), True)
    response: dict[str, Any] | None = None
    review = None
    refused = None
    if request.method == "POST":
        from flask_wtf.csrf import validate_csrf  # the check-answer form is the question's own inputs

        try:
            validate_csrf(request.form.get("csrf_token"))
        except Exception:
            abort(400, description="csrf")
        try:
            response = handler.parse(model, layout, MultiDict(request.form).to_dict(flat=False))
        except InvalidAnswer:
            refused = _("That answer cannot be checked (it is not one the question offers, or it is too long).")
        else:
            review = handler.review(model, layout, lang, response)
    view = handler.view(model, layout, lang, response)
    return render_template("authoring/questions/preview.html", question=question, version=version, view=view,
                           review=review, lang=lang, refused=refused), (422 if refused else 200)


# --- images ------------------------------------------------------------------------------------


def image_type(data: bytes) -> str | None:
    """image/png or image/jpeg by the file's first bytes; None for anything else (SVG included:
    it can carry scripts)."""
    return next((media for magic, media in IMAGE_MAGIC.items() if data.startswith(magic)), None)


@bp.route("/l/<launch_id>/authoring/images", methods=["GET", "POST"])
@instructor_only
def images(launch_id: str):
    form = ImageUploadForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            data = form.image.data.stream.read(limits.MAX_IMAGE_BYTES + 1)
            media = image_type(data)
            if len(data) > limits.MAX_IMAGE_BYTES:
                form.image.errors = [_("The image is larger than %(n)s MB.", n=limits.MAX_IMAGE_BYTES // (1024 * 1024))]
            elif media is None:
                form.image.errors = [_("Only PNG and JPEG images can be uploaded (SVG and other files are refused).")]
            else:
                image = _store_image(data, media, form.image.data.filename or "image")
                db.session.commit()
                flash(_("Image uploaded. Put %(snippet)s into a text to show it.", snippet=_snippet(image, form.alt.data)))
                return redirect(url_for(".images", launch_id=launch_id))
        status = 422
    stored = db.session.execute(select(BankImage.id, BankImage.name, BankImage.media_type).where(
        BankImage.course_id == g.launch.course_id).order_by(BankImage.id.desc())).all()
    return render_template("authoring/questions/images.html", form=form,
                           images=[{"id": i, "name": n, "media_type": m, "snippet": _snippet_for(i, n)} for i, n, m in stored]
                           ), status


def _snippet(image: BankImage, alt: str | None) -> str:
    return _snippet_for(image.id, alt or image.name)


def _snippet_for(image_id: int, name: str) -> str:
    return engine_text.image_reference(image_id, name)


def _store_image(data: bytes, media: str, filename: str) -> BankImage:
    digest = hashlib.sha256(data).hexdigest()
    image = db.session.scalars(select(BankImage).where(
        BankImage.course_id == g.launch.course_id, BankImage.sha256 == digest)).first()
    if image is None:
        image = BankImage(course_id=g.launch.course_id, name=filename.replace("\\", "/").rsplit("/", 1)[-1][:255],
                          media_type=media, sha256=digest, data=data)
        db.session.add(image)
        db.session.flush()
    return image


@bp.before_app_request
def _image_urls_for_this_launch() -> None:
    """Every page inside a launch shows the course's images in question texts: the engine asks
    `engine.text.image_url` for an image's URL, which holds the launch, so it is set per request
    (and reset after it: nothing launch-specific outlives the request)."""
    launch_id = (request.view_args or {}).get("launch_id")
    if isinstance(launch_id, str):
        g.image_url_token = engine_text.image_url.set(lambda image_id: _course_image_url(launch_id, image_id))


@bp.teardown_app_request
def _forget_image_urls(error: BaseException | None) -> None:
    token = g.pop("image_url_token", None)
    if token is not None:
        try:
            engine_text.image_url.reset(token)
        except ValueError:  # set in another context (cannot happen with sync views): clear it instead
            engine_text.image_url.set(None)


def _course_image_url(launch_id: str, image_id: int) -> str | None:
    """The URL of one of the launch's course's images; None (the description is shown) for an id
    the course does not have, e.g. in a question copied from another course."""
    launch = g.get("launch")
    if launch is None or launch.launch_id != launch_id:
        return None
    known: dict[int, bool] = g.setdefault("course_image_ids", {})
    if image_id not in known:
        known[image_id] = db.session.scalar(select(BankImage.id).where(
            BankImage.id == image_id, BankImage.course_id == launch.course_id)) is not None
    return url_for("question_editor.image", launch_id=launch_id, image_id=image_id) if known[image_id] else None


@bp.route("/l/<launch_id>/authoring/images/<id:image_id>")
@launch_required()
def image(launch_id: str, image_id: int):
    """An image of the course's bank, for its instructors and students (question texts show it)."""
    row = db.session.execute(select(BankImage.data, BankImage.media_type, BankImage.sha256).where(
        BankImage.id == image_id, BankImage.course_id == g.launch.course_id)).first()
    if row is None or row.media_type not in IMAGE_MAGIC.values():
        abort(404)
    etag = row.sha256
    unchanged = bool(request.if_none_match) and etag in request.if_none_match
    response = make_response(b"" if unchanged else row.data, 304 if unchanged else 200)
    response.mimetype = row.media_type
    response.set_etag(etag)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = "inline"
    # Only this browser may keep it (course content), for a day; an image never changes under its id.
    response.headers["Cache-Control"] = f"private, max-age={IMAGE_CACHE_SECONDS}, immutable"
    g.cache_control_set = True
    return response
