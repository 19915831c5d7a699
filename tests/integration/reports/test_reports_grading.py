"""Manual grading, mark overrides and accommodations through their routes: what changes, what is
logged, who is told (the graded listeners queue the LMS update), and that bad input changes nothing."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms_module.attempts import services
from lms_module.attempts.models import Accommodation, Answer, Attempt, MarkChange
from lms_module.extensions import db
from lms_module.courses.models import ResourceLink, User
from support.apps import attempt_row, csrf_from
from support.broken_plans import GHOST, with_ghost

RIGHT, WRONG = {"choice": "a"}, {"choice": "b"}
MIXED_ANSWERS = {"pick": {"choice": "a"}, "many": {"choices": ["a", "b"]}, "truth": {"value": True},
                 "essay": {"text": "Two people check every payment."}}


@pytest.fixture
def mixed(make_launch, quizzes):
    """The instructor's launch on the mixed quiz (essay; grading 'last'; pass mark 60 %; 30 minutes)."""
    return make_launch("instructor", quiz_slug=quizzes["mixed"], user_sub="teacher", link_id="link-mixed")


def _answer(app, public_id, question_id):
    with app.app_context():
        return db.session.scalars(
            select(Answer).join(Attempt).where(Attempt.public_id == public_id, Answer.question_id == question_id)
        ).one().id


def _user_id(app, subject):
    with app.app_context():
        return db.session.scalars(select(User.id).where(User.subject == subject)).one()


def _token(client, url):
    return csrf_from(client.get(url).get_data(as_text=True))


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- manual grading ------------------------------------------------------------------------------


def test_grading_an_essay_finishes_the_attempt_and_tells_the_listeners(app, client, mixed, student, attempt_for,
                                                                      graded_listener):
    fay = student("fay", name="Fay Fuchs", link="link-mixed")
    public_id = attempt_for(fay, MIXED_ANSWERS, link="link-mixed")
    graded_listener.clear()  # the submit itself notified them (awaiting grading)
    row = attempt_row(app, public_id)
    assert (row.status, row.marks, row.max_marks, row.fraction) == ("awaiting_grading", 4.0, 7.0, None)

    queue = client.get(f"/l/{mixed}/reports/grading").get_data(as_text=True)
    assert "Two people check every payment." in queue and "Fay Fuchs" in queue
    essay = _answer(app, public_id, "essay")
    response = client.post(f"/l/{mixed}/reports/grading/{essay}",
                           data={"csrf_token": csrf_from(queue), "marks": "2,5", "comment": "Good, but short."})
    assert response.status_code == 302 and response.headers["Location"].endswith("/reports/grading?saved=1")

    row = attempt_row(app, public_id)
    # 4 automatic marks + 2.5 for the essay = 6.5 of 7 → 0.9286, above the pass mark of 0.6
    assert (row.status, row.marks, row.fraction, row.passed) == ("submitted", 6.5, 0.9286, True)
    assert [a.public_id for a in graded_listener] == [public_id]
    assert graded_listener[0].status == "submitted" and graded_listener[0].fraction == 0.9286
    teacher_id = _user_id(app, "teacher")
    with app.app_context():
        change = db.session.scalars(select(MarkChange)).one()
        assert (change.answer_id, change.previous_marks, change.new_marks) == (essay, None, 2.5)
        assert (change.comment, change.changed_by) == ("Good, but short.", teacher_id)
        assert change.changed_at is not None
        answer = db.session.get(Answer, essay)
        assert (answer.manual_marks, answer.manual_comment, answer.graded_by) == (2.5, "Good, but short.", teacher_id)
        assert answer.graded_at == change.changed_at
    after = client.get(f"/l/{mixed}/reports/grading?saved=1").get_data(as_text=True)
    assert "No answers are waiting for grading." in after and "The grade was saved." in after


