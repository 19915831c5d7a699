"""Forms of the course quiz editor. Bounds here are the engine's limits; the engine's own rules
check the result again when the draft is saved and published."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from ..engine import GRADING_METHODS, limits
from ..engine.schema import ID_PATTERN
from .course_quizzes import MAX_SLUG_CHARS
from .forms import GRADING_METHOD_CHOICES

SLUG_HINT = _l("Lowercase letters, digits and hyphens, e.g. vat-basics. Activities choose the quiz by it.")
_slug = [DataRequired(), Length(max=MAX_SLUG_CHARS),
         Regexp(ID_PATTERN, message=_l("Use lowercase letters, digits and single hyphens."))]
_title = [Optional(), Length(max=500)]
_text = [Optional(), Length(max=limits.MAX_TEXT_CHARS)]


def choices(pairs) -> list[SelectChoice]:
    """Choices as wtforms wants them (value, label)."""
    return [SelectChoice(value, label) for value, label in pairs]


def _filled(de: str | None, en: str | None) -> dict:
    """A German/English pair of fields as a LocalText: the languages that were filled in."""
    return {k: v for k, v in (("de", de), ("en", en)) if v and v.strip()}


class _TitledForm(FlaskForm):
    """A quiz's title in German and English, at least one of them given (new quiz and details)."""

    title_de = StringField(_l("Title (German)"), validators=_title)
    title_en = StringField(_l("Title (English)"), validators=_title)

    def title(self) -> dict:
        return _filled(self.title_de.data, self.title_en.data)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not self.title():
            self.title_de.errors.append(_l("Give the quiz a title in German or English."))
            return False
        return ok


class NewQuizForm(_TitledForm):
    slug = StringField(_l("Short name (slug)"), validators=_slug)
    topic = SelectField(_l("Topic"), choices=[])


class CopyQuizForm(FlaskForm):
    source = SelectField(_l("Quiz to copy"), choices=[])
    # Its own id: the page shows this form beside NewQuizForm, whose slug field is "slug".
    slug = StringField(_l("Short name (slug) of the copy"), validators=_slug, id="copy-slug")


class DetailsForm(_TitledForm):
    description_de = TextAreaField(_l("Description (German)"), validators=_text)
    description_en = TextAreaField(_l("Description (English)"), validators=_text)
    topic = SelectField(_l("Topic"), choices=[])
    mode = SelectField(_l("Mode"), choices=choices([("exam", _l("Exam (graded)")), ("practice", _l("Practice (immediate feedback)"))]))
    attempts = IntegerField(_l("Attempts (0 = unlimited)"), default=1,
                            validators=[Optional(), NumberRange(min=0, max=limits.MAX_ATTEMPTS)])
    grading = SelectField(_l("Grading method"), choices=choices([(m, GRADING_METHOD_CHOICES[m]) for m in GRADING_METHODS]))
    time_limit_minutes = IntegerField(_l("Time limit in minutes (empty = none)"),
                                      validators=[Optional(), NumberRange(min=1, max=limits.MAX_TIME_LIMIT_MINUTES)])
    pass_mark_percent = IntegerField(_l("Pass mark in percent"), default=50, validators=[Optional(), NumberRange(min=0, max=100)])
    shuffle_questions = BooleanField(_l("Shuffle questions"))
    shuffle_options = BooleanField(_l("Shuffle options"), default=True)
    feedback = SelectField(_l("Feedback"), choices=choices([
        ("immediate", _l("Immediately, per question")), ("after_submit", _l("After submission")),
        ("after_close", _l("After the quiz closes")), ("never", _l("Never"))]))
    questions_per_attempt = IntegerField(_l("Questions per attempt (empty = all)"),
                                         validators=[Optional(), NumberRange(min=1, max=limits.MAX_QUESTIONS)])
    layout = SelectField(_l("Layout"), choices=choices([("one_per_page", _l("One question per page")),
                                                   ("all_on_one_page", _l("All questions on one page"))]))

    # Engine settings field -> the form field that shows its error.
    SETTING_FIELDS = {"pass_mark": "pass_mark_percent"}

    def fill(self, title, description, topic: str, settings: dict) -> None:
        title = title if isinstance(title, dict) else {"de": title, "en": title}
        description = description if isinstance(description, dict) else (
            {"de": description, "en": description} if description else {})
        self.title_de.data, self.title_en.data = title.get("de"), title.get("en")
        self.description_de.data, self.description_en.data = description.get("de"), description.get("en")
        self.topic.data = topic
        for name in ("mode", "attempts", "grading", "time_limit_minutes", "shuffle_questions", "shuffle_options",
                     "feedback", "questions_per_attempt", "layout"):
            if name in settings:
                getattr(self, name).data = settings[name]
        if "pass_mark" in settings:
            self.pass_mark_percent.data = round(settings["pass_mark"] * 100)

    def description(self) -> dict | None:
        return _filled(self.description_de.data, self.description_en.data) or None

    def settings(self) -> dict:
        data = {name: getattr(self, name).data for name in ("mode", "grading", "feedback", "layout",
                                                           "shuffle_questions", "shuffle_options")}
        data["attempts"] = self.attempts.data if self.attempts.data is not None else 1
        if self.time_limit_minutes.data:
            data["time_limit_minutes"] = self.time_limit_minutes.data
        if self.questions_per_attempt.data:
            data["questions_per_attempt"] = self.questions_per_attempt.data
        if self.pass_mark_percent.data is not None:
            data["pass_mark"] = self.pass_mark_percent.data / 100
        return data


class AddQuestionsForm(FlaskForm):
    questions = SelectMultipleField(_l("Questions from the bank"), coerce=int, choices=[],
                                    validators=[DataRequired(message=_l("Choose at least one question."))])


class AddDrawForm(FlaskForm):
    tag = SelectField(_l("Tag"), choices=[], validators=[DataRequired(message=_l("Choose a tag."))])
    count = IntegerField(_l("How many questions per attempt"), default=1,
                         validators=[DataRequired(), NumberRange(min=1, max=limits.MAX_QUESTIONS)])
    points = DecimalField(_l("Points per question (empty = the question's own)"), places=None,
                          validators=[Optional(), NumberRange(min=0.01, max=limits.MAX_POINTS)])


class SlotForm(FlaskForm):
    """One slot's buttons (Up, Down, Remove, Save points/count); `action` comes from the button."""

    points = DecimalField(_l("Points"), places=None, validators=[Optional(), NumberRange(min=0.01, max=limits.MAX_POINTS)])
    count = IntegerField(_l("Questions per attempt"), validators=[Optional(), NumberRange(min=1, max=limits.MAX_QUESTIONS)])


class ConfirmForm(FlaskForm):
    """Publish and apply a regrade: a POST with its CSRF token, nothing else."""
