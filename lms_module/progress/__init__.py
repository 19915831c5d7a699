"""Progress across a course: the instructors' course overview and the student's progress page
(topic mastery from reports.mastery, the "practise my weak spots" quiz). See docs/reports.md."""
from __future__ import annotations


def init_app(app) -> None:
    from .routes import init_app as init_routes

    init_routes(app)
