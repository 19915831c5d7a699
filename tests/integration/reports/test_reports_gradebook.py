"""The gradebook and class summary queries, and their pages and CSV export."""
import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms_module.attempts.models import Attempt, LinkSettings
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.grade_sync.models import GradeOutbox
from lms_module.courses.models import ResourceLink
from lms_module.reports import gradebook_queries, summary_queries
from lms_module.reports.scope import Scope
from lms_module.reports.exports import BOM
from support.apps import set_attempt

RIGHT, WRONG = {"choice": "a"}, {"choice": "b"}
ALL_RIGHT = {"q1": RIGHT, "q2": RIGHT, "q3": RIGHT}
ONE_RIGHT = {"q1": RIGHT, "q2": WRONG, "q3": WRONG}


def _link_id(app, link="link-1"):
    with app.app_context():
        return db.session.scalars(select(ResourceLink.id).where(ResourceLink.link_id == link)).one()


def _scope(app, link="link-1"):
    with app.app_context():
        row = db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == link)).one()
        return Scope(row.course_id, row.id)


def _outbox(app, user_id, status, *, error=None, minutes_ago=0):
    with app.app_context():
        now = utcnow() - timedelta(minutes=minutes_ago)
        db.session.add(GradeOutbox(
            resource_link_id=_link_id(app), user_id=user_id, score_given=1, score_maximum=1,
            activity_progress="Completed", grading_progress="FullyGraded", graded_at=now, status=status,
            last_error=error, sent_at=now if status == "sent" else None, created_at=now,
        ))
        db.session.commit()


@pytest.fixture
def course(app, teacher, student, roster_member, attempt_for, make_launch, quizzes):
    """Anna: two attempts (1/3, then 3/3); Ben: one attempt (1/3); Cem: an attempt in progress;
    Dora: on the roster, inactive, never launched; Emil: launched, no attempt; Zoë in another course."""
    people = {
        "Anna": student("anna", name="Anna Arendt"),
        "Ben": student("ben", name="Ben Böhm"),
        "Cem": student("cem", name="Cem Çelik"),
        "Dora": roster_member("dora", name="Dora Dietz", status="inactive"),
        "Emil": student("emil", name="Emil Engel"),
    }
    attempt_for(people["Anna"], ONE_RIGHT, minutes=20)
    attempt_for(people["Anna"], ALL_RIGHT, minutes=10)
    attempt_for(people["Ben"], ONE_RIGHT, minutes=5)
    attempt_for(people["Cem"], {"q1": RIGHT}, submit=False)
    make_launch("instructor", quiz_slug=quizzes["stats"], user_sub="other-teacher", course_context="course-2",
                link_id="link-2", remember=False)
    zoe = student("zoe", name="Zoë Zimmer", course="course-2", link="link-2")
    attempt_for(zoe, ALL_RIGHT, link="link-2")
    _outbox(app, people["Anna"], "failed", error="timeout", minutes_ago=5)
    _outbox(app, people["Anna"], "sent")
    _outbox(app, people["Ben"], "failed", error="HTTP 400: bad score")
    return people


def _book(app, **kwargs):
    with app.app_context():
        return gradebook_queries.gradebook(_scope(app), "highest", 0.5, **kwargs)


def test_every_student_of_the_course_is_listed_with_their_numbers(app, course):
    book = _book(app)
    rows = {r.name: r for r in book.rows}
    assert sorted(rows) == ["Anna Arendt", "Ben Böhm", "Cem Çelik", "Dora Dietz", "Emil Engel"]
    anna, ben, cem, dora, emil = (rows[n] for n in sorted(rows))
    assert (anna.attempts, anna.grade, anna.best, anna.last, anna.passed) == (2, 1.0, 1.0, 1.0, True)
    assert anna.seconds == pytest.approx(19 * 60 + 9 * 60, abs=1)
    assert (anna.sync_status, anna.sync_error) == ("sent", None) and anna.sync_at is not None
    assert (ben.grade, ben.passed, ben.sync_status, ben.sync_error) == (pytest.approx(1 / 3), False, "failed", "HTTP 400: bad score")
    assert (cem.attempts, cem.open_attempts, cem.grade, cem.passed) == (1, 1, None, None)
    assert (dora.attempts, dora.member_status, dora.last_activity) == (0, "inactive", None)
    assert (emil.attempts, emil.member_status, emil.sync_status) == (0, "active", None)
    assert emil.last_activity is not None  # the launch
    assert book.counts == {"all": 5, "not_started": 2, "in_progress": 1, "unsubmittable": 0, "awaiting_grading": 0,
                           "passed": 1, "failed": 1}


