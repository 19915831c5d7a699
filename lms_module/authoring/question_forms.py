"""The question editor's forms: one form class per question type, built from shared parts.

Rows (options, pairs, gaps, ...) are FieldLists of small row forms; the "add" and "remove" buttons
are ordinary submit buttons (``name="action"``), so the editor works without JavaScript and
re-renders with everything typed so far. Every field is bounded; the engine's schema does the
real validation (question_editor.check) and its findings are put next to the fields here.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import Any

from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from ..engine import limits
from ..engine.loader import NOT_PRINTABLE
from ..engine.normalize import NormalizeRule
from ..engine.questions.base import number_label
from ..engine.schema import RULE_ERROR, TOPICS
from ..web.template_helpers import topic_label
from .question_editor import ROWS, Problem

TEXT = limits.MAX_TEXT_CHARS
SHORT = 500
ANSWERS = limits.MAX_OPTIONS * SHORT  # one accepted answer per line


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def printable(form, field) -> None:
    """A WTForms validator: no character a quiz file may not hold (loader.NOT_PRINTABLE: NUL, BEL,
    ESC, vertical tab, ...; tabs and line breaks are text). The editor stored them, and the
    question's own export could then not be read back (Moodle XML and QTI failed, GIFT carried
    the raw byte that the import refuses)."""
    bad = NOT_PRINTABLE.search(field.data or "") if isinstance(field.data, str) else None
    if bad:
        raise ValidationError(_l("This text contains the control character U+%(code)s, which a question cannot "
                                 "hold. Please remove it (it often comes with text copied from another program).",
                                 code=f"{ord(bad.group()):04X}"))


def _text(label, multiline=False, max_length=TEXT):
    field = TextAreaField if multiline else StringField
    return field(label, validators=[Optional(), Length(max=max_length), printable])


def _pair(form_class: type, name: str, label_de, label_en, multiline=False, max_length=TEXT) -> None:
    setattr(form_class, f"{name}_de", _text(label_de, multiline, max_length))
    setattr(form_class, f"{name}_en", _text(label_en, multiline, max_length))


class _Row(Form):
    """A row form: no CSRF of its own (the editor form has it)."""


class OptionRow(_Row):
    id = HiddenField(validators=[Length(max=64)])
    text_de = _text(_l("Option (German)"), max_length=TEXT)
    text_en = _text(_l("Option (English)"), max_length=TEXT)
    correct = BooleanField(_l("Correct"))
    feedback_de = _text(_l("Feedback (German)"))
    feedback_en = _text(_l("Feedback (English)"))


class PairRow(_Row):
    left_de = _text(_l("Left side (German)"))
    left_en = _text(_l("Left side (English)"))
    right_de = _text(_l("Matching right side (German)"))
    right_en = _text(_l("Matching right side (English)"))


class DistractorRow(_Row):
    text_de = _text(_l("Extra right side (German)"))
    text_en = _text(_l("Extra right side (English)"))


class ItemRow(_Row):
    id = HiddenField(validators=[Length(max=64)])
    text_de = _text(_l("Step (German)"))
    text_en = _text(_l("Step (English)"))


GAP_TYPE_CHOICES = [("short_text", _l("Text")), ("numeric", _l("Number")), ("choice", _l("Choice"))]


class GapRow(_Row):
    id = StringField(_l("Gap id"), validators=[Optional(), Length(max=64)])
    type = SelectField(_l("Kind of gap"), choices=_choices(GAP_TYPE_CHOICES), default="short_text")
    answers_de = _text(_l("Accepted answers, one per line (German)"), True, ANSWERS)
    answers_en = _text(_l("Accepted answers, one per line (English)"), True, ANSWERS)
    case_sensitive = BooleanField(_l("Upper and lower case must match"))
    answer = _text(_l("Correct number"), max_length=40)
    tolerance = _text(_l("Tolerance (±)"), max_length=40)
    options_de = _text(_l("Choices, one per line, the right one starting with * (German)"), True, ANSWERS)
    options_en = _text(_l("Choices, one per line, the right one starting with * (English)"), True, ANSWERS)


class CheckFieldRow(_Row):
    id = HiddenField(validators=[Length(max=64)])
    label_de = _text(_l("Field name (German)"))
    label_en = _text(_l("Field name (English)"))
    value_de = _text(_l("Value shown (German)"))
    value_en = _text(_l("Value shown (English)"))
    error_de = _text(_l("What is wrong, if faulty (German)"))
    error_en = _text(_l("What is wrong, if faulty (English)"))


class DocFieldRow(_Row):
    label_de = _text(_l("Field name (German)"))
    label_en = _text(_l("Field name (English)"))
    value_de = _text(_l("Value (German)"))
    value_en = _text(_l("Value (English)"))


NORMALIZE_CHOICES = [
    ("text", _l("Text (case and spaces ignored)")), ("exact", _l("Exactly as written")),
    ("code", _l("Code (spaces and hyphens ignored)")), ("date", _l("Date")), ("amount", _l("Amount of money")),
    ("number", _l("Number")),
]
assert {c for c, _ in NORMALIZE_CHOICES} == set(NormalizeRule.__args__)  # type: ignore[attr-defined]


class EntryFieldRow(_Row):
    id = HiddenField(validators=[Length(max=64)])
    label_de = _text(_l("Target field (German)"))
    label_en = _text(_l("Target field (English)"))
    answers = _text(_l("Accepted entries, one per line"), True, ANSWERS)
    normalize = SelectField(_l("Compare as"), choices=_choices(NORMALIZE_CHOICES), default="text")


ROW_FORMS: dict[str, type[_Row]] = {
    "options": OptionRow, "pairs": PairRow, "distractors": DistractorRow, "items": ItemRow, "gaps": GapRow,
    "check_fields": CheckFieldRow, "doc_fields": DocFieldRow, "entry_fields": EntryFieldRow,
}
ROW_LABELS = {
    "options": _l("Options"), "pairs": _l("Pairs"), "distractors": _l("Extra right sides (distractors)"),
    "items": _l("Steps in the right order"), "gaps": _l("Gaps"), "check_fields": _l("Fields of the document"),
    "doc_fields": _l("Fields of the source document"), "entry_fields": _l("Fields to fill in"),
}
# One row of a list, by its number: the row's legend and its remove button ("Option 2", "Remove option 2";
# not the list's plural name with a number).
ITEM_LABELS = {
    "options": _l("Option %(n)s"), "pairs": _l("Pair %(n)s"), "distractors": _l("Distractor %(n)s"),
    "items": _l("Step %(n)s"), "gaps": _l("Gap %(n)s"), "check_fields": _l("Field %(n)s"),
    "doc_fields": _l("Source field %(n)s"), "entry_fields": _l("Target field %(n)s"),
}
REMOVE_LABELS = {
    "options": _l("Remove option %(n)s"), "pairs": _l("Remove pair %(n)s"), "distractors": _l("Remove distractor %(n)s"),
    "items": _l("Remove step %(n)s"), "gaps": _l("Remove gap %(n)s"), "check_fields": _l("Remove field %(n)s"),
    "doc_fields": _l("Remove source field %(n)s"), "entry_fields": _l("Remove target field %(n)s"),
}
ADD_LABELS = {
    "options": _l("Add option"), "pairs": _l("Add pair"), "distractors": _l("Add distractor"), "items": _l("Add step"),
    "gaps": _l("Add gap"), "check_fields": _l("Add field"), "doc_fields": _l("Add source field"),
    "entry_fields": _l("Add target field"),
}
TYPE_LABELS = {
    "single": _l("Single choice"), "multiple": _l("Multiple choice"), "true_false": _l("True or false"),
    "numeric": _l("Number"), "short_text": _l("Short text"), "matching": _l("Matching"), "ordering": _l("Ordering"),
    "cloze": _l("Cloze (gap text)"), "document_check": _l("Document check"), "data_entry": _l("Data entry"),
    "essay": _l("Essay"),
}


# The one table of words for a question's difficulty (the engine keeps 1, 2, 3): the editor, the
# bank's filter and its list.
DIFFICULTY_LABELS = {"1": _l("easy"), "2": _l("medium"), "3": _l("hard")}


class QuestionEditorForm(FlaskForm):
    key = StringField(_l("Question id"), validators=[Optional(), Length(max=64)])
    points = StringField(_l("Points"), validators=[Optional(), Length(max=20)], default="1")
    difficulty = SelectField(_l("Difficulty"), choices=_choices([("", _l("not set")), *DIFFICULTY_LABELS.items()]),
                             default="")
    topic = SelectField(_l("Topic"), choices=_choices([("", "")]), default="")
    tags = StringField(_l("Tags, separated by commas"), validators=[Optional(), Length(max=500), printable])
    text_de = _text(_l("Question (German)"), True)
    text_en = _text(_l("Question (English)"), True)
    explanation_de = _text(_l("Explanation after answering (German)"), True)
    explanation_en = _text(_l("Explanation after answering (English)"), True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.topic.choices = _choices([("", _("not set"))] + [(t, topic_label(t)) for t in TOPICS])

    def values(self) -> dict[str, Any]:
        data = dict(self.data)
        data.pop("csrf_token", None)
        return data


@cache
def editor_form_class(qtype: str) -> type[QuestionEditorForm]:
    """The editor form of one question type (the shared fields plus the type's own)."""
    attrs: dict[str, Any] = {}
    for name in ROWS[qtype]:
        attrs[name] = FieldList(FormField(ROW_FORMS[name]), max_entries=limits.MAX_OPTIONS)
    form_class = type(f"{qtype.title().replace('_', '')}EditorForm", (QuestionEditorForm,), attrs)
    if qtype == "true_false":
        form_class.answer = SelectField(_l("The statement is"), choices=_choices([("", _l("Choose…")), ("true", _l("true")),
                                                                                  ("false", _l("false"))]), default="")
    elif qtype == "numeric":
        form_class.answer = _text(_l("Correct number"), max_length=40)
        form_class.tolerance = _text(_l("Tolerance (±)"), max_length=40)
        _pair(form_class, "unit", _l("Unit (German)"), _l("Unit (English)"), max_length=SHORT)
    elif qtype == "short_text":
        _pair(form_class, "answers", _l("Accepted answers, one per line (German)"),
              _l("Accepted answers, one per line (English)"), True, ANSWERS)
        form_class.case_sensitive = BooleanField(_l("Upper and lower case must match"))
    elif qtype in ("document_check", "data_entry"):
        _pair(form_class, "doc_title", _l("Document title (German)"), _l("Document title (English)"), max_length=SHORT)
        _pair(form_class, "doc_body", _l("Document text (German)"), _l("Document text (English)"), True)
    elif qtype == "essay":
        form_class.min_words = _text(_l("Minimum number of words"), max_length=10)
        form_class.max_words = _text(_l("Maximum number of words"), max_length=10)
        _pair(form_class, "rubric", _l("Rubric for grading (German)"), _l("Rubric for grading (English)"), True)
    return form_class


class ImageUploadForm(FlaskForm):
    image = FileField(_l("Image (PNG or JPEG)"), validators=[FileRequired()])
    alt = StringField(_l("Description for people who cannot see it"), validators=[Optional(), Length(max=200)])


# --- engine findings in the person's language -----------------------------------------------

_RULES: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"^exactly one option must be correct"), lambda m: _("Mark exactly one option as correct.")),
    (re.compile(r"^at least one option must be correct"), lambda m: _("Mark at least one option as correct.")),
    (re.compile(r"^needs at least one accepted answer"), lambda m: _("Enter at least one accepted answer.")),
    (re.compile(r"^\{\{(.*)\}\} has no gap with that id"),
     lambda m: _("The text names the gap {{%(gap)s}}, but no gap has that id.", gap=m.group(1))),
    (re.compile(r"^gap \{\{(.*)\}\} must appear exactly once, found (\d+)"),
     lambda m: _("The gap {{%(gap)s}} must appear exactly once in the text (found %(n)s).", gap=m.group(1), n=m.group(2))),
    (re.compile(r"id '(.*)' is used twice"), lambda m: _("The id %(id)s is used twice.", id=m.group(1))),
    (re.compile(r"^right-hand choice"), lambda m: _("Two right-hand sides read the same; students could not tell them apart.")),
    (re.compile(r"^at least one field must be faulty"), lambda m: _("Describe what is wrong in at least one field.")),
    (re.compile(r"^at least one field must be correct"), lambda m: _("Leave at least one field correct (no error).")),
    (re.compile(r"^min_words is larger"), lambda m: _("The minimum number of words is larger than the maximum.")),
    (re.compile(r"^needs a text in de or en"), lambda m: _("Enter the text in German or English.")),
]


