"""Instructors' reports: gradebook, attempt review, manual grading, statistics, exports."""
from __future__ import annotations


def instructor_links(launch_id: str) -> list:
    """The reports, linked from the instructor page of an activity."""
    from flask import url_for
    from flask_babel import lazy_gettext as _l

    from ..web.template_helpers import InstructorLink

    return [
        InstructorLink(_l("Gradebook"), url_for("reports.gradebook", launch_id=launch_id)),
        InstructorLink(_l("Manual grading"), url_for("reports.grading_queue", launch_id=launch_id)),
        InstructorLink(_l("Class summary"), url_for("reports.summary", launch_id=launch_id)),
        InstructorLink(_l("Item analysis"), url_for("reports.items", launch_id=launch_id)),
    ]


def init_app(app) -> None:
    from ..web.template_helpers import instructor_link_providers

    if instructor_links not in instructor_link_providers:
        instructor_link_providers.append(instructor_links)
