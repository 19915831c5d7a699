"""The instructor page of an activity: choosing a quiz, settings, preview."""
from pathlib import Path

import pytest
from sqlalchemy import select

from lms_module.attempts.models import LinkSettings
from lms_module.extensions import db
from lms_module.library.services import import_path
from lms_module.courses.models import ResourceLink
from support.apps import csrf_from

ALL_TYPES = Path(__file__).resolve().parents[2] / "unit" / "engine" / "fixtures" / "all_types.yaml"


@pytest.fixture
def library(app):
    with app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()


def test_without_quiz_the_instructor_sees_the_picker(client, make_launch, library):
    launch = make_launch("instructor")
    page = client.get(f"/l/{launch}/instructor")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Choose a quiz for this activity" in body
    assert 'value="all-types"' in body
    token = csrf_from(body)
    chosen = client.post(f"/l/{launch}/instructor/quiz", data={"csrf_token": token, "quiz": "all-types"})
    assert chosen.status_code == 302
    follow = client.get(f"/l/{launch}/instructor").get_data(as_text=True)
    assert "All question types" in follow and "The quiz was chosen" in follow


def test_choosing_an_unknown_quiz_changes_nothing(app, client, make_launch, library):
    launch = make_launch("instructor")
    token = csrf_from(client.get(f"/l/{launch}/instructor").get_data(as_text=True))
    response = client.post(f"/l/{launch}/instructor/quiz", data={"csrf_token": token, "quiz": "no-such-quiz"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(ResourceLink)).one().quiz_slug is None


def test_settings_form_saves_only_what_was_set(app, client, make_launch, library):
    launch = make_launch("instructor", quiz_slug="all-types")
    token = csrf_from(client.get(f"/l/{launch}/instructor").get_data(as_text=True))
    response = client.post(f"/l/{launch}/instructor/settings", data={
        "csrf_token": token, "attempts": "5", "time_limit_minutes": "0", "feedback": "never", "mode": "",
        "graded": "", "grading": "", "pass_mark_percent": "", "layout": "", "close_at": ""})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(LinkSettings)).one().overrides == {
            "attempts": 5, "time_limit_minutes": None, "feedback": "never"}
    student = make_launch("student", quiz_slug="all-types")
    page = client.get(f"/l/{student}/quiz").get_data(as_text=True)
    assert ">5<" in page  # attempts left
    assert "20 minutes" not in page  # time limit removed


@pytest.mark.parametrize("field, value", [("attempts", "-1"), ("pass_mark_percent", "150"), ("time_limit_minutes", "abc"),
                                          ("feedback", "sometimes")])
def test_invalid_settings_are_refused_and_nothing_changes(app, client, make_launch, library, field, value):
    launch = make_launch("instructor", quiz_slug="all-types")
    token = csrf_from(client.get(f"/l/{launch}/instructor").get_data(as_text=True))
    response = client.post(f"/l/{launch}/instructor/settings", data={"csrf_token": token, field: value})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(LinkSettings)).all() == []


def test_settings_need_the_csrf_token(app, client, make_launch, library):
    launch = make_launch("instructor", quiz_slug="all-types")
    assert client.post(f"/l/{launch}/instructor/settings", data={"attempts": "9"}).status_code == 400
    with app.app_context():
        assert db.session.scalars(select(LinkSettings)).all() == []


def test_students_cannot_change_the_activity(app, client, make_launch, library):
    launch = make_launch("student", quiz_slug="all-types")
    assert client.post(f"/l/{launch}/instructor/settings", data={"attempts": "9"}).status_code in (400, 403)
    assert client.post(f"/l/{launch}/instructor/quiz", data={"quiz": "all-types"}).status_code in (400, 403)
    assert client.get(f"/l/{launch}/library/all-types/preview").status_code == 403


def test_preview_shows_questions_without_keys(client, make_launch, library):
    launch = make_launch("instructor")
    body = client.get(f"/l/{launch}/library/all-types/preview").get_data(as_text=True)
    assert "Question 11" in body
    assert "SECRET" not in body
    assert client.get(f"/l/{launch}/library/nothing/preview").status_code == 404


def test_instructor_attempts_are_previews(app, client, make_launch, library):
    launch = make_launch("instructor", quiz_slug="all-types")
    page = client.get(f"/l/{launch}/quiz").get_data(as_text=True)
    assert "Preview: your attempts are not sent to the gradebook." in page
    client.post(f"/l/{launch}/quiz/start", data={"csrf_token": csrf_from(page)})
    from lms_module.attempts.models import Attempt

    with app.app_context():
        assert db.session.scalars(select(Attempt)).one().is_preview is True


def test_a_practice_activity_cannot_get_a_time_limit(app, client, make_launch, library):
    """WCAG 2.2.1 (a11y, issue 16): the refusal is on the time limit field, and nothing is saved."""
    launch = make_launch("instructor", quiz_slug="all-types")
    token = csrf_from(client.get(f"/l/{launch}/instructor").get_data(as_text=True))
    response = client.post(f"/l/{launch}/instructor/settings", data={
        "csrf_token": token, "mode": "practice", "time_limit_minutes": "20"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "A practice quiz has no time limit." in html
    assert 'id="time_limit_minutes-error"' in html
    with app.app_context():
        assert db.session.scalars(select(LinkSettings)).all() == []
