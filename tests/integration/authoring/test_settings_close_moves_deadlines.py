"""A new closing date on the settings page moves the deadline of the activity's attempts in
progress (as Moodle applies a quiz's close time to them), per student with their accommodation; the
deadline sweep then submits what is overdue with the answers that were saved. Previews, finished
attempts and other activities are left alone, and the instructor is told how many moved (de/en)."""
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from lms_module.attempts import accommodations, policy, services
from lms_module.attempts.models import Accommodation, Answer, Attempt
from lms_module.courses.models import ResourceLink, User
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.library.services import import_path
from support.apps import attempt_row, csrf_from

ALL_TYPES = Path(__file__).resolve().parents[2] / "unit" / "engine" / "fixtures" / "all_types.yaml"
EMPTY = {"attempts": "", "time_limit_minutes": "", "feedback": "", "mode": "", "graded": "", "grading": "",
         "pass_mark_percent": "", "layout": "", "close_at": ""}
FORM = "%Y-%m-%dT%H:%M"  # the closing date field's value; the launches name no zone: UTC


@pytest.fixture
def teacher(app, make_launch):
    """Factory: the instructor's launch of the all-types activity (20 minutes, 2 attempts) on link-1."""
    with app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()

    def _make(locale="en"):
        return make_launch("instructor", quiz_slug="all-types", user_sub="teacher", locale=locale)
    return _make


@pytest.fixture
def running(app, make_launch):
    """Factory: an attempt of student `sub` on `link`, started `minutes` ago, with a saved answer;
    submitted when `submit`, a preview when `preview`. Returns its public id."""
    def _start(sub, *, link="link-1", minutes=5, submit=False, preview=False):
        make_launch("instructor" if preview else "student", user_sub=sub, link_id=link, remember=False)
        with app.app_context():
            link_row = db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == link)).one()
            if link_row.quiz_slug is None:
                link_row.quiz_slug = "all-types"
            user_id = db.session.scalars(select(User.id).where(User.subject == sub)).one()
            started = utcnow() - timedelta(minutes=minutes)
            attempt = services.start_attempt(link_row, user_id, started, is_preview=preview)
            question = attempt.plan[0]["question_id"]
            db.session.add(Answer(attempt_id=attempt.id, question_id=question, response={"text": "kept"},
                                  answered_at=started + timedelta(minutes=1), saved_at=started + timedelta(minutes=1)))
            db.session.flush()
            if submit:
                services.submit_attempt(attempt, started + timedelta(minutes=2))
            db.session.commit()
            return attempt.public_id
    return _start


def _save(client, launch, **fields):
    page = client.get(f"/l/{launch}/instructor").get_data(as_text=True)
    return client.post(f"/l/{launch}/instructor/settings", data={**EMPTY, "csrf_token": csrf_from(page), **fields})


def _minute(moment):
    return moment.replace(second=0, microsecond=0)


def _own_close_at(app, sub, close_at):
    with app.app_context():
        user_id = db.session.scalars(select(User.id).where(User.subject == sub)).one()
        link_id = db.session.scalars(select(ResourceLink.id).where(ResourceLink.link_id == "link-1")).one()
        db.session.add(Accommodation(resource_link_id=link_id, user_id=user_id, close_at=close_at))
        db.session.commit()


def test_an_earlier_closing_date_moves_running_deadlines_and_gives_one_to_an_attempt_without(app, client, teacher,
                                                                                             running):
    launch = teacher()
    assert _save(client, launch, time_limit_minutes="0").status_code == 302  # no time limit, no closing date
    public_id = running("ann")
    assert attempt_row(app, public_id).deadline_at is None  # started before any closing date: no deadline at all
    close = _minute(utcnow()) + timedelta(minutes=10)
    response = _save(client, launch, time_limit_minutes="0", close_at=close.strftime(FORM))
    assert response.status_code == 302
    assert attempt_row(app, public_id).deadline_at == close
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 running attempt got a new deadline." in page


def test_a_closing_date_before_the_time_limit_ends_cuts_the_attempt_short(app, client, teacher, running):
    launch = teacher()
    public_id = running("ann", minutes=5)  # 20 minutes: ends in 15
    before = attempt_row(app, public_id)
    assert before.deadline_at == before.started_at + timedelta(minutes=20)
    close = _minute(utcnow()) + timedelta(minutes=3)
    assert _save(client, launch, close_at=close.strftime(FORM)).status_code == 302
    assert attempt_row(app, public_id).deadline_at == close


def test_an_extended_closing_date_moves_running_deadlines_later(app, client, teacher, running):
    launch = teacher()
    old_close = _minute(utcnow()) + timedelta(minutes=10)
    _save(client, launch, time_limit_minutes="0", close_at=old_close.strftime(FORM))
    public_id = running("ann")
    assert attempt_row(app, public_id).deadline_at == old_close
    new_close = old_close + timedelta(minutes=30)  # 30 more minutes after a fire alarm
    assert _save(client, launch, time_limit_minutes="0", close_at=new_close.strftime(FORM)).status_code == 302
    assert attempt_row(app, public_id).deadline_at == new_close


def test_a_student_with_an_own_later_closing_date_keeps_it(app, client, teacher, running):
    launch = teacher()
    _save(client, launch, time_limit_minutes="0")
    ann, ben = running("ann"), running("ben")
    own = _minute(utcnow()) + timedelta(hours=2)
    _own_close_at(app, "ben", own)
    close = _minute(utcnow()) + timedelta(minutes=10)
    response = _save(client, launch, time_limit_minutes="0", close_at=close.strftime(FORM))
    assert attempt_row(app, ann).deadline_at == close
    assert attempt_row(app, ben).deadline_at == own
    # Ben's own date was not a change: one moved (Ben's had none before and has his own now).
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 running attempts got a new deadline." in page


