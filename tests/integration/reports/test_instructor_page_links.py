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
