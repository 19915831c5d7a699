"""`flask quiz validate`, `flask quiz import` and `flask quiz export`."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import click
import yaml
from flask.cli import with_appcontext
from pydantic import ValidationError
from sqlalchemy import column, select, table

from ..engine import formats, limits
from ..engine.formats import FormatError, format_for_filename, format_named
from ..engine.library_rules import library_summary
from ..engine.schema import TOPICS, Quiz as QuizContent
from ..engine.text import resolve
from ..extensions import db
from .services import (
    BUILTIN_QUIZZES,
    content_of,
    import_for_course,
    import_path,
    is_builtin,
    latest_version_by_slug,
    quality_checks,
    store_bank_quiz,
    validate_path,
)


@click.group("quiz", help="Check and import quiz files.")
def quiz_cli() -> None:
    pass


def _print_errors(errors) -> None:
    for error in errors:
        click.echo(str(error), err=True)


@quiz_cli.command("validate")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--library-rules/--format-only",
    default=None,
    help="Also apply the built-in library's rules (default: on for files under quizzes/).",
)
def quiz_validate(path: Path | None, library_rules: bool | None) -> None:
    """Check quiz files (default: the built-in library). Exit status 1 on any error."""
    path = path or BUILTIN_QUIZZES
    rules = is_builtin(path) if library_rules is None else library_rules
    quizzes, errors = validate_path(path, library_rules=rules)
    quality = quality_checks(quizzes, library_rules=rules, today=date.today())
    _print_errors(errors)
    for message in quality.errors:
        click.echo(f"error: {message}", err=True)
    for message in quality.warnings:
        click.echo(f"warning: {message}", err=True)
    if quizzes:
        click.echo(library_summary(quizzes))
        click.echo(quality.cue_table)
    if errors or quality.errors:
        click.echo(f"{len(errors) + len(quality.errors)} error(s) in {path}", err=True)
        raise SystemExit(1)
    if not quizzes:
        click.echo(f"No quiz files found in {path}", err=True)
        raise SystemExit(1)
    click.echo(f"OK: {len(quizzes)} quiz file(s) valid")


YAML_SUFFIXES = (".yaml", ".yml")
DEFAULT_BANK_TOPIC = "admin-software"


def _format_or_fail(name: str):
    """None for Kontor's own YAML, else the bank format; an unknown name is a usage error naming the known ones."""
    if name == "yaml":
        return None
    try:
        return format_named(name)
    except FormatError:
        known = ", ".join(["yaml", *sorted(formats.FORMATS)])
        raise click.UsageError(f"unknown format {name!r}; use one of {known}") from None


def _course_exists(course_id: int) -> bool:
    # By table, as quiz.course_id's foreign key names it: the library room imports no course model.
    courses = table("lti_course", column("id"))
    return db.session.scalar(select(courses.c.id).where(courses.c.id == course_id)) is not None


def _slug_from_filename(path: Path) -> str:
    stem = path.name.lower()
    while Path(stem).suffix in (".gift", ".txt", ".xml", ".zip", ".aiken", ".qti", ".moodle"):
        stem = Path(stem).stem
    slug = re.sub(r"[^a-z0-9]+", "-", stem.translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})))
    return slug.strip("-")[:80].strip("-") or "imported-quiz"


@quiz_cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "format_name", help="yaml, gift, aiken, moodlexml or qti (default: from the file name).")
@click.option("--course", "course_id", type=int, help="Store the quiz as this course's own (its id); default: the library.")
@click.option("--language", type=click.Choice(["de", "en"]), default="en", show_default=True,
              help="The language of a GIFT, Aiken, Moodle XML or QTI file's texts.")
@click.option("--topic", type=click.Choice(TOPICS), default=DEFAULT_BANK_TOPIC, show_default=True,
              help="The topic of a quiz made from a question bank file.")
@with_appcontext
def quiz_import(path: Path, format_name: str | None, course_id: int | None, language: str, topic: str) -> None:
    """Load quiz files into the database (idempotent; a changed quiz gets a new version), or a question
    bank (GIFT, Aiken, Moodle XML, QTI) as a new quiz named after the file."""
    if format_name is None:
        if path.is_dir() or path.suffix.lower() in YAML_SUFFIXES:
            format_name = "yaml"
        else:
            guessed = format_for_filename(path.name)
            if guessed is None:
                raise click.UsageError(f"cannot tell the format of {path.name} from its name; give --format "
                                       "(yaml, gift, aiken, moodlexml or qti)")
            format_name = guessed.name
    bank_format = _format_or_fail(format_name)
    if course_id is not None and not _course_exists(course_id):
        raise click.UsageError(f"there is no course with id {course_id}")
    if bank_format is None:
        _import_yaml(path, course_id)
    else:
        _import_bank(path, bank_format, course_id, language, topic)


