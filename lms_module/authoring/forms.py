"""The activity settings form: every field may stay on the quiz's own default."""
from __future__ import annotations

from datetime import datetime, timezone

from flask_babel import get_timezone, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateTimeLocalField, IntegerField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from ..courses.time_zone import LOCAL_INPUT_FORMAT, NonexistentLocalTime, local_input_value, moment_from_local
from ..engine import GRADING_METHODS
from ..web.time_zone import NONEXISTENT_LOCAL_TIME, field_zone_name

DEFAULT = ""
# The form's words for engine.GRADING_METHODS (the list itself lives in the engine).
GRADING_METHOD_CHOICES = {"highest": _l("Highest attempt"), "last": _l("Last attempt"), "first": _l("First attempt"),
                          "average": _l("Average of attempts")}
assert set(GRADING_METHOD_CHOICES) == set(GRADING_METHODS)


def _choices(pairs):
    return [SelectChoice(DEFAULT, _l("Quiz default")), *(SelectChoice(value, label) for value, label in pairs)]


class ActivitySettingsForm(FlaskForm):
    mode = SelectField(_l("Mode"), default=DEFAULT, choices=_choices([("exam", _l("Exam (graded)")), ("practice", _l("Practice (immediate feedback)"))]))
    graded = SelectField(_l("Send grades to the LMS"), default=DEFAULT, choices=_choices([("yes", _l("Yes")), ("no", _l("No"))]))
    attempts = IntegerField(_l("Attempts (0 = unlimited)"), validators=[Optional(), NumberRange(min=0, max=100)])
    grading = SelectField(_l("Grading method"), default=DEFAULT,
                          choices=_choices([(method, GRADING_METHOD_CHOICES[method]) for method in GRADING_METHODS]))
    time_limit_minutes = IntegerField(_l("Time limit in minutes (0 = none)"), validators=[Optional(), NumberRange(min=0, max=1440)])
    pass_mark_percent = IntegerField(_l("Pass mark in percent"), validators=[Optional(), NumberRange(min=0, max=100)])
    feedback = SelectField(_l("Feedback"), default=DEFAULT, choices=_choices([
        ("immediate", _l("Immediately, per question")), ("after_submit", _l("After submission")),
        ("after_close", _l("After the quiz closes")), ("never", _l("Never"))]))
    layout = SelectField(_l("Layout"), default=DEFAULT, choices=_choices([("one_per_page", _l("One question per page")),
                                                        ("all_on_one_page", _l("All questions on one page"))]))
    # Typed and pre-filled in the page's zone (the launch's, else BABEL_DEFAULT_TIMEZONE), stored in
    # UTC; the label names the page's zone by its name for all year (__init__ puts it in).
    close_at = DateTimeLocalField(_l("Closes at (%(zone)s)", zone="UTC"), format=LOCAL_INPUT_FORMAT,
                                  validators=[Optional()])

    def __init__(self, *args, stored: dict | None = None, **kwargs):
        """`stored`: the activity's saved settings, whose closing date an unchanged field keeps."""
        super().__init__(*args, **kwargs)
        self.stored_close_at = _moment((stored or {}).get("close_at"))
        self.close_at_moment: datetime | None = None
        self.close_at.label.text = _l("Closes at (%(zone)s)", zone=field_zone_name())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.close_at.data is not None:
            try:
                self.close_at_moment = moment_from_local(self.close_at.data, get_timezone(), self.stored_close_at)
            except NonexistentLocalTime:
                self.close_at.errors = [*self.close_at.errors, NONEXISTENT_LOCAL_TIME]
                valid = False
        if self.mode.data == "practice" and self.time_limit_minutes.data:
            # WCAG 2.2.1: only exams may be timed (a practice quiz would need a way to turn it off).
            self.time_limit_minutes.errors = [*self.time_limit_minutes.errors,
                                              _l("A practice quiz has no time limit. Set 0 or choose the exam mode.")]
            valid = False
        return valid

    def overrides(self) -> dict:
        """Only the fields the instructor set; the rest follow the quiz file."""
        data: dict = {}
        for name in ("mode", "grading", "feedback", "layout"):
            if getattr(self, name).data:
                data[name] = getattr(self, name).data
        if self.graded.data:
            data["graded"] = self.graded.data == "yes"
        if self.attempts.data is not None:
            data["attempts"] = self.attempts.data
        if self.time_limit_minutes.data is not None:
            data["time_limit_minutes"] = self.time_limit_minutes.data or None
        if self.pass_mark_percent.data is not None:
            data["pass_mark"] = self.pass_mark_percent.data / 100
        if self.close_at_moment is not None:  # read in validate()
            data["close_at"] = self.close_at_moment.isoformat()
        return data

    def fill_from(self, overrides: dict) -> None:
        for name in ("mode", "grading", "feedback", "layout"):
            getattr(self, name).data = overrides.get(name, DEFAULT)
        self.graded.data = {True: "yes", False: "no"}.get(overrides.get("graded"), DEFAULT)
        self.attempts.data = overrides.get("attempts")
        limit = overrides.get("time_limit_minutes", "unset")
        self.time_limit_minutes.data = None if limit == "unset" else (limit or 0)
        self.pass_mark_percent.data = round(overrides["pass_mark"] * 100) if "pass_mark" in overrides else None
        moment = _moment(overrides.get("close_at"))
        self.close_at.data = (datetime.strptime(local_input_value(moment, get_timezone()), LOCAL_INPUT_FORMAT)
                              if moment else None)


def _moment(value) -> datetime | None:
    """A stored closing date (ISO text, UTC) as an aware datetime; a naive one was written as UTC."""
    if not value:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class ChooseQuizForm(FlaskForm):
    """Choosing the quiz of an activity inside Kontor (when the LMS did not set one)."""

    quiz = RadioField(_l("Quiz"), choices=[], validate_choice=True)


class ImportQuizForm(FlaskForm):
    """An instructor's own quiz file, written in the format of quizzes/README.md."""

    quiz_file = FileField(_l("Quiz file (YAML)"), validators=[
        FileRequired(_l("Please choose a file.")),
        FileAllowed(["yaml", "yml"], _l("Please choose a .yaml file.")),
    ])