def test_the_queue_moves_on_to_the_next_answer(app, client, mixed, student, attempt_for):
    first = attempt_for(student("a1", name="Ada", link="link-mixed"), MIXED_ANSWERS, link="link-mixed", minutes=30)
    second = attempt_for(student("a2", name="Bo", link="link-mixed"), MIXED_ANSWERS, link="link-mixed", minutes=5)
    queue = client.get(f"/l/{mixed}/reports/grading").get_data(as_text=True)
    assert "Answer 1 of 2: Ada" in queue  # oldest submission first
    client.post(f"/l/{mixed}/reports/grading/{_answer(app, first, 'essay')}",
                data={"csrf_token": csrf_from(queue), "marks": "3"})
    queue = client.get(f"/l/{mixed}/reports/grading").get_data(as_text=True)
    assert "Answer 1 of 1: Bo" in queue
    assert attempt_row(app, first).status == "submitted" and attempt_row(app, second).status == "awaiting_grading"
    skipped = client.get(f"/l/{mixed}/reports/grading?answer=999999").get_data(as_text=True)
    assert "Answer 1 of 1: Bo" in skipped  # an unknown id shows the first answer


def test_the_queue_lists_each_answer_with_its_question_text(app, client, mixed, student, attempt_for):
    """The list names each answer's question by its text (the id, which the author or an import
    chose, only beside it): an instructor with several essay questions tells them apart."""
    attempt_for(student("a1", name="Ada", link="link-mixed"), MIXED_ANSWERS, link="link-mixed", minutes=30)
    attempt_for(student("a2", name="Bo", link="link-mixed"), MIXED_ANSWERS, link="link-mixed", minutes=5)
    queue = client.get(f"/l/{mixed}/reports/grading").get_data(as_text=True)
    listed = queue.split('<tbody>', 1)[1].split('</tbody>', 1)[0]
    rows = listed.split("<tr>")[1:]
    assert len(rows) == 2
    for row in rows:
        assert "Explain the four-eyes principle." in row and "(essay)" in row


@pytest.mark.parametrize("marks", ["3.5", "-1", "abc", "", "nan", "inf"])
def test_bad_marks_change_nothing(app, client, mixed, student, attempt_for, graded_listener, marks):
    public_id = attempt_for(student("fay", link="link-mixed"), MIXED_ANSWERS, link="link-mixed")
    graded_listener.clear()
    essay = _answer(app, public_id, "essay")
    token = _token(client, f"/l/{mixed}/reports/grading")
    response = client.post(f"/l/{mixed}/reports/grading/{essay}", data={"csrf_token": token, "marks": marks})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was changed." in html and 'aria-invalid="true"' in html
    assert attempt_row(app, public_id).status == "awaiting_grading"
    assert _count(app, MarkChange) == 0 and graded_listener == []


def test_missing_csrf_changes_nothing(app, client, mixed, student, attempt_for):
    public_id = attempt_for(student("fay", link="link-mixed"), MIXED_ANSWERS, link="link-mixed")
    response = client.post(f"/l/{mixed}/reports/grading/{_answer(app, public_id, 'essay')}", data={"marks": "3"})
    assert response.status_code == 400
    assert "· csrf ·" in response.get_data(as_text=True)
    assert attempt_row(app, public_id).status == "awaiting_grading" and _count(app, MarkChange) == 0


def test_grading_an_answer_someone_else_graded_is_refused(app, client, mixed, student, attempt_for):
    public_id = attempt_for(student("fay", link="link-mixed"), MIXED_ANSWERS, link="link-mixed")
    essay = _answer(app, public_id, "essay")
    token = _token(client, f"/l/{mixed}/reports/grading")
    assert client.post(f"/l/{mixed}/reports/grading/{essay}", data={"csrf_token": token, "marks": "1"}).status_code == 302
    again = client.post(f"/l/{mixed}/reports/grading/{essay}", data={"csrf_token": token, "marks": "3"})
    assert again.status_code == 409
    assert "graded this answer in the meantime" in again.get_data(as_text=True)
    assert attempt_row(app, public_id).marks == 5.0 and _count(app, MarkChange) == 1


# --- overrides -----------------------------------------------------------------------------------


