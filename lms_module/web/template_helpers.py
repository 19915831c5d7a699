"""Jinja filters and globals that turn prepared values into text in the page's language."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from babel.dates import format_date, format_time
from flask_babel import get_locale, get_timezone, ngettext, to_user_timezone
from flask_babel import lazy_gettext as _l
from jinja2 import pass_environment
from markupsafe import Markup

from ..engine import GRADING_METHODS, render, resolve
from ..engine.display import babel_locale
from ..engine.schema import TOPICS
from ..engine.questions.base import number_label as _number_label
from . import numbers
from .time_zone import zone_name


# The one table of labels for the library's topics (engine.schema.TOPICS) and the grading methods
# (engine.GRADING_METHODS): every page, report, export and LMS comment takes its words from here.
TOPIC_LABELS = {
    "accuracy": _l("Accuracy and attention to detail"),
    "admin-software": _l("Administrative software"),
    "insurance-billing": _l("Insurance billing and medical terminology"),
    "import-export": _l("Import and export paperwork"),
    "compliance": _l("Compliance"),
    "executives": _l("Working with executives"),
    "career": _l("The path into the job"),
}
GRADING_METHOD_LABELS = {
    "highest": _l("highest attempt counts"),
    "last": _l("last attempt counts"),
    "first": _l("first attempt counts"),
    "average": _l("average of all attempts"),
}
assert set(TOPIC_LABELS) == set(TOPICS) and set(GRADING_METHOD_LABELS) == set(GRADING_METHODS)
FEEDBACK_LABELS = {
    "immediate": _l("feedback immediately"),
    "after_submit": _l("feedback after submission"),
    "after_close": _l("feedback after the quiz closes"),
    "never": _l("no feedback"),
}

# The one table of an attempt's status in the instructors' words (reports: the gradebook, the
# student's attempts, the attempt page), keyed by Attempt.shown_status (the CSV exports write the
# key itself, docs/reports.md); any other status reads "Graded".
ATTEMPT_STATUS_LABELS = {
    "in_progress": _l("In progress"),
    "awaiting_grading": _l("Awaiting grading"),
    "submitting": _l("Being submitted"),
    "submitted": _l("Graded"),
    # The deadline sweep could not submit it (attempts.services.sweep_overdue); it keeps trying.
    "unsubmittable": _l("Could not be submitted"),
}
# The same statuses in the students' own words (the start page's list of attempts, the result page):
# a claimed attempt is already "Submitted" to them, an essay "Waiting for grading".
STUDENT_ATTEMPT_STATUS_LABELS = {
    "in_progress": _l("In progress"),
    "awaiting_grading": _l("Waiting for grading"),
    "submitting": _l("Submitted"),
    "submitted": _l("Graded"),
    "unsubmittable": _l("Could not be submitted"),
}
assert set(STUDENT_ATTEMPT_STATUS_LABELS) == set(ATTEMPT_STATUS_LABELS)


@dataclass(frozen=True)
class InstructorLink:
    label: str
    url: str


# Other packages add their entries to the instructor page of an activity (reports, grade sync).
instructor_link_providers: list[Callable[[str], list[InstructorLink]]] = []
instructor_panel_providers: list[Callable[[object], Markup]] = []


def instructor_links_for(launch_id: str) -> list[InstructorLink]:
    """The other packages' links for the instructor page; the view calls this, the template gets the list."""
    return [item for provider in instructor_link_providers for item in provider(launch_id)]


def instructor_panels_for(link) -> list[Markup]:
    """The other packages' panels (they may query, e.g. the sync table): rendered by the view, not in Jinja."""
    return [provider(link) for provider in instructor_panel_providers]


def topic_label(topic: str):
    return TOPIC_LABELS.get(topic, topic)


def grading_label(method: str):
    return GRADING_METHOD_LABELS.get(method, method)


def attempt_status_label(status: str):
    return ATTEMPT_STATUS_LABELS.get(status, ATTEMPT_STATUS_LABELS["submitted"])


def student_attempt_status_label(status: str):
    return STUDENT_ATTEMPT_STATUS_LABELS.get(status, STUDENT_ATTEMPT_STATUS_LABELS["submitted"])


def _locale() -> str:
    return str(get_locale() or "de")


def datetime_label(value) -> str:
    """The one way a time is shown: the locale's date and time in the page's time zone (the one the
    LMS named for the launch's person, web.locale.select_timezone; else BABEL_DEFAULT_TIMEZONE, UTC
    unless set), with the zone named: '06.12.2026, 02:31 UTC', '06.12.2026, 03:31 MEZ'."""
    if value is None:
        return "–"
    # Kept per time, language and zone (the label depends on nothing else): every question page
    # shows the attempt's deadline, and three Babel formats cost a tenth of a millisecond.
    return _datetime_label(value, str(get_locale()), str(get_timezone()))


@lru_cache(maxsize=4096)
def _datetime_label(value, locale: str, timezone: str) -> str:
    """datetime_label in the request's `timezone`, in the formats of the language's Babel locale as
    the engine uses them (engine.display.babel_locale: English is en_GB, 24 hours, day before month),
    so that a report's time and a review date read alike: '6 Dec 2026, 09:45 UTC'."""
    formats = babel_locale(locale)
    local = to_user_timezone(value)
    zone = zone_name(local, formats)  # MEZ, UTC; else the zone id (web.time_zone)
    return "{}, {} {}".format(format_date(local, "medium", locale=formats),
                              format_time(local, "short", locale=formats), zone)


def points_of_label(marks: float | None, max_marks: float | None) -> str:
    """'1 of 1 point' / '2.5 of 3 points' with the language's plural form, chosen by the maximum."""
    maximum = max_marks or 0
    count = int(maximum) if float(maximum).is_integer() else 2  # 1.5 points: plural
    locale = _locale()
    return ngettext("%(marks)s of %(max)s point", "%(marks)s of %(max)s points", count,
                    marks=numbers.points_label(marks or 0, locale), max=numbers.points_label(maximum, locale))


@pass_environment
def macros_of(environment, name: str):
    """The macros of template `name` as Jinja keeps them (rendered once per process), for a partial
    included many times per page (a review per question): there `{% from name import ... %}` first
    works out, at every include, which of the page's ~35 globals the macros' template lacks (a set
    difference through a ChainMap, ~40 µs; 20 of them on a result page)."""
    return environment.get_template(name).module


def init_app(app) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["localized"] = lambda text: resolve(text, _locale())
    app.jinja_env.filters["localized_markup"] = lambda text: render(text, _locale())
    app.jinja_env.globals.update(
        macros_of=macros_of,
        number_label=lambda value: _number_label(value or 0, _locale()),
        percent_label=lambda fraction, digits=numbers.PERCENT_DIGITS: numbers.percent_label(fraction, digits, _locale()),
        points_of_label=points_of_label,
        datetime_text=datetime_label,
        topic_label=topic_label,
        grading_method_label=grading_label,
        feedback_label=lambda feedback: FEEDBACK_LABELS.get(feedback, feedback),
        attempt_status_label=attempt_status_label,
        student_attempt_status_label=student_attempt_status_label,
    )
