"""`flask quiz import --format` and `flask quiz export`: question banks in and out on the command line."""
from pathlib import Path

import yaml
from sqlalchemy import column, func, select, table

from lms_module.engine.formats import format_named
from lms_module.extensions import db
from lms_module.library.models import Quiz
from lms_module.library.services import content_of, latest_version_by_slug
from lms_module.courses.models import Course

FORMATS = Path(__file__).parents[2] / "fixtures" / "formats"
LIBRARY_FIXTURES = Path(__file__).parent / "fixtures"
GIFT = (FORMATS / "gift" / "every-feature.gift").read_text()
AIKEN = (FORMATS / "aiken" / "every-feature.txt").read_text()


def _quizzes(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Quiz))


def _course(app, make_launch) -> int:
    make_launch("instructor")
    with app.app_context():
        return db.session.scalars(select(column("id")).select_from(table("lti_course"))).one()


def test_a_gift_file_becomes_a_library_quiz_named_after_the_file(app, runner, tmp_path):
    path = tmp_path / "Billing Bank.gift"
    path.write_text(GIFT)
    result = runner.invoke(args=["quiz", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "17 question(s)" in result.stdout and "'billing-bank' of the library (created)" in result.stdout
    assert "skipped: line 46" in result.stderr and "note: line" in result.stderr
    with app.app_context():
        content = content_of(latest_version_by_slug("billing-bank"))
        assert content.title.en == "Billing Bank" and content.topic == "admin-software"
        assert content.question("grant-s-tomb").options[2].correct
    again = runner.invoke(args=["quiz", "import", str(path)])
    assert "(unchanged)" in again.stdout


def test_an_aiken_file_needs_its_format_named_and_goes_to_a_course(app, runner, tmp_path, make_launch):
    course_id = _course(app, make_launch)
    path = tmp_path / "aiken-bank.txt"
    path.write_text(AIKEN)
    ambiguous = runner.invoke(args=["quiz", "import", str(path)])
    assert ambiguous.exit_code == 2 and "give --format" in ambiguous.output
    result = runner.invoke(args=["quiz", "import", str(path), "--format", "aiken", "--course", str(course_id),
                                 "--language", "de", "--topic", "career"])
    assert result.exit_code == 0, result.output
    assert f"of course {course_id}" in result.stdout
    with app.app_context():
        assert latest_version_by_slug("aiken-bank") is None  # not in the library
        content = content_of(latest_version_by_slug("aiken-bank", course_id))
        assert content.topic == "career" and content.questions[0].text.de.startswith("What is")


def test_a_malformed_file_imports_nothing_and_names_the_line(app, runner, tmp_path):
    path = tmp_path / "broken.gift"
    path.write_text("Fine{T}\n\nBroken {=a ~b\n")
    result = runner.invoke(args=["quiz", "import", str(path)])
    assert result.exit_code == 1
    assert "broken.gift: line 3" in result.stderr and "Nothing imported" in result.stderr
    assert _quizzes(app) == 0


def test_a_file_without_importable_questions_is_refused(app, runner, tmp_path):
    path = tmp_path / "only-description.gift"
    path.write_text("Just a description.\n")
    result = runner.invoke(args=["quiz", "import", str(path)])
    assert result.exit_code == 1 and "no question could be imported" in result.stderr
    assert _quizzes(app) == 0


def test_unknown_formats_and_courses_are_clear_errors(app, runner, tmp_path):
    path = tmp_path / "bank.gift"
    path.write_text(GIFT)
    unknown = runner.invoke(args=["quiz", "import", str(path), "--format", "docx"])
    assert unknown.exit_code == 2 and "unknown format 'docx'; use one of" in unknown.output and "gift" in unknown.output
    odd = tmp_path / "bank.docx"
    odd.write_text("x")
    unguessable = runner.invoke(args=["quiz", "import", str(odd)])
    assert unguessable.exit_code == 2 and "cannot tell the format of bank.docx" in unguessable.output
    no_course = runner.invoke(args=["quiz", "import", str(path), "--course", "9999"])
    assert no_course.exit_code == 2 and "no course with id 9999" in no_course.output
    assert _quizzes(app) == 0


def test_a_course_cannot_take_a_library_slug(app, runner, tmp_path, make_launch):
    course_id = _course(app, make_launch)
    path = tmp_path / "accuracy-exam.gift"  # a file name of the built-in library
    path.write_text(GIFT)
    result = runner.invoke(args=["quiz", "import", str(path), "--course", str(course_id)])
    assert result.exit_code == 1 and "cannot be used for a quiz of this course" in result.stderr
    assert _quizzes(app) == 0


def test_yaml_import_keeps_todays_behaviour(app, runner):
    result = runner.invoke(args=["quiz", "import", str(LIBRARY_FIXTURES), "--format", "yaml"])
    assert result.exit_code == 0 and "1 new" in result.output


def test_export_as_gift_to_standard_output_with_notes_on_stderr(app, runner):
    runner.invoke(args=["quiz", "import", str(LIBRARY_FIXTURES)])
    result = runner.invoke(args=["quiz", "export", "test-vat-basics", "--format", "gift", "--language", "de"])
    assert result.exit_code == 0, result.output
    bank = format_named("gift").read(result.stdout_bytes, language="de")
    with app.app_context():
        original = content_of(latest_version_by_slug("test-vat-basics"))
    assert [q.id for q in bank.questions] == [q.id for q in original.questions]
    assert "note:" in result.stderr


def test_export_to_a_file_and_as_yaml(app, runner, tmp_path):
    runner.invoke(args=["quiz", "import", str(LIBRARY_FIXTURES)])
    target = tmp_path / "out.yaml"
    result = runner.invoke(args=["quiz", "export", "test-vat-basics", "--format", "yaml", "--output", str(target)])
    assert result.exit_code == 0 and result.stdout == ""
    assert yaml.safe_load(target.read_text())["slug"] == "test-vat-basics"


def test_export_errors(app, runner):
    missing = runner.invoke(args=["quiz", "export", "nope", "--format", "gift"])
    assert missing.exit_code == 1 and "there is no quiz 'nope'" in missing.stderr
    no_format = runner.invoke(args=["quiz", "export", "nope"])
    assert no_format.exit_code == 2 and "--format" in no_format.output
    unknown = runner.invoke(args=["quiz", "export", "nope", "--format", "pdf"])
    assert unknown.exit_code == 2 and "unknown format 'pdf'" in unknown.output
