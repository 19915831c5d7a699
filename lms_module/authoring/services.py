"""Choosing quizzes and settings for an activity."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from ..attempts import policy
from ..attempts.models import LinkSettings
from ..engine import plain, render, resolve
from ..engine.schema import TOPICS
from ..extensions import db
from ..library.models import QuizVersion
from ..library.services import content_of, latest_version_by_slug, list_library, visible_to
from ..courses.models import ResourceLink


@dataclass(frozen=True)
class LibraryEntry:
    slug: str
    topic: str
    title: str
    description: Markup  # for the page: the quiz format's Markdown rendered, as on the quiz's start page
    description_text: str  # for the LMS's activity (a content item's text is plain): without markers
    questions: int
    languages: tuple[str, ...]
    settings: policy.EffectiveSettings
    own: bool = False  # the course's own quiz (else the shared library's)


def library_entries(locale: str, topic: str | None = None, language: str | None = None,
                    course_id: int | None = None) -> list[LibraryEntry]:
    """The quizzes a course may use: the library and the course's own (imported or composed in Kontor)."""
    entries = []
    for version in list_library(course_id):
        content = content_of(version)
        languages = tuple(lang for lang in ("de", "en") if lang not in content.title.missing_languages)
        if topic and content.topic != topic:
            continue
        if language and language not in languages:
            continue
        entries.append(LibraryEntry(
            slug=content.slug,
            topic=content.topic,
            title=resolve(content.title, locale),
            description=render(content.description, locale) if content.description else Markup(""),
            description_text=plain(content.description, locale) if content.description else "",
            questions=len(content.questions),
            languages=languages,
            settings=policy.effective_settings(content.settings, {}),
            own=version.quiz.course_id is not None,
        ))
    return entries


def topics() -> tuple[str, ...]:
    return TOPICS


def choose_quiz(link: ResourceLink, slug: str) -> None:
    version = version_for(slug, link.course_id)
    if version is None:
        raise ValueError("unknown quiz")
    link.quiz_slug = slug


def save_overrides(link: ResourceLink, overrides: dict, user_id: int) -> None:
    row = db.session.get(LinkSettings, link.id)
    if row is None:
        row = LinkSettings(resource_link_id=link.id, overrides={})
        db.session.add(row)
    row.overrides = overrides
    row.updated_by = user_id


def stored_overrides(link: ResourceLink) -> dict:
    row = db.session.get(LinkSettings, link.id)
    return dict(row.overrides) if row else {}


def version_for(slug: str, course_id: int | None) -> QuizVersion | None:
    """The latest version of the quiz this course means by `slug`: its own, else the library's
    (another course's quiz of that slug is never found)."""
    version = latest_version_by_slug(slug, course_id)
    return version if version is not None and visible_to(version.quiz_id, course_id) else None
