"""Progress across a course (issue 13): the instructors' course overview (activities, topic
mastery matrix, heat map, exports, not started and due soon), the student's progress page and the
"practise my weak spots" quiz, with their access rules."""
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms_module.attempts.course_practice import PRACTICE_LINK_PREFIX
from lms_module.attempts.models import Attempt, LinkSettings
from lms_module.courses.models import ResourceLink
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.grade_sync.models import GradeOutbox
from lms_module.library.services import import_path, list_library
from support.apps import csrf_from

RIGHT, WRONG = {"choice": "a"}, {"choice": "b"}

LIBRARY = Path(__file__).resolve().parents[3] / "quizzes"


@pytest.fixture
def course(teacher, student, attempt_for):
    """Anna right on every question of the accuracy exam, Ben right on one of three, Cem never started."""
    anna = student("anna", name="Anna Arendt")
    ben = student("ben", name="Ben Brandt")
    cem = student("cem", name="Cem Celik")
    attempt_for(anna, {"q1": RIGHT, "q2": RIGHT, "q3": RIGHT})
    attempt_for(ben, {"q1": RIGHT, "q2": WRONG, "q3": WRONG})
    return {"launch": teacher, "anna": anna, "ben": ben, "cem": cem}


@pytest.fixture
def practice_library(app):
    with app.app_context():
        for path in ("accuracy/accuracy-practice.yaml", "compliance/compliance-practice.yaml"):
            report = import_path(LIBRARY / path)
            assert report.ok, report.errors
        db.session.commit()


def test_overview_shows_activities_and_mastery_per_topic(client, course):
    html = client.get(f"/l/{course['launch']}/course/overview").get_data(as_text=True)
    assert "Quiz activity" in html and "Statistics drill" in html  # the activity and its quiz
    # Anna 100 %, Ben 33 %: the average grade 67 %, pass rate (pass mark 50 %) 50 %
    assert ("66.7\u00a0%" in html or "67\u00a0%" in html) and "50\u00a0%" in html
    assert "Anna Arendt" in html and "Ben Brandt" in html and "Cem Celik" in html
    assert "100\u00a0%" in html and ("33.3\u00a0%" in html or "33\u00a0%" in html)
    assert '<svg role="img" aria-labelledby="heat-title heat-desc"' in html
    assert "Heat map of topic mastery" in html
    # sorted by accuracy, highest first: Anna before Ben; Cem (no value) last either way
    desc = client.get(f"/l/{course['launch']}/course/overview?sort=accuracy&dir=desc").get_data(as_text=True)
    table = desc[desc.index("progress-matrix"):]
    assert table.index("Anna Arendt") < table.index("Ben Brandt") < table.index("Cem Celik")
    asc = client.get(f"/l/{course['launch']}/course/overview?sort=accuracy&dir=asc").get_data(as_text=True)
    table = asc[asc.index("progress-matrix"):]
    assert table.index("Ben Brandt") < table.index("Anna Arendt") < table.index("Cem Celik")
    assert 'aria-sort="ascending"' in asc


def test_mastery_exports(client, course):
    csv = client.get(f"/l/{course['launch']}/course/mastery.csv").get_data(as_text=True)
    lines = csv.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Student,Accuracy and attention to detail (%)")
    assert "Anna Arendt,100,3," in csv and "Ben Brandt,33.3,3," in csv and "Cem Celik,,0," in csv
    xlsx = client.get(f"/l/{course['launch']}/course/mastery.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_students_who_have_not_started_an_activity_closing_soon(app, client, course):
    html = client.get(f"/l/{course['launch']}/course/overview").get_data(as_text=True)
    assert "has a close date in Kontor" in html  # no close date: said so, nobody listed
    with app.app_context():
        link = db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == "link-1")).one()
        db.session.add(LinkSettings(resource_link_id=link.id,
                                    overrides={"close_at": (utcnow() + timedelta(days=3)).isoformat()}))
        db.session.commit()
    html = client.get(f"/l/{course['launch']}/course/overview").get_data(as_text=True)
    due = html[html.index('id="due-heading"'):html.index('id="missed-heading"')]
    assert "Cem Celik" in due and "Anna Arendt" not in due and "Ben Brandt" not in due


def test_student_sees_own_progress_and_wrong_answers_without_keys(app, client, course, make_launch):
    launch = make_launch("student", user_sub="ben")
    html = client.get(f"/l/{launch}/progress").get_data(as_text=True)
    assert ("33.3\u00a0%" in html or "33\u00a0%" in html) and "Question two" in html and "Question three" in html
    assert "Question one" not in html  # answered right
    assert "Statistics drill" in html
    assert "Right one" not in html  # no answer key
    assert "Anna Arendt" not in html


