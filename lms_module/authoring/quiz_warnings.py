"""The warnings of an instructor's quiz import (answer cues, passed review dates) in their language.

They are flashed after the redirect, so they stay short: a list of questions is cut after
`MAX_LISTED` ids (the session cookie that carries them holds about 4 KB).
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import get_locale, gettext as _

from ..engine.answer_cues import CueFinding
from ..engine.display import date_text
from ..engine.review_dates import DueReview
from ..web.numbers import percent_label

MAX_LISTED = 8


def _listed(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:MAX_LISTED])
    return shown + (" …" if len(ids) > MAX_LISTED else "")


def describe(warnings: Sequence[CueFinding | DueReview]) -> list[str]:
    """One sentence per finding; passed review dates are gathered into one sentence."""
    texts: list[str] = []
    locale = str(get_locale() or "en")
    for finding in warnings:
        if not isinstance(finding, CueFinding):
            continue
        # Kontor's one percent label (web.numbers): "43,8 %" with a no-break space, like every page
        percent = percent_label(finding.share, locale=locale)
        if finding.kind == "longest":
            language = _("German") if finding.language == "de" else _("English")
            questions = [q.split("/", 1)[-1] for q in finding.questions]
            texts.append(_(
                "%(language)s: the correct answer is the longest option in %(count)s of %(total)s "
                "choice questions (%(percent)s). Learners who pick the longest option guess right; "
                "consider rewriting the options of: %(questions)s",
                language=language, count=finding.count, total=finding.total, percent=percent,
                questions=_listed(questions),
            ))
        elif finding.kind == "position":
            texts.append(_(
                "%(count)s of %(total)s correct answers are option %(position)s (%(percent)s); "
                "vary their position or let Kontor shuffle the options.",
                count=finding.count, total=finding.total, position=finding.position, percent=percent,
            ))
        else:
            texts.append(_(
                "%(count)s of %(total)s true/false questions are true (%(percent)s); "
                "mix true and false statements.",
                count=finding.count, total=finding.total, percent=percent,
            ))
    due = [w for w in warnings if isinstance(w, DueReview)]
    if due:
        texts.append(_(
            "The review date of these questions has passed; check that their answers still hold: %(questions)s",
            questions=_listed([f"{d.question_id} ({date_text(d.review_by, locale)})" for d in due]),
        ))
    return texts
