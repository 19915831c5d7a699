"""Who may use the reports: every rule of the blueprint is walked for students, instructors of
another course, deep-linking launches and requests without a launch. Ids from another course
are 404, like unknown ones."""
import pytest
from sqlalchemy import select

from lms_module.attempts.models import Answer, Attempt
from lms_module.extensions import db
from lms_module.courses.models import User
from support.apps import session_csrf_token

RIGHT = {"choice": "a"}
ALL_RIGHT = {"q1": RIGHT, "q2": RIGHT, "q3": RIGHT}


def _report_rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("reports.")]
    assert len(rules) >= 12
    return rules


def _url(rule, launch_id, ids):
    values = {"launch_id": launch_id, "attempt_id": ids["attempt"], "answer_id": ids["answer"], "user_id": ids["user"]}
    return rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]


@pytest.fixture
def ours(app, teacher, student, attempt_for):
    """A student of course-1 with a graded attempt: the ids the other callers must not reach."""
    ben = student("ben", name="Ben Secret")
    public_id = attempt_for(ben, ALL_RIGHT)
    with app.app_context():
        answer = db.session.scalars(select(Answer.id).join(Attempt).where(Attempt.public_id == public_id)).first()
    return {"attempt": public_id, "answer": answer, "user": ben, "launch": teacher}


def _call(client, rule, url, token):
    if "POST" in rule.methods:
        response = client.post(url, data={"csrf_token": token, "marks": "0", "extra_attempts": "5"})
    else:
        response = client.get(url)
    response.get_data()  # a streamed export runs to its end
    return response


def test_the_owner_reaches_every_page(app, client, ours):
    token = session_csrf_token(app, client)
    for rule in _report_rules(app):
        response = _call(client, rule, _url(rule, ours["launch"], ours), token)
        # 409: the walk posts a grade for an answer that needs none (an auto-graded one)
        assert response.status_code in (200, 302, 409), rule.rule


def test_students_are_refused_everywhere(app, client, ours, make_launch):
    launch = make_launch("student", user_sub="ben")  # the very student whose attempt it is
    token = session_csrf_token(app, client)
    for rule in _report_rules(app):
        response = _call(client, rule, _url(rule, launch, ours), token)
        assert response.status_code == 403, rule.rule
        assert "Ben Secret" not in response.get_data(as_text=True)


def test_requests_without_the_launch_in_the_session_are_refused(app, ours):
    stranger = app.test_client()
    token = session_csrf_token(app, stranger)
    for rule in _report_rules(app):
        response = _call(stranger, rule, _url(rule, ours["launch"], ours), token)
        assert response.status_code == 403, rule.rule
    for rule in _report_rules(app):  # and an unknown launch id
        assert _call(stranger, rule, _url(rule, "no-such-launch", ours), token).status_code == 403, rule.rule


def test_instructors_of_another_course_see_neither_our_ids_nor_our_data(app, ours, make_launch, quizzes):
    other = app.test_client()
    launch = make_launch("instructor", quiz_slug=quizzes["stats"], user_sub="rival", course_context="course-2",
                         link_id="link-2", test_client=other)
    token = session_csrf_token(app, other)
    for rule in _report_rules(app):
        response = _call(other, rule, _url(rule, launch, ours), token)
        body = _text_of(response)
        if {"attempt_id", "answer_id", "user_id"} & set(rule.arguments):
            assert response.status_code == 404, rule.rule
        else:
            assert response.status_code == 200, rule.rule  # their own, empty course
        assert "Ben Secret" not in body, rule.rule
    # Our launch id in their browser: not theirs.
    for rule in _report_rules(app):
        assert _call(other, rule, _url(rule, ours["launch"], ours), token).status_code == 403, rule.rule
    with app.app_context():
        assert db.session.scalars(select(Answer.manual_marks).where(Answer.id == ours["answer"])).one() is None


def test_another_link_of_the_same_course_is_another_scope(app, ours, make_launch, quizzes):
    other = app.test_client()
    launch = make_launch("instructor", quiz_slug=quizzes["stats"], user_sub="teacher", link_id="link-1b",
                         test_client=other)
    token = session_csrf_token(app, other)
    for rule in _report_rules(app):
        if {"attempt_id", "answer_id"} & set(rule.arguments):
            assert _call(other, rule, _url(rule, launch, ours), token).status_code == 404, rule.rule


def test_a_deep_linking_launch_has_no_reports(app, client, ours, make_launch):
    launch = make_launch("instructor", message_type="LtiDeepLinkingRequest")
    assert client.get(f"/l/{launch}/reports/").status_code == 404
    assert client.get(f"/l/{launch}/reports/gradebook.csv").status_code == 404


def test_unknown_ids_are_not_found(app, client, ours):
    token = session_csrf_token(app, client)
    launch = ours["launch"]
    assert client.get(f"/l/{launch}/reports/attempts/nope").status_code == 404
    assert client.get(f"/l/{launch}/reports/students/999999").status_code == 404
    assert client.post(f"/l/{launch}/reports/grading/999999", data={"csrf_token": token, "marks": "1"}).status_code == 404
    with app.app_context():
        instructor = db.session.scalars(select(User.id).where(User.subject == "teacher")).one()
    assert client.get(f"/l/{launch}/reports/students/{instructor}").status_code == 404  # not a student


def _text_of(response) -> str:
    """The readable text of a response; for an Excel download, its cells."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        import io

        import openpyxl

        sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
        return " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None)
    return response.get_data(as_text=True)
