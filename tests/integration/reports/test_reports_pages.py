"""The report pages as HTML (one h1, unique ids, labelled fields, captioned tables, accessible
charts) and the responses and item-analysis exports."""
import csv
import io
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from lms_module.attempts.models import Attempt
from lms_module.extensions import db
from lms_module.reports.exports import BOM

RIGHT, WRONG = {"choice": "a"}, {"choice": "b"}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.labels_for, self.fields, self.h1, self.tables, self.captions = [], set(), [], 0, 0, 0
        self.forms, self.csrf, self.th_without_scope, self.svgs = 0, 0, 0, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "label" and "for" in a:
            self.labels_for.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.fields.append(a)
        if tag == "h1":
            self.h1 += 1
        if tag == "table":
            self.tables += 1
        if tag == "caption":
            self.captions += 1
        if tag == "form" and a.get("method") == "post":
            self.forms += 1
        if tag == "input" and a.get("name") == "csrf_token":
            self.csrf += 1
        if tag == "th" and "scope" not in a:
            self.th_without_scope += 1
        if tag == "svg":
            self.svgs.append(a)


def check_page(html):
    page = _Page()
    page.feed(html)
    assert page.h1 == 1
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    assert duplicates == set()
    assert all(f.get("id") in page.labels_for for f in page.fields), page.fields
    assert page.tables == page.captions and page.th_without_scope == 0
    assert page.forms == page.csrf
    for svg in page.svgs:
        assert svg["role"] == "img"
        for ref in svg["aria-labelledby"].split():
            assert ref in page.ids
    return page


@pytest.fixture
def data(app, teacher, worked_example, student, attempt_for):
    cem = worked_example["Cem"]
    attempt_for(cem, {"q1": RIGHT, "q2": RIGHT, "q3": {}})
    attempt_for(student("eve", name="Eve Ekşi"), {"q1": RIGHT}, submit=False)
    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.user_id == cem).order_by(Attempt.number)).first()
        return {"attempt": attempt.public_id, "user": cem}


def test_every_page_is_well_formed(client, teacher, data):
    pages = ["", "summary", "items", "items?attempts=first", "grading", f"students/{data['user']}",
             f"attempts/{data['attempt']}", "?sort=time&dir=desc&filter=in_progress"]
    for page in pages:
        response = client.get(f"/l/{teacher}/reports/{page}")
        assert response.status_code == 200, page
        check_page(response.get_data(as_text=True))


def test_the_summary_draws_accessible_charts_with_a_table(client, teacher, data):
    html = client.get(f"/l/{teacher}/reports/summary").get_data(as_text=True)
    page = check_page(html)
    assert len(page.svgs) == 2  # the distribution and mastery by topic
    assert '<title id="histogram-title">Score distribution</title>' in html
    assert "Students per grade range" in html and "Accuracy and attention to detail" in html
    assert "Pass rate" in html


def test_the_item_analysis_page_explains_missing_values(client, teacher, data):
    html = client.get(f"/l/{teacher}/reports/items?attempts=first").get_data(as_text=True)
    assert "Question one" in html and "Right one" in html
    # The first attempts are the worked example: q1 discriminates with D = 70.7.
    assert "70.7" in html
    one = client.get(f"/l/{teacher}/reports/items?attempts=nonsense").get_data(as_text=True)
    assert "All graded attempts" in one


def test_undefined_statistics_show_a_dash_with_the_reason(client, teacher, student, attempt_for):
    attempt_for(student("solo"), {"q1": RIGHT, "q2": WRONG, "q3": WRONG})
    html = client.get(f"/l/{teacher}/reports/items").get_data(as_text=True)
    assert "A spread needs at least two attempts." in html
    assert "Needs more than two attempts." in html
    assert "NaN" not in html and "nan" not in html


def test_a_reason_shared_by_a_whole_column_is_said_once(client, teacher, student, attempt_for):
    """With one attempt, every row's spread and correlations are undefined for the same reasons: the
    page said them in three cells of every row (60 times for a quiz of 20); now once per column
    above the table, the cells show "–", and a reason that differs by row stays in its cell."""
    attempt_for(student("solo"), {"q1": RIGHT, "q2": WRONG, "q3": WRONG})
    html = client.get(f"/l/{teacher}/reports/items").get_data(as_text=True)
    table = html.split('<table aria-describedby="items-undefined">', 1)[1].split("</table>", 1)[0]
    notice = html.split('id="items-undefined"', 1)[1].split("</div>", 1)[0]
    assert "Standard deviation: A spread needs at least two attempts." in notice
    assert "Discrimination index: A spread needs at least two attempts." in notice
    assert "Discriminative efficiency: A spread needs at least two attempts." in notice
    assert "Facility:" not in notice  # one attempt gives every facility a value
    assert "stat-reason" not in table and table.count("<td class=\"report-num\">–</td>") == 3 * 3


