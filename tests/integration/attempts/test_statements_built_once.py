"""The exam start and the end of an attempt run statements that were built once per process
(issue 15: 1,000 students start an exam in the same minute). Building a SQLAlchemy statement and
its cache key cost more CPU than running it; a statement object built once makes its cache key once
(SQLAlchemy keeps it on the object), so the cache keys a request makes count the statements it
built itself. Counted with cProfile on the real app and database, after one student went through
the same routes (the first use of each statement builds its key)."""
import re

from sqlalchemy import select, update

from lms_module.courses.models import ResourceLink
from lms_module.extensions import db
from lms_module.grade_sync.models import GradeOutbox
from support.apps import csrf_from
from support.cpu_profile import calls_to, keys_made, profiled


def _graded_activity(app):
    """The activity sends grades to the LMS (a line item): a submission queues the grade."""
    with app.app_context():
        db.session.execute(update(ResourceLink).where(ResourceLink.link_id == "link-1")
                           .values(lineitem_url="https://lms.example/lineitems/1/lineitem"))
        db.session.commit()


def _start_and_submit(client, launch_id, measure=None):
    measure = measure or (lambda label, action: action())
    page = measure("start page", lambda: client.get(f"/l/{launch_id}/quiz"))
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    started = measure("start", lambda: client.post(f"/l/{launch_id}/quiz/start", data={"csrf_token": token}))
    assert started.status_code == 302 and "/page/1" in started.headers["Location"]
    submit_url = re.sub(r"/page/\d+$", "/submit", started.headers["Location"])
    submitted = measure("submission", lambda: client.post(submit_url, data={"csrf_token": token}))
    assert submitted.status_code == 302 and submitted.headers["Location"].endswith("/result")
    result = measure("result", lambda: client.get(submitted.headers["Location"]))
    assert result.status_code == 200


def test_the_start_and_the_end_of_an_attempt_build_no_statements_per_request(app, client, make_launch, all_types_quiz):
    first = make_launch("student", quiz_slug=all_types_quiz, user_sub="first")
    _graded_activity(app)
    _start_and_submit(client, first)

    made, profiles = {}, {}

    def measure(label, action):
        response, profiles[label] = profiled(action)
        made[label] = keys_made(profiles[label])
        return response

    _start_and_submit(client, make_launch("student", quiz_slug=all_types_quiz, user_sub="second"), measure)
    # In brackets: what each made when it built its own queries per request.
    # The start page: the launch with its activity, the student's standing, the quiz's latest version.
    assert made["start page"] == 0, made  # (2)
    # The start: the start lock and the reads under it; the new attempt is the ORM's INSERT (its flush).
    assert made["start"] <= 1, made  # (4)
    # The submission builds what the ORM builds for its work: the claim that loads the attempt into
    # the session, the flush of the marks, the savepoints around the grading and the queueing, the
    # outbox row's INSERT, the instructor's saved settings (session.get). Its own queries (the
    # answers, the student's attempts, the quiz's latest version, the student's language, the
    # outbox's latest grade and the superseding UPDATE) are built once.
    assert made["submission"] <= 7, made  # (13)
    assert made["result"] == 0, made  # (1: the answers)
    with app.app_context():  # the grade was queued all the same
        assert len(db.session.scalars(select(GradeOutbox)).all()) == 2


def test_the_result_page_neither_imports_macros_nor_formats_points_per_review(
        app, client, make_launch, all_types_quiz):
    """Each question's review includes the review rows, which imported their macros (right/wrong,
    no answer) at every include (`{% from ... import %}`: Jinja compares the page's globals with
    the macros' template's each time); and each review's points label was formatted by Babel
    anew, 2 numbers per question. The rows take the macros as Jinja keeps them (macros_of) and the
    labels are kept per value and language."""
    _start_and_submit(client, make_launch("student", quiz_slug=all_types_quiz, user_sub="first"))
    calls = {}

    def measure(label, action):
        response, calls[label] = profiled(action)
        return response

    _start_and_submit(client, make_launch("student", quiz_slug=all_types_quiz, user_sub="second"), measure)
    result = calls["result"]
    assert calls_to(result, "root", "*questions/_review_rows.html") >= 8  # every question's review
    assert calls_to(result, "_get_default_module", "*jinja2/environment.py", caller_file="*_review_rows.html") == 0
    assert calls_to(result, "format_decimal", "*babel/numbers.py", caller_file="*web/numbers.py") == 0  # (2 per review)


def test_question_pages_do_not_import_the_question_macros_per_include(app, client, make_launch, all_types_quiz):
    """Each question partial imported the shared question macros (points, documents) at its include,
    with the same comparison of the page's globals as the review rows did; the partials take them
    as Jinja keeps them (macros_of). Every question type's partial is rendered once."""
    launch_id = make_launch("student", quiz_slug=all_types_quiz)
    token = csrf_from(client.get(f"/l/{launch_id}/quiz").get_data(as_text=True))
    first = client.post(f"/l/{launch_id}/quiz/start", data={"csrf_token": token}).headers["Location"]
    assert first.endswith("/page/1")
    client.get(first)  # templates compiled before counting
    partials = imports = 0
    number = 1
    while True:
        response, calls = profiled(lambda: client.get(re.sub(r"/page/\d+$", f"/page/{number}", first)))
        if response.status_code == 404:  # past the last page
            break
        assert response.status_code == 200
        partials += calls_to(calls, "root", "*/questions/_*")
        # Jinja's per-include module lookups (`{% import %}` / `{% from %}`) made by the partials
        imports += calls_to(calls, "_get_default_module", "*jinja2/environment.py", caller_file="*/questions/_*")
        number += 1
    assert partials >= 8  # every question type's partial was rendered
    assert imports == 0