def test_grading_methods(app, course):
    with app.app_context():
        scope = _scope(app)
        grades = {m: {r.name: r.grade for r in gradebook_queries.gradebook(scope, m, 0.5).rows if r.grade is not None}
                  for m in ("highest", "last", "first", "average")}
    assert grades["highest"] == {"Anna Arendt": 1.0, "Ben Böhm": pytest.approx(1 / 3)}  # unrounded
    assert grades["first"]["Anna Arendt"] == pytest.approx(1 / 3)
    assert grades["last"]["Anna Arendt"] == 1.0
    assert grades["average"]["Anna Arendt"] == pytest.approx(2 / 3)  # (1/3 + 1) / 2, unrounded


def test_filters_sorting_and_pages(app, course):
    assert [r.name for r in _book(app, filter_by="not_started").rows] == ["Dora Dietz", "Emil Engel"]
    assert [r.name for r in _book(app, filter_by="failed").rows] == ["Ben Böhm"]
    assert [r.name for r in _book(app, filter_by="in_progress").rows] == ["Cem Çelik"]
    by_grade = [r.name for r in _book(app, sort="grade", descending=True).rows]
    assert by_grade[:2] == ["Anna Arendt", "Ben Böhm"]  # students without a grade come last
    first = _book(app, per_page=2, page=1)
    last = _book(app, per_page=2, page=3)
    assert (first.pages, first.total, len(first.rows), len(last.rows)) == (3, 5, 2, 1)
    assert _book(app, per_page=2, page=99).page == 3


def test_awaiting_grading_filter(app, course, make_launch, quizzes, student, attempt_for):
    make_launch("instructor", quiz_slug=quizzes["mixed"], user_sub="teacher", link_id="link-mixed", remember=False)
    fay = student("fay", name="Fay Fuchs", link="link-mixed")
    attempt_for(fay, {"essay": {"text": "Zwei Personen prüfen."}}, link="link-mixed")
    with app.app_context():
        book = gradebook_queries.gradebook(_scope(app, "link-mixed"), "last", 0.6, filter_by="awaiting_grading")
    assert [r.name for r in book.rows] == ["Fay Fuchs"] and book.rows[0].grade is None


def _could_not_submit(app, public_id):
    """As the sweep leaves an overdue attempt it could not submit (attempts.services)."""
    set_attempt(app, public_id, deadline_at=utcnow() - timedelta(hours=1), sweep_failures=5, unsubmittable_at=utcnow())


@pytest.fixture
def unsubmittable(app, course, attempt_for):
    """Ben's second attempt and Cem's only one could not be submitted."""
    _could_not_submit(app, attempt_for(course["Ben"], {"q1": RIGHT}, submit=False))
    with app.app_context():
        cem = db.session.scalars(select(Attempt.public_id).where(Attempt.user_id == course["Cem"])).one()
    _could_not_submit(app, cem)


def test_the_could_not_be_submitted_filter_counts_sorts_and_pages(app, unsubmittable):
    book = _book(app, filter_by="unsubmittable")
    assert [r.name for r in book.rows] == ["Ben Böhm", "Cem Çelik"] and book.total == 2
    assert book.counts == {"all": 5, "not_started": 2, "in_progress": 0, "unsubmittable": 2, "awaiting_grading": 0,
                           "passed": 1, "failed": 1}  # Cem is no longer "in progress"; Ben still failed
    assert [r.name for r in _book(app, filter_by="unsubmittable", sort="attempts", descending=True).rows] == \
        ["Ben Böhm", "Cem Çelik"]
    assert [r.name for r in _book(app, filter_by="unsubmittable", sort="attempts").rows] == ["Cem Çelik", "Ben Böhm"]
    second = _book(app, filter_by="unsubmittable", per_page=1, page=2)
    assert (second.pages, second.total, [r.name for r in second.rows]) == (2, 2, ["Cem Çelik"])


