"""Delivering grades to the LMS: an outbox written with the result, and workers that send it.

`init_app(app)` hooks the outbox into the attempt flow (signals.attempt_graded),
registers the instructor's blueprint, the sync table panel of the instructor page and the CLI.
"""
from __future__ import annotations

import logging

log = logging.getLogger("kontor.grade_sync")


def init_app(app) -> None:
    from ..signals import attempt_graded
    from ..web import template_helpers
    from .cli import grades_cli
    from .routes import bp, instructor_panel

    attempt_graded.connect(_safe_enqueue)
    if instructor_panel not in template_helpers.instructor_panel_providers:
        template_helpers.instructor_panel_providers.append(instructor_panel)
    app.register_blueprint(bp)
    app.cli.add_command(grades_cli)


def _safe_enqueue(sender, *, attempt, result) -> None:
    """signals.attempt_graded: queue the score from the values attempts/ sent, in the grading
    transaction (never recomputed here); the workers wake after the commit. A problem here must
    never fail the submission."""
    from ..extensions import db
    from ..signals import queue_work
    from .outbox import enqueue_result

    if result is None:  # a preview, or an activity that sends no grades
        return
    try:
        with db.session.begin_nested():
            queued = enqueue_result(result)
    except Exception:  # the result is kept; the instructor's "send again" recovers the grade
        log.exception("could not queue the grade of attempt %s for the LMS", attempt.public_id)
        return
    if queued is not None:
        queue_work("grade_sync")
