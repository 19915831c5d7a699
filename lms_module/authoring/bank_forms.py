"""Forms of the question bank: the filter (GET), bulk changes, import and export."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, HiddenField, IntegerField, RadioField, SearchField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from ..engine import limits
from ..engine.schema import QUESTION_TYPES, TOPICS
from ..web.converters import MAX_DATABASE_ID
from ..web.template_helpers import TOPIC_LABELS
from . import bank
from .question_forms import DIFFICULTY_LABELS, TYPE_LABELS  # the one tables of words for these

assert set(TYPE_LABELS) == set(QUESTION_TYPES)
LANGUAGE_LABELS = {"both": _l("German and English"), "de": _l("German only"), "en": _l("English only")}
SORT_LABELS = {"key": _l("Id (A–Z)"), "-key": _l("Id (Z–A)"), "-updated": _l("Newest change first"),
               "updated": _l("Oldest change first"), "type": _l("Type"), "topic": _l("Topic"),
               "difficulty": _l("Difficulty")}
assert set(SORT_LABELS) == set(bank.SORTS)
FORMAT_LABELS = {"yaml": _l("Kontor quiz file (YAML)"), "gift": "GIFT", "aiken": "Aiken", "moodlexml": "Moodle XML",
                 "qti": _l("QTI (Canvas 1.2 zip or 2.1 package)")}
EXPORT_FORMAT_LABELS = {**FORMAT_LABELS, "qti": _l("QTI 2.1 package (zip)")}
ANY = ""


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _any(label):
    return [(ANY, label)]


class BankFilterForm(FlaskForm):
    """The list's search, filters and sort: read from the query string, no CSRF (it changes nothing).
    The choices are not validated: query() maps anything unknown to "any" (a crafted URL lists all)."""

    class Meta:
        csrf = False

    search = SearchField(_l("Search"), validators=[Optional(), Length(max=bank.MAX_SEARCH_CHARS)])
    tag = SelectField(_l("Tag"), choices=[], validate_choice=False)
    topic = SelectField(_l("Topic"), choices=choices(_any(_l("Any topic")) + list(TOPIC_LABELS.items())), validate_choice=False)
    difficulty = SelectField(_l("Difficulty"), choices=choices(_any(_l("Any difficulty")) + list(DIFFICULTY_LABELS.items())), validate_choice=False)
    type = SelectField(_l("Type"), choices=choices(_any(_l("Any type")) + list(TYPE_LABELS.items())), validate_choice=False)
    language = SelectField(_l("Languages"), choices=choices(_any(_l("Any language")) + list(LANGUAGE_LABELS.items())), validate_choice=False)
    archived = BooleanField(_l("Show archived questions instead"))
    sort = SelectField(_l("Sort by"), choices=choices(list(SORT_LABELS.items())), default="key", validate_choice=False)
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=100_000)])

    def query(self) -> bank.BankQuery:
        """The filter as values; anything out of bounds falls back to "any" (a crafted URL lists all)."""
        valid = self.validate()
        return bank.BankQuery(
            search=(self.search.data or "")[:bank.MAX_SEARCH_CHARS] if valid or not self.search.errors else "",
            tag=(self.tag.data or "")[:bank.MAX_TAG_CHARS],
            topic=self.topic.data if self.topic.data in TOPICS else "",
            difficulty=int(self.difficulty.data) if self.difficulty.data in ("1", "2", "3") else None,
            type=self.type.data if self.type.data in QUESTION_TYPES else "",
            language=self.language.data if self.language.data in bank.LANGUAGE_FILTERS else "",
            archived=bool(self.archived.data),
            sort=self.sort.data if self.sort.data in bank.SORTS else "key",
            page=self.page.data if not self.page.errors and self.page.data else 1,
        )


class BulkForm(FlaskForm):
    questions = SelectMultipleField(_l("Questions"), coerce=int, validate_choice=False)
    action = HiddenField()  # set by the pressed button (name="action")
    # Ids of their own: the filter form and the quiz export on the same page have a tag, topic, format
    # and language too, and a label points at the first element with its id.
    tag = StringField(_l("Tag"), validators=[Length(max=bank.MAX_TAG_CHARS)], id="bulk-tag")
    # Checked only for the action that uses them (the form holds every action's fields).
    topic = SelectField(_l("Topic"), choices=choices(_any(_l("Keep the topic")) + list(TOPIC_LABELS.items())),
                        validate_choice=False, id="bulk-topic")
    format = SelectField(_l("Format"), choices=choices(list(EXPORT_FORMAT_LABELS.items())), default="moodlexml",
                         validate_choice=False, id="bulk-format")
    language = SelectField(_l("Language of the file"), choices=choices([("de", _l("German")), ("en", _l("English"))]),
                           validate_choice=False, id="bulk-language")

    ACTIONS = ("tag", "move", "delete", "restore", "export")

    def validate_questions(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Please choose at least one question."))
        if len(field.data) > bank.MAX_SELECTION:
            raise ValidationError(_l("Please choose at most %(num)s questions.", num=bank.MAX_SELECTION))
        if not all(1 <= number <= MAX_DATABASE_ID for number in field.data):  # the database cannot look it up
            raise ValidationError(_l("One of the chosen questions does not exist. Please reload the page and choose again."))

    def validate_action(self, field) -> None:
        if field.data not in self.ACTIONS:
            raise ValidationError(_l("Please choose what to do with the questions."))

    def validate_topic(self, field) -> None:
        if field.data and field.data not in TOPICS:
            raise ValidationError(_l("Not a valid choice."))

    def validate_format(self, field) -> None:
        if self.action.data == "export" and (field.data not in bank.EXPORT_FORMATS or self.language.data not in ("de", "en")):
            raise ValidationError(_l("Please choose the format and the language of the file."))

    def validate_tag(self, field) -> None:
        if self.action.data == "tag" and not bank.clean_tag(field.data or ""):
            raise ValidationError(_l("Please enter a tag."))
        if self.action.data == "move" and not bank.clean_tag(field.data or "") and not self.topic.data:
            raise ValidationError(_l("Please enter a tag or choose a topic to move the questions to."))


# The name an import of pasted text goes by in the pending upload; the pages say it in words.
PASTED_TEXT = "pasted text"
# The import's language choice that leaves it to the file's texts (bank.plan_import guesses it).
DETECT = "auto"


class ImportForm(FlaskForm):
    format = SelectField(_l("Format"), choices=choices(list(FORMAT_LABELS.items())), default="gift")
    language = RadioField(_l("Language of the questions"),
                          choices=choices([(DETECT, _l("Detect from the file")), ("de", _l("German")), ("en", _l("English"))]),
                          default=DETECT,
                          description=_l("GIFT, Aiken, Moodle XML and QTI files hold one language; Kontor files hold both."))
    topic = SelectField(_l("Topic of the imported questions"), choices=choices(_any(_l("No topic")) + list(TOPIC_LABELS.items())),
                        validate_choice=False)
    file = FileField(_l("File"))
    paste = TextAreaField(_l("Or paste the text (GIFT, Aiken, Kontor YAML)"),
                          validators=[Optional(), Length(max=limits.MAX_FILE_BYTES)])

    def validate_topic(self, field) -> None:
        if field.data and field.data not in TOPICS:
            raise ValidationError(_l("Not a valid choice."))

    def validate_file(self, field) -> None:
        if not (field.data and getattr(field.data, "filename", "")) and not (self.paste.data or "").strip():
            raise ValidationError(_l("Please choose a file or paste the questions."))

    def upload(self) -> tuple[bytes, str]:
        """The file's bytes (at most one byte beyond the limit is read) and its name, else the pasted text."""
        if self.file.data and getattr(self.file.data, "filename", ""):
            return self.file.data.read(limits.MAX_IMPORT_BYTES + 1), self.file.data.filename
        return (self.paste.data or "").encode("utf-8"), PASTED_TEXT


class ConfirmImportForm(FlaskForm):
    upload = HiddenField(validators=[InputRequired(), Length(max=64)])


class ExportQuizForm(FlaskForm):
    """Export a quiz of the course (GET: it only reads)."""

    class Meta:
        csrf = False

    quiz = SelectField(_l("Quiz"), choices=[], validate_choice=True, id="export-quiz")
    format = SelectField(_l("Format"), choices=choices(list(EXPORT_FORMAT_LABELS.items())), default="moodlexml",
                         id="export-format")
    language = SelectField(_l("Language of the file"), choices=choices([("de", _l("German")), ("en", _l("English"))]),
                           id="export-language")
