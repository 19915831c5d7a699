"""One table of topic labels and one list of grading methods (issue 11): the reports said
"Insurance billing and medical terminology" where the quiz picker said "Insurance billing in a
hospital", and four modules each spelled out the grading methods."""
import pytest
from flask_babel import force_locale

from lms_module.attempts import policy
from lms_module.authoring.forms import GRADING_METHOD_CHOICES
from lms_module.engine import GRADING_METHODS
from lms_module.engine.schema import TOPICS, Settings
from lms_module.attempts import grades as attempt_grades
from lms_module.grade_sync import grades
from lms_module.reports import pages
from lms_module.web import template_helpers


def test_reports_and_pages_use_the_same_topic_labels(app):
    assert pages.topic_label is template_helpers.topic_label
    with app.test_request_context():
        env = app.jinja_env.globals
        for topic in TOPICS:
            for locale in ("de", "en"):
                with force_locale(locale):
                    assert str(env["topic_label"](topic)) == str(pages.topic_label(topic)) != topic
        with force_locale("en"):
            assert str(pages.topic_label("insurance-billing")) == "Insurance billing and medical terminology"
        with force_locale("de"):
            assert str(pages.topic_label("insurance-billing")) != "Insurance billing and medical terminology"


def test_every_place_accepts_exactly_the_engine_s_grading_methods():
    assert GRADING_METHODS == ("highest", "last", "first", "average")
    assert policy.CUSTOM_SETTING_KEYS["quiz_grading"][1] is GRADING_METHODS
    assert set(GRADING_METHOD_CHOICES) == set(template_helpers.GRADING_METHOD_LABELS) == set(GRADING_METHODS)
    assert attempt_grades.GRADING_METHODS is GRADING_METHODS  # the method a grade is computed with
    assert Settings.model_fields["grading"].annotation.__args__ == GRADING_METHODS


@pytest.mark.parametrize("method", GRADING_METHODS)
def test_the_lms_comment_and_the_pages_name_a_method_alike(app, method):
    with app.test_request_context():
        with force_locale("de"):
            label = str(template_helpers.grading_label(method))
        assert label in grades._comment("de", 0.5, method, False)


def test_every_attempt_status_is_worded_once_for_instructors_and_once_for_students(app):
    """The reports and the students' pages take an attempt's status from their table in
    web.template_helpers (keyed by Attempt.shown_status), not from words inlined in a macro."""
    from lms_module.attempts.models import AWAITING_GRADING, IN_PROGRESS, SUBMITTED, SUBMITTING, UNSUBMITTABLE

    statuses = {IN_PROGRESS, SUBMITTING, SUBMITTED, AWAITING_GRADING, UNSUBMITTABLE}
    tables = {"reports/_macros.html": ("attempt_status", template_helpers.ATTEMPT_STATUS_LABELS),
              "attempts/_macros.html": ("status_label", template_helpers.STUDENT_ATTEMPT_STATUS_LABELS)}
    with app.test_request_context():
        for template, (macro, table) in tables.items():
            assert set(table) == statuses
            render = app.jinja_env.from_string(
                f'{{% import "{template}" as m with context %}}{{{{ m.{macro}(status) }}}}').render
            for locale in ("de", "en"):
                with force_locale(locale):
                    for status in statuses:
                        assert render(status=status) == str(table[status])
            with force_locale("de"):
                assert render(status=UNSUBMITTABLE) == "Konnte nicht abgegeben werden"
    # Deliberately different words where a student reads them differently.
    with app.test_request_context(), force_locale("en"):
        assert str(template_helpers.STUDENT_ATTEMPT_STATUS_LABELS[AWAITING_GRADING]) == "Waiting for grading"
        assert str(template_helpers.ATTEMPT_STATUS_LABELS[AWAITING_GRADING]) == "Awaiting grading"
