"""Question ids that no id column can hold (a forged or mangled form or link) are refused like
unknown ids: they reached the database, which failed (PostgreSQL: integer out of range; SQLite:
OverflowError), and the bank's bulk form and export answered 500."""
import pytest
from sqlalchemy import func, select

from lms_module.authoring import bank
from lms_module.authoring.models import BankQuestion
from lms_module.courses.models import Course
from lms_module.extensions import db
from support.apps import csrf_from

TOO_BIG = ["2147483648", "9" * 25]


def _seed(app):
    with app.app_context():
        course_id = db.session.scalar(select(Course.id).where(Course.context_id == "course-1"))
        question = {"id": "alpha", "type": "single", "text": {"de": "Frage", "en": "Question"},
                    "options": [{"id": "a", "text": "A", "correct": True}, {"id": "b", "text": "B"}]}
        question_id = bank.save_question(course_id, question, topic="compliance", tags=["start"]).question_id
        db.session.commit()
        return question_id


@pytest.mark.parametrize("locale", ["en", "de"])
@pytest.mark.parametrize("too_big", TOO_BIG)
@pytest.mark.parametrize("action", ["delete", "tag", "export"])
def test_a_bulk_change_naming_an_id_beyond_the_column_changes_nothing(app, client, make_launch, action, too_big,
                                                                       locale):
    launch = make_launch("instructor", locale=locale)
    known = _seed(app)
    token = csrf_from(client.get(f"/l/{launch}/authoring/bank").get_data(as_text=True))
    refused = client.post(f"/l/{launch}/authoring/bank/bulk", data={
        "csrf_token": token, "questions": [str(known), too_big], "action": action, "tag": "exam",
        "format": "gift", "language": "en"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400, page[:300]
    assert {"en": "One of the chosen questions does not exist.",
            "de": "Eine der gewählten Fragen gibt es nicht."}[locale] in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BankQuestion)) == 1
        assert db.session.get(BankQuestion, known).tags == ["start"]


@pytest.mark.parametrize("too_big", TOO_BIG)
@pytest.mark.parametrize("page", ["export", "export/download"])
def test_an_export_naming_an_id_beyond_the_column_is_not_found(app, client, make_launch, page, too_big):
    launch = make_launch("instructor")
    known = _seed(app)
    response = client.get(f"/l/{launch}/authoring/bank/{page}",
                          query_string={"format": "gift", "language": "en", "q": [str(known), too_big]})
    assert response.status_code == 404, response.get_data(as_text=True)[:300]
