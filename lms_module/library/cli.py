"""`flask quiz validate` and `flask quiz import`."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..engine.library_rules import library_summary
from ..extensions import db
from .services import BUILTIN_QUIZZES, import_path, is_builtin, quality_checks, validate_path


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


@quiz_cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@with_appcontext
def quiz_import(path: Path) -> None:
    """Load quiz files into the database (idempotent; a changed quiz gets a new version)."""
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
