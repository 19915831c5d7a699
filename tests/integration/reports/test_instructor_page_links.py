from pathlib import Path

from lms_module.extensions import db
from lms_module.library.services import import_path

ALL_TYPES = Path(__file__).resolve().parents[2] / "unit" / "engine" / "fixtures" / "all_types.yaml"


def test_the_instructor_page_links_the_reports(app, client, make_launch):
    with app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()
    launch = make_launch("instructor", quiz_slug="all-types")
    body = client.get(f"/l/{launch}/instructor").get_data(as_text=True)
    for path in ("reports/", "reports/grading", "reports/summary", "reports/items"):
        assert f'href="/l/{launch}/{path}"' in body, path


def test_opening_the_gradebook_asks_the_worker_for_a_fresh_roster(app, client, make_launch):
    from lms_module.lti.models import Course
    from lms_module.roster import sync

    with app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()
    launch = make_launch("instructor", quiz_slug="all-types")
    with app.app_context():
        course = db.session.scalars(db.select(Course)).one()
        course.memberships_url = "https://lms.example/memberships"
        db.session.commit()
        course_id = course.id
    sync._wishes.pop(course_id, None)
    assert client.get(f"/l/{launch}/reports/").status_code == 200
    assert course_id in sync._wishes  # recorded for the worker; the page itself made no LMS call
    sync._wishes.pop(course_id, None)