def test_previews_finished_attempts_and_other_activities_are_left_alone(app, client, teacher, running):
    launch = teacher()
    preview = running("teacher", preview=True)
    finished = running("ann", submit=True)
    elsewhere = running("ben", link="link-2")
    ours = running("cem")
    before = {p: attempt_row(app, p).deadline_at for p in (preview, finished, elsewhere, ours)}
    close = _minute(utcnow()) + timedelta(minutes=3)
    response = _save(client, launch, close_at=close.strftime(FORM))
    assert attempt_row(app, ours).deadline_at == close
    for public_id in (preview, finished, elsewhere):
        assert attempt_row(app, public_id).deadline_at == before[public_id]
    assert attempt_row(app, finished).status != "in_progress"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 running attempt got a new deadline." in page


def test_a_closing_date_moved_into_the_past_ends_now_and_the_sweep_submits_the_saved_answers(app, client, teacher,
                                                                                            running):
    launch = teacher()
    public_id = running("ann", minutes=5)
    past = _minute(utcnow()) - timedelta(hours=1)  # "stop the exam": a date that has passed
    saved_before = utcnow()
    assert _save(client, launch, close_at=past.strftime(FORM)).status_code == 302
    deadline = attempt_row(app, public_id).deadline_at
    # The grace runs from the change, not from an hour ago: a save in flight still counts.
    assert saved_before <= deadline <= utcnow()
    assert policy.accepts_answers(deadline, deadline + policy.GRACE)
    with app.app_context():
        assert services.sweep_overdue(deadline + policy.GRACE + timedelta(seconds=1)) == 1
    row = attempt_row(app, public_id)
    assert row.status in ("submitted", "awaiting_grading") and row.submitted_at is not None
    with app.app_context():
        answers = db.session.scalars(select(Answer).join(Attempt).where(Attempt.public_id == public_id)).all()
        assert {"text": "kept"} in [a.response for a in answers]


def test_a_save_that_keeps_the_closing_date_moves_nothing(app, client, teacher, running):
    launch = teacher()
    close = _minute(utcnow()) + timedelta(minutes=10)
    _save(client, launch, close_at=close.strftime(FORM))
    public_id = running("ann")
    deadline = attempt_row(app, public_id).deadline_at
    response = _save(client, launch, close_at=close.strftime(FORM), attempts="3")
    assert attempt_row(app, public_id).deadline_at == deadline
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "They apply to attempts started from now on." in page and "new deadline" not in page


def test_an_accommodation_saved_later_keeps_the_activitys_new_closing_date(app, client, teacher, running):
    """The accommodation moves the deadline by the activity's closing date as it is now, not the one
    the attempt started with: extra minutes given after the exam was cut short do not undo the cut."""
    launch = teacher()
    public_id = running("ann", minutes=5)  # 20 minutes: ends in 15
    close = _minute(utcnow()) + timedelta(minutes=3)
    _save(client, launch, close_at=close.strftime(FORM))
    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == public_id)).one()
        values = accommodations.AccommodationInput(extra_attempts=0, extra_minutes=10, close_at=None)
        assert accommodations.set_accommodation(attempt.resource_link_id, attempt.user_id, values, attempt.user_id,
                                                utcnow()) == 0
        db.session.commit()
    assert attempt_row(app, public_id).deadline_at == close


@pytest.mark.parametrize("locale, saved, moved", [
    ("en", "The settings were saved. Apart from the closing date, they apply to attempts started from now on.",
     "The new closing date applies to attempts in progress too: 2 running attempts got a new deadline."),
    ("de", "Die Einstellungen wurden gespeichert. Außer dem Schlussdatum gelten sie für Versuche, die ab jetzt "
           "beginnen.",
     "Das neue Schlussdatum gilt auch für laufende Versuche: 2 laufende Versuche haben eine neue Abgabefrist."),
])
def test_the_instructor_is_told_how_many_running_attempts_moved(app, client, teacher, running, locale, saved, moved):
    launch = teacher(locale)
    running("ann"), running("ben")
    close = _minute(utcnow()) + timedelta(minutes=3)
    response = _save(client, launch, close_at=close.strftime(FORM))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert saved in page and moved in page


@pytest.mark.parametrize("locale, sentence", [
    ("en", "Changes apply to attempts started from now on, with two exceptions: a new closing date also moves the "
           "deadline of attempts in progress"),
    ("de", "Änderungen gelten für Versuche, die ab jetzt beginnen, mit zwei Ausnahmen: Ein neues Schlussdatum "
           "verschiebt auch die Abgabefrist laufender Versuche"),
])
def test_the_settings_page_says_the_closing_date_applies_to_running_attempts(client, teacher, locale, sentence):
    page = client.get(f"/l/{teacher(locale)}/instructor").get_data(as_text=True)
    assert sentence in page


@pytest.mark.parametrize("locale, removed", [
    ("en", "The closing date was removed for attempts in progress too: 1 running attempt got a new deadline."),
    ("de", "Das Schlussdatum wurde auch für laufende Versuche entfernt: 1 laufender Versuch hat eine neue Abgabefrist."),
])
def test_removing_the_closing_date_says_so(app, client, teacher, running, locale, removed):
    """Emptying the field moved the running attempts back to their time limit, and the page said
    'The new closing date applies…' of a date that no longer exists."""
    launch = teacher(locale)
    close = _minute(utcnow()) + timedelta(minutes=3)
    _save(client, launch, close_at=close.strftime(FORM))
    running("ann")
    response = _save(client, launch, close_at="")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert removed in page
    assert "new closing date applies" not in page and "neue Schlussdatum gilt" not in page