def _bound(value) -> str:
    """A limit of the engine's rules as the page writes numbers: points' limit is the float 1000.0,
    shown '1000'; a decimal '0,5' in German."""
    return number_label(value, str(get_locale() or "de")) if isinstance(value, (int, float, Decimal)) else str(value)


def problem_message(problem: Problem) -> str:
    """The engine's finding as a sentence in the page's language (its English text if unknown)."""
    ctx = problem.ctx
    if problem.kind in (RULE_ERROR, "local_text"):
        for pattern, message in _RULES:
            match = pattern.search(problem.message)
            if match:
                return message(match)
        return problem.message
    if problem.kind == "missing":
        return _("Please fill this in.")
    if problem.kind == "too_short":
        return _("Needs at least %(n)s entries.", n=ctx.get("min_length"))
    if problem.kind == "too_long":
        return _("At most %(n)s entries.", n=ctx.get("max_length"))
    if problem.kind == "greater_than_equal":
        return _("Must be %(n)s or more.", n=_bound(ctx.get("ge")))
    if problem.kind == "greater_than":
        return _("Must be more than %(n)s.", n=_bound(ctx.get("gt")))
    if problem.kind == "less_than":
        return _("Must be less than %(n)s.", n=_bound(ctx.get("lt")))
    if problem.kind == "less_than_equal":  # the limit itself is allowed (points up to 1000)
        return _("Must be at most %(n)s.", n=_bound(ctx.get("le")))
    if problem.kind == "string_pattern_mismatch":
        return _("Use lower-case letters, digits and hyphens only, e.g. vat-rate-1.")
    if problem.kind == "string_too_long":
        return _("Too long: at most %(n)s characters.", n=ctx.get("max_length"))
    if problem.kind.endswith("_parsing") or problem.kind.endswith("_type") or problem.kind == "finite_number":
        return _("Enter a number, e.g. 12.5.")
    return problem.message