def test_an_override_is_logged_regrades_and_notifies(app, client, teacher, student, attempt_for, graded_listener):
    public_id = attempt_for(student("ben", name="Ben"), {"q1": RIGHT, "q2": WRONG, "q3": WRONG})
    graded_listener.clear()
    assert (attempt_row(app, public_id).fraction, attempt_row(app, public_id).passed) == (0.3333, False)
    review = client.get(f"/l/{teacher}/reports/attempts/{public_id}").get_data(as_text=True)
    assert review.count("<h1") == 1 and "Wrong B" in review and "Right one" in review
    q2 = _answer(app, public_id, "q2")
    response = client.post(f"/l/{teacher}/reports/attempts/{public_id}/answers/{q2}",
                           data={"csrf_token": csrf_from(review), "marks": "1", "comment": "Option B is also right."})
    assert response.status_code == 302 and f"saved={q2}" in response.headers["Location"]
    row = attempt_row(app, public_id)
    assert (row.status, row.marks, row.fraction, row.passed) == ("submitted", 2.0, 0.6667, True)
    assert len(graded_listener) == 1 and graded_listener[0].fraction == 0.6667
    with app.app_context():
        change = db.session.scalars(select(MarkChange)).one()
        assert (change.previous_marks, change.new_marks, change.changed_by) == (0.0, 1.0, _user_id(app, "teacher"))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "History of marks" in page and "Option B is also right." in page and "set by an instructor" in page
    assert "Test Instructor teacher" in page  # who changed it


def test_overriding_on_an_attempt_that_still_awaits_an_essay_does_not_notify(app, client, mixed, student,
                                                                              attempt_for, graded_listener):
    public_id = attempt_for(student("fay", link="link-mixed"), MIXED_ANSWERS, link="link-mixed")
    graded_listener.clear()
    token = _token(client, f"/l/{mixed}/reports/attempts/{public_id}")
    pick = _answer(app, public_id, "pick")
    response = client.post(f"/l/{mixed}/reports/attempts/{public_id}/answers/{pick}",
                           data={"csrf_token": token, "marks": "0"})
    assert response.status_code == 302
    row = attempt_row(app, public_id)
    assert (row.status, row.marks) == ("awaiting_grading", 2.0)
    assert graded_listener == []  # nothing the LMS could show has changed yet


def test_marks_of_an_open_attempt_cannot_be_changed(app, client, teacher, student, attempt_for):
    ben = student("ben")
    public_id = attempt_for(ben, {"q1": RIGHT}, submit=False)
    page = client.get(f"/l/{teacher}/reports/attempts/{public_id}").get_data(as_text=True)
    assert "still in progress" in page and 'name="marks"' not in page
    q1 = _answer(app, public_id, "q1")
    token = _token(client, f"/l/{teacher}/reports/students/{ben}")
    response = client.post(f"/l/{teacher}/reports/attempts/{public_id}/answers/{q1}",
                           data={"csrf_token": token, "marks": "1"})
    assert response.status_code == 400
    assert attempt_row(app, public_id).status == "in_progress" and _count(app, MarkChange) == 0


def test_an_answer_of_another_attempt_is_not_found(app, client, teacher, student, attempt_for):
    mine = attempt_for(student("ben"), {"q1": RIGHT, "q2": RIGHT, "q3": RIGHT})
    other = attempt_for(student("cem"), {"q1": RIGHT, "q2": RIGHT, "q3": RIGHT})
    token = _token(client, f"/l/{teacher}/reports/attempts/{mine}")
    foreign = _answer(app, other, "q1")
    response = client.post(f"/l/{teacher}/reports/attempts/{mine}/answers/{foreign}",
                           data={"csrf_token": token, "marks": "0"})
    assert response.status_code == 404 and _count(app, MarkChange) == 0


# --- regrade service -----------------------------------------------------------------------------


def test_regrade_refuses_an_open_attempt(app, teacher, student, attempt_for):
    public_id = attempt_for(student("ben"), {"q1": RIGHT}, submit=False)
    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == public_id)).one()
        with pytest.raises(services.AttemptError):
            services.regrade_attempt(attempt)


