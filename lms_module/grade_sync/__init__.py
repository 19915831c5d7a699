"""Delivering grades to the LMS: an outbox written with the result, and workers that send it.

`init_app(app)` hooks the outbox into the attempt flow (attempts.services.graded_listeners),
registers the instructor's blueprint, the sync table panel of the instructor page and the CLI.
"""
from __future__ import annotations

import logging

log = logging.getLogger("kontor.grade_sync")


def init_app(app) -> None:
    from ..attempts import services as attempt_services
    from ..web import template_helpers
    from .cli import grades_cli
    from .routes import bp, instructor_panel

    if _safe_enqueue not in attempt_services.graded_listeners:
        attempt_services.graded_listeners.append(_safe_enqueue)
    if instructor_panel not in template_helpers.instructor_panel_providers:
        template_helpers.instructor_panel_providers.append(instructor_panel)
    app.register_blueprint(bp)
    app.cli.add_command(grades_cli)


def _safe_enqueue(attempt) -> None:
    """Queue the grade in the attempt's transaction; a problem here must never fail the submission."""
    from ..extensions import db
    from .outbox import enqueue_for_attempt

    try:
        with db.session.begin_nested():
            enqueue_for_attempt(attempt)
    except Exception:  # the result is kept; the instructor's "send again" recovers the grade
        log.exception(
            "could not queue the grade of attempt %s for the LMS", getattr(attempt, "id", "?"))
