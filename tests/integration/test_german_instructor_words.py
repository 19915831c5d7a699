"""An instructor reading Kontor in German: the words of the pages keep their meaning. "Versuch" is a
student's attempt (not the grade delivery's next try), a grade is a "Bewertung" everywhere (not a
"Note" on the regrade page), two report pages do not carry near-identical names, and numbers on
the regrade page are German numbers."""
from __future__ import annotations

import re
from datetime import timedelta

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from lms_module.attempts import services as attempts
from lms_module.authoring import bank
from lms_module.courses.models import LaunchSession, ResourceLink
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.grade_sync.models import PENDING, GradeOutbox
from lms_module.library.services import import_path

from grade_sync.rig import FIXTURES


def _csrf(app, client) -> str:
    raw = "test-csrf-secret"
    with client.session_transaction() as session:
        session["csrf_token"] = raw
    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token").dumps(raw)


def _tf(key: str, answer: bool = True) -> dict:
    return {"id": key, "type": "true_false", "text": {"de": f"Aussage {key}", "en": f"Statement {key}"},
            "answer": answer, "points": 1.5}


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


def test_the_regrade_page_speaks_of_bewertungen_with_german_numbers(app, client, make_launch):
    teacher = make_launch("instructor", link_id="link-1", locale="de")
    with app.app_context():
        course_id = db.session.get(LaunchSession, teacher).course_id
        ids = [bank.save_question(course_id, _tf(key)).question_id for key in "abc"]
        db.session.commit()
    token = _csrf(app, client)
    created = client.post(f"/l/{teacher}/authoring/quizzes/new",
                          data={"csrf_token": token, "slug": "vat", "title_de": "MwSt", "title_en": "VAT",
                                "topic": "accuracy"})
    quiz_id = int(re.search(r"/quizzes/(\d+)", created.location).group(1))
    client.post(f"/l/{teacher}/authoring/quizzes/{quiz_id}/questions",
                data={"csrf_token": token, "questions": [str(i) for i in ids]})
    assert client.post(f"/l/{teacher}/authoring/quizzes/{quiz_id}/publish", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        link = db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == "link-1")).one()
        link.quiz_slug = "vat"
        db.session.commit()
    sam = make_launch("student", user_sub="sam")
    with app.app_context():
        launch = db.session.get(LaunchSession, sam)
        link = db.session.get(ResourceLink, launch.resource_link_id)
        attempt = attempts.start_attempt(link, launch.user_id, utcnow())
        attempts.save_answers(attempt, {"q-a": ["false"], "q-b": ["true"], "q-c": ["true"]}, ["a", "b", "c"], utcnow())
        attempts.submit_attempt(attempt, utcnow())
        bank.save_question(course_id, {**_tf("a", answer=False)}, question_id=ids[0])  # the corrected key
        db.session.commit()
    assert client.post(f"/l/{teacher}/authoring/quizzes/{quiz_id}/publish", data={"csrf_token": token}).status_code == 302

    page = client.get(f"/l/{teacher}/authoring/quizzes/{quiz_id}/regrade").get_data(as_text=True)
    assert "Teilnehmende, deren Bewertung sich ändert" in page
    assert "Bisherige Bewertung" in page and "Neue Bewertung" in page
    assert not re.search(r"\bNoten?\b", page)
    assert "3 / 4,5" in page and "4,5 / 4,5" in page  # points as German numbers (was "4.5")
    assert "+33,33 Prozentpunkte" in page  # (was "+33.3333")
    assert "4.5" not in page
    applied = client.post(f"/l/{teacher}/authoring/quizzes/{quiz_id}/regrade", data={"csrf_token": token})
    done = client.get(applied.location).get_data(as_text=True)
    assert "1 Versuch wurde neu bewertet. 1 Bewertung hat sich geändert und wird an das LMS gesendet." in done
    assert not re.search(r"\bNoten?\b", done)