# --- accommodations ------------------------------------------------------------------------------


def test_extra_time_extends_the_running_attempt(app, client, mixed, student, attempt_for):
    fay = student("fay", link="link-mixed")
    public_id = attempt_for(fay, {}, link="link-mixed", submit=False)
    before = attempt_row(app, public_id)
    assert before.deadline_at == before.started_at + timedelta(minutes=30)
    page = client.get(f"/l/{mixed}/reports/students/{fay}").get_data(as_text=True)
    response = client.post(f"/l/{mixed}/reports/students/{fay}/accommodation",
                           data={"csrf_token": csrf_from(page), "extra_attempts": "1", "extra_minutes": "15",
                                 "close_at": "2031-05-04T10:30"})
    assert response.status_code == 302
    after = attempt_row(app, public_id)
    assert after.deadline_at == before.started_at + timedelta(minutes=45)
    with app.app_context():
        row = db.session.scalars(select(Accommodation)).one()
        assert (row.extra_attempts, row.extra_minutes) == (1, 15)
        assert row.close_at.isoformat() == "2031-05-04T10:30:00+00:00"  # the app's time zone is UTC
        assert row.updated_by == _user_id(app, "teacher")
        link = db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == "link-mixed")).one()
        assert services.start_info(link, fay, after.started_at).attempts_left == 1  # 1 allowed + 1 extra − 1 used
    saved = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The accommodation was saved." in saved and 'value="2031-05-04T10:30"' in saved


def test_a_new_close_date_earlier_than_the_time_limit_becomes_the_deadline(app, client, mixed, student,
                                                                            attempt_for):
    fay = student("fay", link="link-mixed")
    public_id = attempt_for(fay, {}, link="link-mixed", submit=False, minutes=1)
    started = attempt_row(app, public_id).started_at
    close = (started + timedelta(minutes=10)).replace(second=0, microsecond=0)
    token = _token(client, f"/l/{mixed}/reports/students/{fay}")
    client.post(f"/l/{mixed}/reports/students/{fay}/accommodation",
                data={"csrf_token": token, "close_at": close.strftime("%Y-%m-%dT%H:%M")})
    assert attempt_row(app, public_id).deadline_at == close


def test_clearing_an_accommodation(app, client, mixed, student):
    fay = student("fay", link="link-mixed")
    token = _token(client, f"/l/{mixed}/reports/students/{fay}")
    url = f"/l/{mixed}/reports/students/{fay}/accommodation"
    client.post(url, data={"csrf_token": token, "extra_attempts": "2"})
    assert _count(app, Accommodation) == 1
    client.post(url, data={"csrf_token": token, "extra_attempts": "0", "extra_minutes": "0", "close_at": ""})
    assert _count(app, Accommodation) == 0


@pytest.mark.parametrize("field, value", [("extra_attempts", "-1"), ("extra_attempts", "100"),
                                          ("extra_minutes", "1.5"), ("extra_minutes", "99999"),
                                          ("close_at", "next tuesday")])
def test_bad_accommodations_change_nothing(app, client, mixed, student, attempt_for, field, value):
    fay = student("fay", link="link-mixed")
    public_id = attempt_for(fay, {}, link="link-mixed", submit=False)
    before = attempt_row(app, public_id).deadline_at
    token = _token(client, f"/l/{mixed}/reports/students/{fay}")
    response = client.post(f"/l/{mixed}/reports/students/{fay}/accommodation",
                           data={"csrf_token": token, "extra_minutes": "10", field: value})
    assert response.status_code == 400
    assert "Nothing was changed." in response.get_data(as_text=True)
    assert _count(app, Accommodation) == 0 and attempt_row(app, public_id).deadline_at == before


