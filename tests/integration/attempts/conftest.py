from pathlib import Path

import pytest

from lms_module.extensions import db
from lms_module.library.services import import_path
from support.apps import csrf_from

ALL_TYPES = Path(__file__).resolve().parents[2] / "unit" / "engine" / "fixtures" / "all_types.yaml"


@pytest.fixture
def all_types_quiz(app):
    with app.app_context():
        report = import_path(ALL_TYPES, origin="import")
        assert report.ok, report.errors
        db.session.commit()
    return "all-types"


@pytest.fixture
def student(make_launch, all_types_quiz):
    return make_launch("student", quiz_slug=all_types_quiz, user_sub="sam")


@pytest.fixture
def start(client):
    tokens = {}

    def _start(launch_id, follow=False):
        page = client.get(f"/l/{launch_id}/quiz")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        if 'name="csrf_token"' in html:
            tokens[launch_id] = csrf_from(html)
        # A second start (double click, other tab) re-sends the token of the page it came from.
        return client.post(f"/l/{launch_id}/quiz/start", data={"csrf_token": tokens[launch_id]}, follow_redirects=follow)

    return _start
