"""The course every benchmark builds: a platform with a deployment, a course and one activity."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BenchCourse:
    platform_id: int
    course_id: int
    link_id: int


def make_course(slug: str, title: str = "Bench course") -> BenchCourse:
    """Inside an app context: the bench LMS, its course and an activity for the quiz `slug` (flushed)."""
    from lms_module.extensions import db
    from lms_module.courses.models import Course, ResourceLink
    from lms_module.lti.models import Deployment, Platform

    platform = Platform(issuer="https://lms.bench", client_id="bench", name="Bench LMS",
                        auth_login_url="https://lms.bench/auth", auth_token_url="https://lms.bench/token",
                        key_set_url="https://lms.bench/certs")
    db.session.add(platform)
    db.session.flush()
    db.session.add(Deployment(platform_id=platform.id, deployment_id="1"))
    course = Course(platform_id=platform.id, context_id="bench-course", label="B", title=title)
    db.session.add(course)
    db.session.flush()
    link = ResourceLink(platform_id=platform.id, course_id=course.id, link_id="bench-link", title=title,
                        quiz_slug=slug)
    db.session.add(link)
    db.session.flush()
    return BenchCourse(platform.id, course.id, link.id)