def test_the_could_not_be_submitted_filter_on_the_page_in_both_languages(app, client, make_launch, quizzes,
                                                                         unsubmittable):
    from lms_module.reports import messages
    from lms_module.web.template_helpers import ATTEMPT_STATUS_LABELS

    assert tuple(messages.FILTERS) == gradebook_queries.FILTERS
    assert messages.FILTERS["unsubmittable"] is ATTEMPT_STATUS_LABELS["unsubmittable"]  # the one label table
    for locale, label in (("en", "Could not be submitted"), ("de", "Konnte nicht abgegeben werden")):
        teacher = make_launch("instructor", quiz_slug=quizzes["stats"], user_sub=f"teacher-{locale}", locale=locale)
        html = client.get(f"/l/{teacher}/reports/?filter=unsubmittable&sort=attempts&dir=desc").get_data(as_text=True)
        assert f'filter=unsubmittable&amp;sort=attempts&amp;dir=desc" aria-current="true">{label} (2)</a>' in html
        assert html.count(f"<td>{label}</td>") == 2  # Ben's and Cem's state
        assert "Anna Arendt" not in html
        assert "?sort=name&amp;dir=asc&amp;filter=unsubmittable" in html  # sorting keeps the filter


def test_class_summary(app, course):
    with app.app_context():
        summary = summary_queries.class_summary(_scope(app), "highest", 0.5)
    # Grades: Anna 1.0 (bin 9), Ben 1/3 (bin 3)
    assert summary.students == 5 and summary.graded == 2
    assert summary.histogram == [0, 0, 0, 1, 0, 0, 0, 0, 0, 1]
    assert summary.mean == pytest.approx((1 + 1 / 3) / 2)
    assert summary.median == pytest.approx((1 + 1 / 3) / 2)
    assert summary.pass_rate == pytest.approx(0.5)
    assert summary.mean_seconds == pytest.approx((19 + 9 + 4) * 60 / 3, abs=1)


def test_median_of_an_odd_number_of_grades(app, teacher, student, attempt_for):
    for index, responses in enumerate((ONE_RIGHT, ALL_RIGHT, {"q1": RIGHT, "q2": RIGHT, "q3": WRONG})):
        attempt_for(student(f"s{index}"), responses)
    with app.app_context():
        summary = summary_queries.class_summary(_scope(app), "highest", 0.5)
    assert summary.median == pytest.approx(2 / 3)


def test_mastery_per_topic_over_several_links(app, course, make_launch, quizzes, student, attempt_for):
    # link-1 (topic accuracy): Anna's attempts 0.3333 and 1 → her mastery 0.6667; Ben 0.3333.
    # link-mixed (topic compliance): Anna 2/7 (the single-choice question only; 2 of 7 points).
    make_launch("instructor", quiz_slug=quizzes["mixed"], user_sub="teacher", link_id="link-mixed", remember=False)
    attempt_for(course["Anna"], {"pick": {"choice": "a"}}, link="link-mixed")
    with app.app_context():
        ids = [_link_id(app), _link_id(app, "link-mixed")]
        result = summary_queries.mastery(ids)
        single = summary_queries.mastery(ids[:1], [course["Ben"]])
    assert result.per_student[course["Anna"]] == pytest.approx({"accuracy": 0.66665, "compliance": 0.2857})
    assert result.by_topic["accuracy"] == pytest.approx((0.66665 + 0.3333) / 2)
    assert result.students_by_topic == {"accuracy": 2, "compliance": 1}
    assert set(single.per_student) == {course["Ben"]}