def test_responses_export(app, client, teacher, data, student, attempt_for):
    attempt_for(student("mal", name="Mallory"), {"q1": {"choice": "c"}, "q2": RIGHT, "q3": RIGHT})
    response = client.get(f"/l/{teacher}/reports/responses.csv")
    assert response.status_code == 200
    raw = response.get_data()
    assert raw.startswith(BOM.encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    mallory = [r for r in rows if r["Name"] == "Mallory"]
    assert [r["Question id"] for r in mallory] == ["q1", "q2", "q3"]
    assert mallory[0]["Response"] == "Wrong C" and mallory[0]["Marks"] == "0" and mallory[1]["Marks"] == "1"
    assert mallory[0]["Question"] == "Question one"
    assert {r["Name"] for r in rows} >= {"Anna", "Ben", "Cem", "Dora", "Mallory"}
    assert "Eve Ekşi" not in {r["Name"] for r in rows}  # attempts in progress are not exported


def test_responses_export_neutralises_formulas_and_keeps_essays(app, client, make_launch, quizzes, student,
                                                                attempt_for):
    launch = make_launch("instructor", quiz_slug=quizzes["mixed"], user_sub="teacher", link_id="link-mixed")
    text = '=HYPERLINK("http://evil.example","Klick"), sagt Jürgen'
    attempt_for(student("j", name="Jürgen Groß", link="link-mixed"),
                {"essay": {"text": text}, "many": {"choices": ["a", "c"]}, "truth": {"value": False}},
                link="link-mixed")
    rows = list(csv.DictReader(io.StringIO(client.get(f"/l/{launch}/reports/responses.csv").get_data().decode("utf-8-sig"))))
    by_question = {r["Question id"]: r for r in rows}
    assert by_question["essay"]["Response"] == "'" + text
    assert by_question["essay"]["Marks"] == ""  # awaiting grading
    assert by_question["many"]["Response"] == "Tax number; Favourite colour"
    assert by_question["truth"]["Response"] == "False"
    assert rows[0]["Name"] == "Jürgen Groß"


def test_item_analysis_export(client, teacher, worked_example):
    response = client.get(f"/l/{teacher}/reports/items.csv?attempts=all")
    assert response.status_code == 200 and "items-all.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    quiz = rows[0]
    assert quiz["Row"] == "quiz" and quiz["Attempts"] == "4"
    assert float(quiz["Coefficient of internal consistency (%)"]) == pytest.approx(60)
    questions = {r["Question id"]: r for r in rows if r["Row"] == "question"}
    assert float(questions["q1"]["Discrimination index"]) == pytest.approx(70.7107, abs=1e-3)
    assert float(questions["q1"]["Facility (%)"]) == pytest.approx(50)
    options = [r for r in rows if r["Row"] == "option" and r["Question id"] == "q1"]
    assert [(o["Option"], o["Chosen (%)"], o["Correct option"]) for o in options] == [
        ("Right one", "50", "1"), ("Wrong B", "50", "0"), ("Wrong C", "0", "0")]


def test_item_analysis_export_explains_undefined_values(client, teacher, student, attempt_for):
    attempt_for(student("solo"), {"q1": RIGHT, "q2": WRONG, "q3": WRONG})
    rows = list(csv.DictReader(io.StringIO(client.get(f"/l/{teacher}/reports/items.csv").get_data().decode("utf-8-sig"))))
    q1 = next(r for r in rows if r["Question id"] == "q1" and r["Row"] == "question")
    assert q1["Discrimination index"] == "" and "at least two attempts" in q1["Notes"]


def test_pages_speak_german_for_a_german_launch(client, make_launch, quizzes, worked_example):
    launch = make_launch("instructor", quiz_slug=quizzes["stats"], user_sub="lehrerin", locale="de")
    html = client.get(f"/l/{launch}/reports/items").get_data(as_text=True)
    assert '<html lang="de">' in html
    assert "Frage eins" in html  # the quiz text in the launch language
    assert re.search(r"70,7", html)  # German decimal comma
