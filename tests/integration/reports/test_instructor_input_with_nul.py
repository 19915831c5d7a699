"""A NUL character in what an instructor sends is refused with the error page in their language and
changes nothing: in a grading comment PostgreSQL refused it (psycopg DataError: a 500), SQLite stored it."""
import pytest
from sqlalchemy import func, select

from lms_module.attempts.models import Answer, Attempt, MarkChange
from lms_module.extensions import db
from support.apps import attempt_row, csrf_from

MIXED_ANSWERS = {"pick": {"choice": "a"}, "many": {"choices": ["a", "b"]}, "truth": {"value": True},
                 "essay": {"text": "Two people check every payment."}}


def _answer(app, public_id, question_id):
    with app.app_context():
        return db.session.scalars(
            select(Answer).join(Attempt).where(Attempt.public_id == public_id, Answer.question_id == question_id)
        ).one().id


def _changes(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(MarkChange))


@pytest.mark.parametrize("locale, words", [("en", "contains a NUL character"), ("de", "enthält ein NUL-Zeichen")])
@pytest.mark.parametrize("where", ["grading", "override"])
def test_a_comment_with_a_nul_is_refused_and_changes_nothing(app, client, make_launch, quizzes, student, attempt_for,
                                                             where, locale, words):
    mixed = make_launch("instructor", quiz_slug=quizzes["mixed"], user_sub="teacher", link_id="link-mixed",
                        locale=locale)
    public_id = attempt_for(student("fay", link="link-mixed"), MIXED_ANSWERS, link="link-mixed")
    essay = _answer(app, public_id, "essay")
    if where == "grading":
        url, page = f"/l/{mixed}/reports/grading/{essay}", f"/l/{mixed}/reports/grading"
    else:
        url, page = (f"/l/{mixed}/reports/attempts/{public_id}/answers/{essay}",
                     f"/l/{mixed}/reports/attempts/{public_id}")
    token = csrf_from(client.get(page).get_data(as_text=True))
    refused = client.post(url, data={"csrf_token": token, "marks": "2", "comment": "Good\x00 but short."})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400, html[:300]
    assert words in html and "nul_character" in html
    assert attempt_row(app, public_id).status == "awaiting_grading" and _changes(app) == 0
    with app.app_context():
        assert db.session.get(Answer, essay).manual_comment in (None, "")


@pytest.mark.parametrize("path", ["reports/", "reports/responses.csv", "course/overview", "authoring/bank"])
def test_a_nul_in_a_report_filter_is_refused(client, teacher, path):
    refused = client.get(f"/l/{teacher}/{path}", query_string={"search": "a\x00", "sort": "name"})
    assert refused.status_code == 400 and "contains a NUL character" in refused.get_data(as_text=True)


def test_an_upload_whose_file_name_holds_a_nul_is_refused(app, client, teacher):
    import io

    token = csrf_from(client.get(f"/l/{teacher}/authoring/bank/import").get_data(as_text=True))
    refused = client.post(f"/l/{teacher}/authoring/bank/import",
                          data={"csrf_token": token, "format": "gift",
                                "file": (io.BytesIO(b"::q1:: 1+1? {=2 ~3}"), "bank\x00.gift")},
                          content_type="multipart/form-data")
    assert refused.status_code == 400 and "contains a NUL character" in refused.get_data(as_text=True)