def test_gradebook_page(client, teacher, course):
    page = client.get(f"/l/{teacher}/reports/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in ("Anna Arendt", "Dora Dietz", "Inactive", "Sent", "HTTP 400: bad score", "Passed", "Failed"):
        assert text in html
    assert "Zoë Zimmer" not in html
    assert html.count("<h1") == 1
    assert 'aria-sort="ascending"' in html
    failed = client.get(f"/l/{teacher}/reports/?filter=failed&sort=grade&dir=desc").get_data(as_text=True)
    assert "Ben Böhm" in failed and "Anna Arendt" not in failed
    assert client.get(f"/l/{teacher}/reports/?filter=nonsense&sort=evil&page=x").status_code == 200


def test_gradebook_csv(client, teacher, course):
    response = client.get(f"/l/{teacher}/reports/gradebook.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(BOM.encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    by_name = {r["Name"]: r for r in rows}
    assert set(by_name) == {"Anna Arendt", "Ben Böhm", "Cem Çelik", "Dora Dietz", "Emil Engel"}
    assert by_name["Anna Arendt"]["Grade (%)"] == "100"
    assert by_name["Ben Böhm"]["Grade (%)"] == "33.3" and by_name["Ben Böhm"]["Passed"] == "0"
    assert by_name["Dora Dietz"]["Course membership"] == "inactive"
    assert by_name["Ben Böhm"]["LMS sync error"] == "HTTP 400: bad score"


def test_link_settings_change_the_grading_method(app, client, teacher, course):
    with app.app_context():
        db.session.add(LinkSettings(resource_link_id=_link_id(app), overrides={"grading": "first"}))
        db.session.commit()
    rows = list(csv.DictReader(io.StringIO(client.get(f"/l/{teacher}/reports/gradebook.csv").get_data().decode("utf-8-sig"))))
    assert {r["Name"]: r["Grade (%)"] for r in rows}["Anna Arendt"] == "33.3"


def test_gradebook_and_item_analysis_as_excel_files(client, teacher, course):
    import openpyxl

    response = client.get(f"/l/{teacher}/reports/gradebook.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    by_name = {row[0]: dict(zip(header, row)) for row in rows[1:]}
    assert by_name["Anna Arendt"]["Grade (%)"] == 100
    assert by_name["Ben Böhm"]["Passed"] is False
    assert by_name["Dora Dietz"]["Course membership"] == "inactive"
    items = client.get(f"/l/{teacher}/reports/items.xlsx")
    assert items.status_code == 200
    item_rows = list(openpyxl.load_workbook(io.BytesIO(items.get_data())).active.iter_rows(values_only=True))
    assert item_rows[1][0] == "quiz" and any(r[0] == "question" for r in item_rows)


def test_excel_cells_never_become_formulas():
    import openpyxl

    from lms_module.reports.exports import xlsx_file

    data = xlsx_file(["Name"], [["=HYPERLINK(\"http://evil.example\")"]], "Sheet")
    cell = openpyxl.load_workbook(io.BytesIO(data)).active["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_last_activity_is_per_activity(app, client, teacher, student, attempt_for):
    """A student who launched another activity of the course, never this one, shows no activity
    here (the course-wide last launch was shown); one with an attempt shows its time."""
    from datetime import datetime, timezone

    from lms_module.courses.models import Membership
    from lms_module.extensions import db

    elsewhere = student("elsewhere", name="Elke Anderswo", link="link-other")
    worker = student("worker", name="Willi Werk")
    attempt_for(worker, {"q1": {"choice": "a"}, "q2": {"choice": "a"}, "q3": {"choice": "a"}})
    with app.app_context():
        for membership in db.session.scalars(select(Membership).where(Membership.user_id == elsewhere)):
            membership.last_launch_at = datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc)
        db.session.commit()
    rows = list(csv.DictReader(io.StringIO(client.get(f"/l/{teacher}/reports/gradebook.csv").get_data().decode("utf-8-sig"))))
    by_name = {r["Name"]: r for r in rows}
    assert by_name["Elke Anderswo"]["Last activity (UTC)"] == ""
    assert by_name["Willi Werk"]["Last activity (UTC)"] != ""