def test_practise_my_weak_spots_is_an_ungraded_attempt_never_sent(app, client, course, make_launch, practice_library):
    launch = make_launch("student", user_sub="ben")
    page = client.get(f"/l/{launch}/progress").get_data(as_text=True)
    response = client.post(f"/l/{launch}/progress/practise", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302 and "/page/1" in response.headers["Location"]
    question = client.get(response.headers["Location"])
    assert question.status_code == 200 and "Practise my weak spots" in question.get_data(as_text=True)
    public_id = response.headers["Location"].split("/attempt/")[1].split("/")[0]
    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == public_id)).one()
        link = db.session.get(ResourceLink, attempt.resource_link_id)
        assert link.link_id.startswith(PRACTICE_LINK_PREFIX) and link.lineitem_url is None
        assert attempt.settings["graded"] is False and attempt.settings["mode"] == "practice"
        # weakest first: Ben's accuracy is 33 %, compliance unknown; both topics are drawn from
        assert {q["question_id"].split("-")[0] for q in attempt.plan} <= {"accuracy", "compliance"}
        assert len(attempt.plan) == 10
        course_id = link.course_id
        assert all(v.quiz.origin != "generated" for v in list_library(course_id))  # not in the quiz picker
    summary = client.get(f"/l/{launch}/attempt/{public_id}/summary").get_data(as_text=True)
    client.post(f"/l/{launch}/attempt/{public_id}/submit", data={"csrf_token": csrf_from(summary)})
    with app.app_context():
        assert db.session.get(Attempt, attempt.id).status == "submitted"
        assert db.session.scalar(select(func.count()).select_from(GradeOutbox)
                                 .where(GradeOutbox.resource_link_id == link.id)) == 0  # nothing for the LMS


def test_practice_attempts_leave_the_activity_alone(app, client, course, make_launch, practice_library):
    launch = make_launch("student", user_sub="cem")
    page = client.get(f"/l/{launch}/progress").get_data(as_text=True)
    client.post(f"/l/{launch}/progress/practise", data={"csrf_token": csrf_from(page)})
    start = client.get(f"/l/{launch}/quiz").get_data(as_text=True)
    assert "Your attempts" not in start  # the activity's own start page lists no attempt of Cem
    teacher = make_launch("instructor", user_sub="teacher")
    html = client.get(f"/l/{teacher}/course/overview").get_data(as_text=True)
    activities = html[html.index('id="activities-heading"'):html.index('id="due-heading"')]
    assert activities.count('<th scope="row">') == 1  # the practice link is no activity


def test_practice_attempt_ids_of_others_are_unknown(app, client, course, make_launch, practice_library):
    ben = make_launch("student", user_sub="ben")
    page = client.get(f"/l/{ben}/progress").get_data(as_text=True)
    location = client.post(f"/l/{ben}/progress/practise", data={"csrf_token": csrf_from(page)}).headers["Location"]
    public_id = location.split("/attempt/")[1].split("/")[0]
    anna = make_launch("student", user_sub="anna")  # another student's launch
    assert client.get(f"/l/{anna}/attempt/{public_id}/page/1").status_code == 404


# --- access ----------------------------------------------------------------------------------------


def _progress_rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("progress.")]
    assert len(rules) == 5
    return rules


def test_student_is_refused_the_overview_and_its_exports(app, client, course, make_launch):
    launch = make_launch("student", user_sub="ben")
    for rule in _progress_rules(app):
        if rule.endpoint in ("progress.student", "progress.practise"):
            continue
        response = client.get(rule.build({"launch_id": launch})[1])
        assert response.status_code == 403, rule.rule
        assert "Anna Arendt" not in response.get_data(as_text=True)


def test_instructor_is_refused_the_student_pages(app, client, course):
    html = client.get(f"/l/{course['launch']}/progress")
    assert html.status_code == 403
    assert client.post(f"/l/{course['launch']}/progress/practise").status_code in (400, 403)


def test_instructor_of_another_course_sees_only_their_course(app, course, make_launch):
    client = app.test_client()  # course B's instructor's own browser
    other = make_launch("instructor", user_sub="teacher-b", course_context="course-2", link_id="link-b",
                        test_client=client)
    html = client.get(f"/l/{other}/course/overview").get_data(as_text=True)
    assert "Anna Arendt" not in html and "Ben Brandt" not in html and "Statistics drill" not in html
    csv = client.get(f"/l/{other}/course/mastery.csv").get_data(as_text=True)
    assert "Anna Arendt" not in csv
    # course A's launch id in course B's browser: refused (the session holds only teacher-b's launches)
    assert client.get(f"/l/{course['launch']}/course/overview").status_code == 403


def test_requests_without_the_launch_are_refused(app, course):
    stranger = app.test_client()
    for rule in _progress_rules(app):
        url = rule.build({"launch_id": course["launch"]})[1]
        response = stranger.post(url) if "POST" in rule.methods else stranger.get(url)
        assert response.status_code in (400, 403), rule.rule


# --- reachable from every launch of the course -----------------------------------------------------


def test_start_and_result_pages_link_the_student_to_their_progress(app, client, course, make_launch, attempt_for):
    launch = make_launch("student", user_sub="ben")
    start = client.get(f"/l/{launch}/quiz").get_data(as_text=True)
    assert f'href="/l/{launch}/progress"' in start
    with app.app_context():
        public_id = db.session.scalars(select(Attempt.public_id).where(Attempt.user_id == course["ben"])).first()
    result = client.get(f"/l/{launch}/attempt/{public_id}/result").get_data(as_text=True)
    assert f'href="/l/{launch}/progress"' in result


def test_instructor_activity_page_links_the_course_overview(client, course):
    html = client.get(f"/l/{course['launch']}/instructor").get_data(as_text=True)
    assert f'href="/l/{course["launch"]}/course/overview"' in html


def test_practise_without_library_practice_questions_says_so(app, client, course, make_launch):
    launch = make_launch("student", user_sub="ben")
    page = client.get(f"/l/{launch}/progress").get_data(as_text=True)
    response = client.post(f"/l/{launch}/progress/practise", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 409
    assert "no practice questions" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ResourceLink)
                                 .where(ResourceLink.link_id.like(PRACTICE_LINK_PREFIX + "%"))) == 0
