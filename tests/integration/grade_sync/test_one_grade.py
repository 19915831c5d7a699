"""One grade, one truth (issue 11): on the same attempts the student's start page, the gradebook
page, the gradebook CSV and what the LMS receives show the same grade, for every grading method,
and each equals engine.activity_grade. Practice attempts (taken while the activity sent no grades)
count nowhere: they used to raise the gradebook and start page above what the LMS got."""
import csv
import io
import re

import pytest
from sqlalchemy import select

from lms_module.attempts import services
from lms_module.attempts.models import Attempt
from lms_module.engine import GRADING_METHODS
from lms_module.extensions import db
from support.apps import csrf_from

# Per student, in order: (right answers of 4, whether the activity sent grades at the time).
PLAN = {
    "4": [(2, True), (4, False), (3, True), (0, False), (1, True)],  # Sam: practice 4/4 counts nowhere
    "5": [(4, False), (1, True)],  # Sara: one counted attempt after a perfect practice one
    "6": [(3, False)],  # Stefan: practice only, so no grade anywhere
}
EXPECTED = {  # the fraction per method, by hand: Sam counts 2, 3, 1 of 4; Sara 1 of 4
    "highest": {"4": 0.75, "5": 0.25, "6": None},
    "first": {"4": 0.5, "5": 0.25, "6": None},
    "last": {"4": 0.25, "5": 0.25, "6": None},
    "average": {"4": 0.5, "5": 0.25, "6": None},
}
NAMES = {"4": "Sam Student", "5": "Sara Second", "6": "Stefan Schüler"}


@pytest.fixture
def taken(rig):
    students = {sub: rig.launch(sub) for sub in PLAN}
    link_id = students["4"].link_id
    longest = max(len(steps) for steps in PLAN.values())
    for index in range(longest):
        for sub, steps in PLAN.items():
            if index < len(steps):
                correct, graded = steps[index]
                rig.link_settings(link_id, graded=graded)
                rig.attempt(students[sub], correct=correct)
    rig.link_settings(link_id, graded=True)
    rig.drain()
    return students


def _instructor(rig, browser):
    page = rig.live.launch(browser, user="3", locale="en")
    assert page.status_code == 200, page.text[:300]
    return re.search(r"/l/([^/]+)/instructor", page.url + page.text).group(1)


def _percent(text: str) -> float:
    return float(text.replace("%", "").replace(",", "").strip()) / 100


def _start_page_grade(rig, sub):
    with rig.live.browser() as browser:
        browser.session.headers["Accept-Language"] = "en"
        page = rig.live.launch(browser, user=sub, locale="en")
    assert page.status_code == 200, page.text[:300]
    found = re.search(r"Your grade for this activity: (\d+)\s*%", page.text)
    return None if found is None else int(found.group(1)) / 100


def _gradebook(rig, browser, launch_id):
    page = browser.session.get(f"{rig.live.url}/l/{launch_id}/reports/")
    assert page.status_code == 200, page.text[:300]
    grades = {}
    for sub, name in NAMES.items():
        row = re.search(re.escape(name) + r"</a>.*?</tr>", page.text, re.S)
        assert row, name
        cells = re.findall(r'<td class="report-num">([^<]*)</td>', row.group(0))
        grades[sub] = None if cells[1].strip() == "–" else _percent(cells[1])  # attempts, grade, best, ...
    return grades


def _csv(rig, browser, launch_id):
    response = browser.session.get(f"{rig.live.url}/l/{launch_id}/reports/gradebook.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    column = rows[0].index("Grade (%)")
    by_name = {row[0]: row[column] for row in rows[1:]}
    return {sub: (float(by_name[name]) / 100 if by_name[name] else None) for sub, name in NAMES.items()}


def _lms(rig):
    grades = {}
    for sub in NAMES:
        scores = rig.scores_for(sub)
        grades[sub] = (scores[-1].json["scoreGiven"] / scores[-1].json["scoreMaximum"]) if scores else None
    return grades


def _engine(rig, students, method):
    with rig.app.app_context():
        result = {}
        for sub, student in students.items():
            attempts = list(db.session.scalars(select(Attempt).where(
                Attempt.user_id == student.user_id, Attempt.resource_link_id == student.link_id
            ).order_by(Attempt.number)))
            grade = services.grade_of(attempts, method)
            result[sub] = None if grade is None else grade.fraction
        return result


def _save_grading(rig, browser, launch_id, method):
    home = browser.session.get(f"{rig.live.url}/l/{launch_id}/instructor")
    saved = browser.session.post(f"{rig.live.url}/l/{launch_id}/instructor/settings",
                                 data={"csrf_token": csrf_from(home.text), "grading": method})
    assert saved.status_code == 200, saved.text[:300]


def _same(a, b):
    return a is None and b is None or a is not None and b is not None and abs(a - b) < 0.006  # pages round


def test_start_page_gradebook_csv_and_lms_agree_for_every_method(rig, taken):
    assert set(EXPECTED) == set(GRADING_METHODS)
    with rig.live.browser() as browser:
        browser.session.headers["Accept-Language"] = "en"
        launch_id = _instructor(rig, browser)
        for method in GRADING_METHODS:
            _save_grading(rig, browser, launch_id, method)
            rig.drain()
            engine = _engine(rig, taken, method)
            seen = {
                "engine": engine,
                "start page": {sub: _start_page_grade(rig, sub) for sub in NAMES},
                "gradebook": _gradebook(rig, browser, launch_id),
                "csv": _csv(rig, browser, launch_id),
                "lms": _lms(rig),
            }
            for sub, expected in EXPECTED[method].items():
                for where, grades in seen.items():
                    assert _same(grades[sub], expected), (method, where, sub, grades[sub], expected)
            assert rig.lms.grade("6") is None  # practice only: the LMS never got a grade


def test_the_gradebook_sql_equals_the_engine_exactly(rig, taken):
    """The gradebook computes in SQL for speed; it must give engine.activity_grade's value, not a
    rounded or differently counted one."""
    from lms_module.reports import gradebook_queries
    from lms_module.reports.scope import Scope
    with rig.app.app_context():
        scope = Scope(None, taken["4"].link_id)
        for method in GRADING_METHODS:
            engine = _engine(rig, taken, method)
            rows = {r.user_id: r.grade for r in gradebook_queries.gradebook_rows(scope, method, 0.5)}
            for sub, student in taken.items():
                if engine[sub] is None:
                    assert rows.get(student.user_id) is None, (method, sub)
                else:
                    assert rows[student.user_id] == pytest.approx(engine[sub], rel=1e-12), (method, sub)
