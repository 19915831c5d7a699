"""`flask grades status` and `flask grades retry [--failed]`."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from . import outbox

grades_cli = AppGroup("grades", help="Grades on their way to the LMS (the outbox).")


@grades_cli.command("status")
def status_command() -> None:
    """Count the outbox rows per state."""
    counts = outbox.counts()
    for state, number in counts.items():
        click.echo(f"{state:<11} {number}")
    due = outbox.next_due_at()
    if due is not None:
        click.echo(f"next due    {due.isoformat(timespec='seconds')}")


@grades_cli.command("retry")
@click.option("--failed", "include_failed", is_flag=True, help="Also queue failed grades again (with fresh tries).")
def retry_command(include_failed: bool) -> None:
    """Make waiting grades due now (and failed ones pending again with --failed)."""
    changed = outbox.retry_now(include_failed=include_failed)
    db.session.commit()
    click.echo(f"{changed} grade(s) due now; a worker sends them.")
