"""Import and export findings (`engine.formats.Finding`) in the person's language.

The engine writes a finding as an English template with values (it knows no Flask-Babel); here it
is translated when a page shows it. A question skipped for the engine's rules is worded the way the
question editor words the same rules (`question_forms.problem_message`, one table for both). What
has no translation (a rule the table does not know, a message that came from elsewhere) stays
English and is marked so, for a page in another language (WCAG 3.1.2).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale, gettext

from ..engine.formats import Finding
from .question_editor import Problem
from .question_forms import problem_message


@dataclass(frozen=True)
class Part:
    location: str | None  # a path in the question ("options[1].text"), shown as code
    text: str
    english: bool  # untranslated English on a page in another language


@dataclass(frozen=True)
class ShownFinding:
    member: str | None  # the file inside an archive
    parts: tuple[Part, ...]


def shown_finding(finding: Finding) -> ShownFinding:
    locale = get_locale()
    other_language = locale is not None and locale.language != "en"
    if finding.problems:
        parts = []
        for invalid in finding.problems:
            text = problem_message(Problem((invalid.location,), invalid.kind, invalid.message, dict(invalid.ctx)))
            parts.append(Part(invalid.location or None, text, other_language and text == invalid.message))
        return ShownFinding(finding.member, tuple(parts))
    text = gettext(finding.template, **finding.params)
    return ShownFinding(finding.member, (Part(None, text, other_language and text == finding.text),))
