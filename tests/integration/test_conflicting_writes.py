"""Two requests that write the same row at the same moment: the loser gets the error page with 409
and a message to reload, its work is rolled back, and the winner's row stays (never a 500)."""
from sqlalchemy import func, select

from lms_module.extensions import db
from lms_module.library.models import Quiz
from lms_module.web.access import public_route


def test_a_write_that_loses_a_race_is_a_409_page_and_changes_nothing(app, client):
    with app.app_context():
        db.session.add(Quiz(slug="shared", topic="accuracy", origin="library", latest_version=0))
        db.session.commit()

    @public_route
    def late_import():
        # What the second of two simultaneous imports does: it looked before the first committed,
        # found no quiz "shared", and inserts one too.
        db.session.add(Quiz(slug="other", topic="accuracy", origin="library", latest_version=0))
        db.session.add(Quiz(slug="shared", topic="accuracy", origin="library", latest_version=0))
        db.session.flush()
        return "imported"

    app.add_url_rule("/_test/late-import", view_func=late_import)
    response = client.get("/_test/late-import")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Bitte laden Sie die Seite neu" in page  # German, the default locale outside a launch
    assert "Traceback" not in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Quiz)) == 1  # "other" rolled back too
