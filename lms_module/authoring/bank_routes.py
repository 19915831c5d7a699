"""The course question bank pages: list with filters, bulk changes, import with preview, export."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext

from ..engine.formats import FormatError
from ..engine.text import resolve
from ..library.services import content_of
from ..web.access import instructor_only
from ..web.converters import database_id
from . import bank, services
from .bank_forms import (DETECT, DIFFICULTY_LABELS, EXPORT_FORMAT_LABELS, FORMAT_LABELS, LANGUAGE_LABELS, PASTED_TEXT, TYPE_LABELS,
                         BankFilterForm, BulkForm, ConfirmImportForm, ExportQuizForm, ImportForm, choices)
from .findings import shown_finding

bp = Blueprint("bank", __name__, template_folder="templates")
bp.add_app_template_global(shown_finding)


def _course_id() -> int:
    if g.launch.course_id is None:  # a launch outside a course has no bank
        abort(404)
    return g.launch.course_id


def _own_quizzes() -> list[services.LibraryEntry]:
    return [e for e in services.library_entries(g.launch.locale, course_id=_course_id()) if e.own]


@bp.route("/l/<launch_id>/authoring/bank")
@instructor_only
def index(launch_id: str):
    course_id = _course_id()
    filters = BankFilterForm(request.args)
    query = filters.query()
    page = bank.list_questions(course_id, query)
    filters.tag.choices = _tag_choices(page.tags, query.tag)
    return _index_page(filters, query, page, BulkForm())


def _tag_choices(tags: list[str], chosen: str):
    pairs = [("", _("Any tag")), *((t, t) for t in tags)]
    if chosen and chosen not in tags:
        pairs.append((chosen, chosen))
    return choices(pairs)


def _index_page(filters: BankFilterForm, query: bank.BankQuery, page: bank.BankPage, bulk: BulkForm, status: int = 200):
    args = {k: v for k, v in request.args.items(multi=False) if k != "page"}
    export = ExportQuizForm(formdata=None)
    export.quiz.choices = choices((e.slug, e.title) for e in _own_quizzes())
    return render_template(
        "authoring/bank/index.html", filters=filters, query=query, page=page, bulk=bulk, export=export,
        type_labels=TYPE_LABELS, language_labels=LANGUAGE_LABELS, difficulty_labels=DIFFICULTY_LABELS,
        page_url=lambda number: url_for("bank.index", launch_id=g.launch.launch_id) + "?" + urlencode({**args, "page": number}),
    ), status


@bp.route("/l/<launch_id>/authoring/bank/bulk", methods=["POST"])
@instructor_only
def bulk(launch_id: str):
    course_id = _course_id()
    form = BulkForm()
    form.action.data = request.form.get("action", "")
    if not form.validate_on_submit():
        filters = BankFilterForm(formdata=None)
        query = bank.BankQuery()
        page = bank.list_questions(course_id, query)
        filters.tag.choices = _tag_choices(page.tags, "")
        return _index_page(filters, query, page, form, status=400)
    ids = form.questions.data
    try:
        bank.questions_of(course_id, ids)  # another course's id is a 404, like an unknown one
    except LookupError:
        abort(404)
    action = form.action.data
    if action == "export":
        return redirect(url_for("bank.export_page", launch_id=launch_id, q=ids, format=form.format.data,
                                language=form.language.data))
    if action == "tag":
        changed = bank.bulk_tag(course_id, ids, form.tag.data)
        flash(ngettext("The tag was added to %(num)s question.", "The tag was added to %(num)s questions.", changed))
    elif action == "move":
        moved = bank.bulk_move(course_id, ids, tag=form.tag.data or "", topic=form.topic.data or "")
        flash(ngettext("%(num)s question was moved.", "%(num)s questions were moved.", moved))
    elif action == "restore":
        restored = bank.bulk_restore(course_id, ids)
        flash(ngettext("%(num)s question is back in the bank.", "%(num)s questions are back in the bank.", restored))
    else:
        outcome = bank.bulk_delete(course_id, ids)
        if outcome.deleted:
            flash(ngettext("%(num)s question was deleted.", "%(num)s questions were deleted.", len(outcome.deleted)))
        if outcome.archived:
            flash(ngettext(
                "%(num)s question was not deleted because attempts use it: it was archived instead (%(keys)s). "
                "Archived questions stay with those attempts and can be shown with the filter “archived”.",
                "%(num)s questions were not deleted because attempts use them: they were archived instead (%(keys)s). "
                "Archived questions stay with those attempts and can be shown with the filter “archived”.",
                len(outcome.archived), keys=", ".join(outcome.archived[:20])), "warning")
    return redirect(url_for("bank.index", launch_id=launch_id))


# --- import ------------------------------------------------------------------------------


@bp.route("/l/<launch_id>/authoring/bank/import")
@instructor_only
def import_page(launch_id: str):
    _course_id()
    return render_template("authoring/bank/import.html", form=ImportForm(formdata=None))


@bp.route("/l/<launch_id>/authoring/bank/import", methods=["POST"])
@instructor_only
def import_preview(launch_id: str):
    """Read the file and show what it would create; the bank is unchanged until the confirmation."""
    course_id = _course_id()
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("authoring/bank/import.html", form=form), 400
    data, filename = form.upload()
    topic = form.topic.data or None
    plan = bank.plan_import(course_id, data, filename, form.format.data,
                            None if form.language.data == DETECT else form.language.data, topic,
                            assumed=g.launch.locale if g.launch.locale in ("de", "en") else "de")
    if plan.errors:
        return render_template("authoring/bank/import.html", form=form, plan=plan,
                               looks_like=FORMAT_LABELS.get(plan.looks_like)), 400
    # The language the preview shows is kept, so that the confirmation imports what was previewed.
    token = bank.keep_upload(course_id, g.launch.user_id, data, filename, form.format.data, plan.language, topic)
    return render_template("authoring/bank/preview.html", plan=plan, filename=filename, pasted=filename == PASTED_TEXT,
                           confirm=ConfirmImportForm(upload=token), type_labels=TYPE_LABELS,
                           language_labels=LANGUAGE_LABELS)


@bp.route("/l/<launch_id>/authoring/bank/import/confirm", methods=["POST"])
@instructor_only
def import_confirm(launch_id: str):
    """Write the previewed import, all of it or (with any problem) nothing."""
    course_id = _course_id()
    form = ConfirmImportForm()
    upload = bank.take_upload(course_id, g.launch.user_id, form.upload.data or "") if form.validate_on_submit() else None
    if upload is None:
        flash(_("This import has expired or was already done. Please upload the file again."), "warning")
        return redirect(url_for("bank.import_page", launch_id=launch_id))
    plan = bank.plan_import(course_id, upload.data, upload.filename, upload.format, upload.language, upload.topic)
    if plan.errors:  # the bank changed since the preview in a way the file now conflicts with
        return render_template("authoring/bank/import.html", form=ImportForm(formdata=None), plan=plan), 409
    created = bank.apply_import(course_id, plan, g.launch.user_id)
    bank.drop_upload(upload)
    flash(ngettext("%(num)s question was imported into the bank.", "%(num)s questions were imported into the bank.", created))
    if plan.images:
        flash(ngettext("%(num)s image was kept with the course's images.", "%(num)s images were kept with the course's images.",
                       len(plan.images)))
    return redirect(url_for("bank.index", launch_id=launch_id, sort="-updated"))


# --- export ------------------------------------------------------------------------------


def _exported():
    """The file the export page describes: a selection (?q=...) or a quiz (?quiz=slug)."""
    course_id = _course_id()
    format_name = request.args.get("format", "")
    language = request.args.get("language", "de")
    if format_name not in bank.EXPORT_FORMATS or language not in ("de", "en"):
        abort(404)
    slug = request.args.get("quiz")
    if slug:
        version = services.version_for(slug[:80], course_id)
        if version is None:
            abort(404)
        content = content_of(version)
        data = content.model_dump(mode="json", exclude_none=True)
        exported = bank.export_contents(data["questions"], format_name, language, slug=content.slug, title=data["title"]
                                        if isinstance(data["title"], dict) else {"de": data["title"], "en": data["title"]},
                                        topic=content.topic, description=data.get("description"),
                                        settings=data.get("settings"))
        return exported, resolve(content.title, g.launch.locale)
    try:
        ids = [database_id(value) for value in request.args.getlist("q")]
        return bank.export_selection(course_id, ids, format_name, language), None
    except (ValueError, LookupError):
        abort(404)


@bp.route("/l/<launch_id>/authoring/bank/export")
@instructor_only
def export_page(launch_id: str):
    """What the export writes and the notes on what a format could not carry; the download is a link."""
    if request.args.get("quiz") is not None and not request.args.get("quiz"):
        abort(404)
    try:
        exported, quiz_title = _exported()
    except FormatError as error:
        return render_template("authoring/bank/export.html", problem=error.findings), 400
    return render_template("authoring/bank/export.html", exported=exported, quiz_title=quiz_title,
                           format_label=EXPORT_FORMAT_LABELS[request.args["format"]],
                           count=len(request.args.getlist("q")),
                           download_url=_download_url(launch_id))


def _download_url(launch_id: str) -> str:
    """The download of what this page shows: the page's own query string, copied as it came. Handed
    to url_for as keywords, a `launch_id` or `_external` in the query answered 500 (url_for's own
    arguments), and `_anchor` or `_scheme` bent the link."""
    return url_for("bank.export_download", launch_id=launch_id) + "?" + urlencode(list(request.args.items(multi=True)))


@bp.route("/l/<launch_id>/authoring/bank/export/download")
@instructor_only
def export_download(launch_id: str):
    try:
        exported, _title = _exported()
    except FormatError:
        abort(400)
    filename = "".join(c if c.isalnum() or c in "-_." else "-" for c in exported.filename)[:100] or "export"
    return Response(exported.data, mimetype=exported.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


def instructor_links(launch_id: str) -> list:
    from ..web.template_helpers import InstructorLink

    return [InstructorLink(_l("Question bank"), url_for("bank.index", launch_id=launch_id))]


def init_app(app) -> None:
    from ..web.template_helpers import instructor_link_providers

    app.register_blueprint(bp)
    if instructor_links not in instructor_link_providers:
        instructor_link_providers.append(instructor_links)
