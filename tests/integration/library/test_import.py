import shutil
from pathlib import Path

from sqlalchemy import func, select

from lms_module.extensions import db
from lms_module.library.models import Quiz, QuizVersion
from lms_module.library.services import content_of, latest_version_by_slug

FIXTURES = Path(__file__).parent / "fixtures"


def _versions(app, slug="test-vat-basics"):
    with app.app_context():
        return db.session.scalars(
            select(QuizVersion.number).join(Quiz).where(Quiz.slug == slug).order_by(QuizVersion.number)
        ).all()


def test_import_is_idempotent(app, runner):
    first = runner.invoke(args=["quiz", "import", str(FIXTURES)])
    assert first.exit_code == 0, first.output
    assert "1 new" in first.output
    again = runner.invoke(args=["quiz", "import", str(FIXTURES)])
    assert "0 new, 0 updated (new version), 1 unchanged" in again.output
    assert _versions(app) == [1]


def test_a_changed_question_makes_a_new_version_and_keeps_the_old(app, runner, tmp_path):
    folder = tmp_path / "quizzes"
    shutil.copytree(FIXTURES, folder)
    runner.invoke(args=["quiz", "import", str(folder)])
    path = folder / "vat-basics.yaml"
    path.write_text(path.read_text().replace("answer: 119", "answer: 119.0\n    tolerance: 0.01").replace("    tolerance: 0.005\n", ""))
    result = runner.invoke(args=["quiz", "import", str(folder)])
    assert "1 updated" in result.output, result.output
    assert _versions(app) == [1, 2]
    with app.app_context():
        latest = content_of(latest_version_by_slug("test-vat-basics"))
        assert str(latest.questions[1].tolerance) == "0.01"
        first = db.session.scalars(select(QuizVersion).where(QuizVersion.number == 1)).one()
        assert str(content_of(first).questions[1].tolerance) == "0.005"


def test_a_broken_file_imports_nothing(app, runner, tmp_path):
    folder = tmp_path / "quizzes"
    shutil.copytree(FIXTURES, folder)
    (folder / "broken.yaml").write_text("slug: broken\ntitle: x\ntopic: nonsense\nquestions: []\n")
    result = runner.invoke(args=["quiz", "import", str(folder)])
    assert result.exit_code == 1
    assert "broken.yaml" in result.output
    assert "Nothing imported" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Quiz)) == 0


def test_validate_reports_file_line_and_field(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((FIXTURES / "vat-basics.yaml").read_text().replace("    difficulty: 2\n", "    difficulty: 7\n"))
    result = runner.invoke(args=["quiz", "validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:" in result.output
    assert "questions[1].difficulty" in result.output


def test_validate_accepts_a_good_file_and_prints_the_summary(runner):
    result = runner.invoke(args=["quiz", "validate", str(FIXTURES)])
    assert result.exit_code == 0, result.output
    assert "questions: 2" in result.output
    assert "OK: 1 quiz file(s) valid" in result.output


def test_the_builtin_library_is_valid(runner):
    result = runner.invoke(args=["quiz", "validate", "quizzes/"])
    assert result.exit_code == 0, result.output
    assert "answer cues" in result.output
