"""An instructor reading Kontor in German: the words of the pages keep their meaning. "Versuch" is a
student's attempt (not the grade delivery's next try), a grade is a "Bewertung" everywhere (not a
"Note" on the regrade page: tests/integration/authoring/test_course_quizzes.py, with its German
numbers), and two report pages do not carry near-identical names."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from lms_module.attempts import services as attempts
from lms_module.courses.models import LaunchSession, ResourceLink
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.grade_sync.models import PENDING, GradeOutbox
from lms_module.library.services import import_path

from grade_sync.rig import FIXTURES


def _graded_course(app, make_launch):
    """An activity with a submitted attempt whose grade waits for delivery; the teacher reads German."""
    with app.app_context():
        assert import_path(FIXTURES, origin="import").ok
        db.session.commit()
    teacher = make_launch("instructor", quiz_slug="gs-four-checks", user_sub="tina", locale="de")
    sam = make_launch("student", user_sub="sam")
    with app.app_context():
        link = db.session.scalars(select(ResourceLink)).one()
        link.lineitem_url = "https://lms.example/lineitems/7/lineitem"
        link.ags_scopes = ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]
        launch = db.session.get(LaunchSession, sam)
        attempt = attempts.start_attempt(link, launch.user_id, utcnow())
        attempts.save_answers(attempt, {"q-c1": ["true"], "q-c2": ["true"]}, ["c1", "c2"], utcnow())
        attempts.submit_attempt(attempt, utcnow())
        db.session.flush()
        row = db.session.scalars(select(GradeOutbox)).one()
        row.status, row.next_attempt_at = PENDING, utcnow() + timedelta(minutes=5)
        db.session.commit()
    return teacher


def test_the_pending_delivery_is_a_next_transmission_not_a_next_attempt(app, client, make_launch):
    teacher = _graded_course(app, make_launch)
    html = client.get(f"/l/{teacher}/grades/sync").get_data(as_text=True)
    assert "Ausstehend" in html
    assert "nächste Übermittlung" in html
    assert "nächster Versuch" not in html  # a teacher reads "Versuch" as the student's attempt


def test_the_report_pages_have_names_a_german_reader_can_tell_apart(app, client, make_launch):
    teacher = _graded_course(app, make_launch)
    home = client.get(f"/l/{teacher}/instructor").get_data(as_text=True)
    links = dict((m.group(2), m.group(1)) for m in re.finditer(r'<a[^>]*href="([^"]+)"[^>]*>([^<]+)</a>', home))
    assert links["Ergebnisse im Überblick"].endswith("/reports/summary")
    assert links["Kursübersicht"].endswith("/course/overview")
    assert "Kursüberblick" not in home  # beside "Kursübersicht": two names for two different pages
    summary = client.get(f"/l/{teacher}/reports/summary").get_data(as_text=True)
    assert "<h1>Ergebnisse im Überblick</h1>" in summary
