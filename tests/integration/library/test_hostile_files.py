"""issue 9: hostile quiz files are clear errors on the command line and on the activity page,
never a 500 or a traceback, and nothing is stored."""
import io

from sqlalchemy import select

from lms_module.extensions import db
from lms_module.library.models import Quiz, QuizVersion
from support.apps import csrf_from

GOOD = """slug: hostile-probe
title: Probe
topic: compliance
questions:
  - id: q
    type: true_false
    text: "TEXT"
    answer: true
"""
HOSTILE = {
    "nul.yaml": (GOOD.replace("TEXT", "a\x00b"), "line 7", "control character U+0000"),
    "nested.yaml": (GOOD + "extra: " + "[" * 5000 + "]" * 5000 + "\n", "line 9", "nested deeper than 32 levels"),
    "bomb.yaml": (GOOD.replace('"TEXT"', "&t [a, b]") + "    explanation: [*t, *t, *t]\n", "line 7", "anchors (&) and aliases (*)"),
    "minutes.yaml": (GOOD.replace("topic: compliance", "topic: compliance\nsettings: {time_limit_minutes: 99999999999}"),
                     "line 4", "less than or equal to 1440"),
    "points.yaml": (GOOD.replace("answer: true", "answer: true\n    points: .inf"), "line 9", "finite number"),
}


def _stored(app):
    with app.app_context():
        return db.session.scalars(select(Quiz)).all(), db.session.scalars(select(QuizVersion)).all()


def test_the_command_line_import_reports_hostile_files_clearly(app, runner, tmp_path):
    for name, (text, line, message) in HOSTILE.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        result = runner.invoke(args=["quiz", "import", str(path)])
        assert result.exit_code == 1, (name, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), name
        assert message in result.output and f"{name}:{line.split()[1]}" in result.output, (name, result.output)
        assert "Traceback" not in result.output
    assert _stored(app) == ([], [])


def test_an_upload_on_the_activity_page_reports_hostile_files_clearly(app, client, make_launch):
    launch = make_launch("instructor")
    for name, (text, line, message) in HOSTILE.items():
        page = client.get(f"/l/{launch}/instructor/choose").get_data(as_text=True)
        data = {"csrf_token": csrf_from(page), "quiz_file": (io.BytesIO(text.encode()), name)}
        response = client.post(f"/l/{launch}/instructor/import", data=data, content_type="multipart/form-data",
                               headers={"Accept-Language": "en"})
        assert response.status_code == 400, name
        body = response.get_data(as_text=True)
        assert "The file was not imported" in body and line in body and message in body.replace("&amp;", "&"), name
    assert _stored(app) == ([], [])