def _import_yaml(path: Path, course_id: int | None) -> None:
    if course_id is not None:
        if path.is_dir():
            raise click.UsageError("--course takes one quiz file, not a folder")
        result = import_for_course(path.read_bytes()[: limits.MAX_FILE_BYTES + 1], path.name, course_id)
        if result.errors:
            db.session.rollback()
            _print_errors(result.errors)
            click.echo(f"Nothing imported: {len(result.errors)} error(s).", err=True)
            raise SystemExit(1)
        db.session.commit()
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
        click.echo(f"Imported quiz {result.slug!r} of course {course_id}: {result.outcome}.")
        return
    report = import_path(path, origin="library" if is_builtin(path) else "import")
    if not report.ok:
        db.session.rollback()
        _print_errors(report.errors)
        click.echo(f"Nothing imported: {len(report.errors)} error(s).", err=True)
        raise SystemExit(1)
    db.session.commit()
    click.echo(
        f"Imported: {len(report.created)} new, {len(report.updated)} updated (new version), "
        f"{len(report.unchanged)} unchanged."
    )


def _refuse(messages, count_label: str = "error(s)") -> None:
    db.session.rollback()
    for message in messages:
        click.echo(f"error: {message}", err=True)
    click.echo(f"Nothing imported: {len(messages)} {count_label}.", err=True)
    raise SystemExit(1)


def _import_bank(path: Path, bank_format, course_id: int | None, language: str, topic: str) -> None:
    if not path.is_file():
        raise click.UsageError(f"a {bank_format.label} import takes one file, not a folder")
    if path.stat().st_size > limits.MAX_IMPORT_BYTES:
        _refuse([f"{path.name}: the file is larger than {limits.MAX_IMPORT_BYTES // (1024 * 1024)} MB"])
    try:
        bank = bank_format.read(path.read_bytes(), language=language)
    except FormatError as error:
        _refuse([f"{path.name}: {finding}" for finding in error.findings])
    for finding in bank.skipped:
        click.echo(f"skipped: {finding}", err=True)
    for finding in bank.notes:
        click.echo(f"note: {finding}", err=True)
    if not bank.questions:
        _refuse([f"{path.name}: no question could be imported"])
    if bank.tags:
        click.echo(f"note: the categories and tags of {len(bank.tags)} question(s) are not kept with a quiz", err=True)
    title = bank.title or path.name.split(".")[0] or path.name
    try:
        content = QuizContent.model_validate({
            "slug": _slug_from_filename(path), "title": {language: title[:200]}, "topic": topic,
            "questions": [q.model_dump(mode="json", exclude_none=True) for q in bank.questions],
        })
    except ValidationError as error:
        _refuse([f"{path.name}: {detail['msg']}" for detail in error.errors()])
    result = store_bank_quiz(content, course_id)
    if result.errors:
        _refuse([f"{path.name}: slug {content.slug!r}: {message}" for message in result.errors])
    db.session.commit()
    owner = f"course {course_id}" if course_id is not None else "the library"
    click.echo(f"Imported {len(content.questions)} question(s) from {path.name} as quiz {result.slug!r} of {owner} "
               f"({result.outcome}); {len(bank.skipped)} skipped, {len(bank.notes)} note(s).")


@quiz_cli.command("export")
@click.argument("slug")
@click.option("--format", "format_name", required=True, help="yaml, gift, aiken, moodlexml or qti.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to this file (default: standard output).")
@click.option("--language", type=click.Choice(["de", "en"]), default="en", show_default=True,
              help="The language written by the one-language formats.")
@click.option("--course", "course_id", type=int, help="Export this course's own quiz of that slug (else the library's).")
@with_appcontext
def quiz_export(slug: str, format_name: str, output: Path | None, language: str, course_id: int | None) -> None:
    """Write a quiz (its latest version) as Kontor YAML or a question bank file; notes go to standard error."""
    bank_format = _format_or_fail(format_name)
    if bank_format is not None and not bank_format.can_write:
        raise click.UsageError(f"Kontor reads {bank_format.label} but does not write it")
    version = latest_version_by_slug(slug, course_id)
    if version is None:
        where = f"course {course_id} or the library" if course_id is not None else "the library"
        click.echo(f"error: there is no quiz {slug!r} in {where}", err=True)
        raise SystemExit(1)
    if bank_format is None:
        data = yaml.safe_dump(version.content, allow_unicode=True, sort_keys=False, width=100).encode("utf-8")
    else:
        content = content_of(version)
        exported = bank_format.write(content.questions, title=resolve(content.title, language) or slug,
                                     language=language)
        for finding in exported.notes:
            click.echo(f"note: {finding}", err=True)
        data = exported.data
    if output is None:
        click.echo(data, nl=False)
    else:
        output.write_bytes(data)
        click.echo(f"Wrote {output} ({len(data)} bytes).", err=True)
