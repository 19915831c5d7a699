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



def test_every_report_leads_back_to_the_activity_page_and_its_settings(app, client, make_launch):
    with app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()
    launch = make_launch("instructor", quiz_slug="all-types")
    for path in ("reports/", "reports/grading", "reports/summary", "reports/items"):
        body = client.get(f"/l/{launch}/{path}").get_data(as_text=True)
        nav = body.split('class="report-nav"')[1].split("</nav>")[0]
        assert f'href="/l/{launch}/instructor">Activity page</a>' in nav, path
        assert f'href="/l/{launch}/instructor#settings">Settings</a>' in nav, path
    home = client.get(f"/l/{launch}/instructor").get_data(as_text=True)
    assert 'id="settings"' in home


def test_opening_the_gradebook_asks_the_worker_for_a_fresh_roster(app, client, make_launch):
    """A stale roster is refreshed by a worker (a claimable row in the database), never by the page."""
    from datetime import timedelta

    from lms_module.db_types import utcnow
    from lms_module.courses.models import Course
    from lms_module.roster.models import RosterRefresh

    with app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()
    launch = make_launch("instructor", quiz_slug="all-types")
    with app.app_context():
        course = db.session.scalars(db.select(Course)).one()
        # An old roster: the page shows it and asks for a new one (a course without any roster would
        # be fetched once inside the page, which is tested in tests/integration/roster).
        course.memberships_url = "https://lms.example/memberships"
        course.roster_synced_at = utcnow() - timedelta(days=1)
        db.session.commit()
        course_id = course.id
        assert db.session.get(RosterRefresh, course_id) is None
    assert client.get(f"/l/{launch}/reports/").status_code == 200
    with app.app_context():
        wish = db.session.get(RosterRefresh, course_id)
        assert wish is not None and wish.claimed_by is None  # recorded for the workers of every process