@pytest.mark.parametrize("locale, graded, comment_label, points", [
    ("en", "Graded", "Your instructor's comment", "2.5 of 3 points"),
    ("de", "Bewertet", "Kommentar Ihrer Lehrkraft", "2,5 von 3 Punkten"),
])
def test_the_student_sees_the_instructors_mark_and_comment(app, client, make_launch, mixed, student, attempt_for,
                                                           locale, graded, comment_label, points):
    """After the essay is graded, the student's result page shows the mark, the comment and 'Graded'
    (it said 'Waiting for grading' with no mark, and the status stayed 'Submitted')."""
    fay = student("fay", name="Fay Fuchs", link="link-mixed")
    public_id = attempt_for(fay, MIXED_ANSWERS, link="link-mixed")
    fay_client = app.test_client()
    fay_launch = make_launch("student", user_sub="fay", link_id="link-mixed", locale=locale, test_client=fay_client)
    before = fay_client.get(f"/l/{fay_launch}/attempt/{public_id}/result").get_data(as_text=True)
    assert graded not in before

    queue = client.get(f"/l/{mixed}/reports/grading").get_data(as_text=True)
    essay = _answer(app, public_id, "essay")
    client.post(f"/l/{mixed}/reports/grading/{essay}",
                data={"csrf_token": csrf_from(queue), "marks": "2,5", "comment": "Good, but <b>short</b>."})

    page = fay_client.get(f"/l/{fay_launch}/attempt/{public_id}/result").get_data(as_text=True)
    review = page.split('id="q-essay-review"')[1].split("</section>")[0]
    assert points in review and comment_label in review
    assert "Good, but &lt;b&gt;short&lt;/b&gt;." in review
    assert ("Waiting for grading" not in review) and ("Wartet auf Bewertung" not in review)
    assert f"<strong>{graded}</strong>" in page
    start = fay_client.get(f"/l/{fay_launch}/quiz").get_data(as_text=True)
    assert graded in start


@pytest.mark.parametrize("locale, no_answer", [("en", "(no answer)"), ("de", "(keine Antwort)")])
def test_the_queue_reviews_an_essay_its_question_cannot_read_as_not_answered(app, client, make_launch, quizzes,
                                                                            student, attempt_for, caplog, locale,
                                                                            no_answer):
    """A stored essay the question cannot read (corrupt data: not text) is shown as not answered, as
    on the attempt page and the student's result, and logged: the instructor can still grade it."""
    teacher = make_launch("instructor", quiz_slug=quizzes["mixed"], user_sub="teacher", link_id="link-mixed",
                          locale=locale)
    public_id = attempt_for(student("fay", link="link-mixed"), MIXED_ANSWERS, link="link-mixed")
    with app.app_context():
        db.session.get(Answer, _answer(app, public_id, "essay")).response = {"text": ["not", "text"]}
        db.session.commit()
    queue = client.get(f"/l/{teacher}/reports/grading")
    html = queue.get_data(as_text=True)
    assert queue.status_code == 200, html[:300]
    assert no_answer in html and "not', 'text" not in html
    assert any(r.name == "kontor.attempts" and "question 'essay' does not fit" in r.getMessage()
               for r in caplog.records)


def test_the_queue_shows_a_notice_for_an_answer_whose_question_the_quiz_version_lacks(app, client, mixed, student,
                                                                                       attempt_for):
    """Corrupt data after the fact (the plan and the waiting answer name a question the quiz version
    does not have): a notice in the review's place, never a 500; the answer can still be graded."""
    public_id = attempt_for(student("fay", link="link-mixed"), MIXED_ANSWERS, link="link-mixed")
    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == public_id)).one()
        attempt.plan = with_ghost(attempt.plan)
        db.session.get(Answer, _answer(app, public_id, "essay")).question_id = GHOST["question_id"]
        db.session.commit()
    queue = client.get(f"/l/{mixed}/reports/grading")
    html = queue.get_data(as_text=True)
    assert queue.status_code == 200, html[:300]
    assert "This question cannot be shown: it is missing from the quiz version" in html
    graded = client.post(f"/l/{mixed}/reports/grading/{_answer(app, public_id, GHOST['question_id'])}",
                         data={"csrf_token": csrf_from(html), "marks": "2"})
    assert graded.status_code in (302, 303), graded.get_data(as_text=True)[:300]
