"""The item analysis computed by SQL on the real database equals the hand computation."""
import math

import pytest
from sqlalchemy import select

from lms_module.attempts import services
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.courses.models import ResourceLink, User
from lms_module.reports import analysis, formulas, item_queries
from lms_module.reports.scope import Scope

RIGHT, WRONG = {"choice": "a"}, {"choice": "b"}


def _scope(app, link="link-1"):
    with app.app_context():
        row = db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == link)).one()
        return Scope(row.course_id, row.id)


def _analyse(app, which="all", link="link-1"):
    scope = _scope(app, link)
    with app.app_context():
        row = db.session.get(ResourceLink, scope.link_id)
        content = services.quiz_for_link(row).content
        return analysis.item_analysis(scope, which, content, "en")


def _by_id(result):
    return {q.question_id: q for q in result.questions}


def test_worked_example_matches_the_hand_computation(app, worked_example):
    result = _analyse(app)
    q = _by_id(result)
    # q1: F = 0.5, SD = √(1/3), D = 100/√2 = 70.71, DE = 100 (see the unit test for the arithmetic)
    assert q["q1"].stats.attempts == 4
    assert q["q1"].stats.facility.value == pytest.approx(0.5)
    assert q["q1"].stats.sd.value == pytest.approx(math.sqrt(1 / 3))
    assert q["q1"].stats.discrimination.value == pytest.approx(100 / math.sqrt(2))
    assert q["q1"].stats.efficiency.value == pytest.approx(100)
    # q2 is unrelated to the rest: Cov = 0 → D = 0, DE = 0
    assert q["q2"].stats.discrimination.value == pytest.approx(0, abs=1e-9)
    assert q["q2"].stats.efficiency.value == pytest.approx(0, abs=1e-9)
    assert q["q3"].stats.discrimination.value == pytest.approx(100 / math.sqrt(2))
    # Whole quiz: X = 3,2,1,0 → mean 1.5, Var X = 5/3, CIC = 60, ER = 63.25, SE = √(2/3)
    assert result.quiz.attempts == 4 and result.quiz.questions == 3
    assert result.quiz.mean.value == pytest.approx(1.5)
    assert result.quiz.cic.value == pytest.approx(60)
    assert result.quiz.error_ratio.value == pytest.approx(100 * math.sqrt(0.4))
    assert result.quiz.standard_error.value == pytest.approx(math.sqrt(2 / 3))
    assert [row.position for row in result.questions] == [1, 2, 3]
    assert result.questions[0].text == "Question one"


def test_option_frequencies_split_by_thirds(app, worked_example):
    q1 = _by_id(_analyse(app))["q1"]
    options = {o.key: o for o in q1.options}
    # Attempt scores 1, 2/3, 1/3, 0 → NTILE(3) by score: bottom = Dora, Cem; middle = Ben; top = Anna.
    # q1: Anna and Ben chose a (right), Cem and Dora chose b.
    assert options["a"].of == [4, 2, 1]
    assert options["a"].chosen == [2, 0, 1] and options["a"].correct
    assert options["b"].chosen == [2, 2, 0] and not options["b"].correct
    assert options["c"].chosen == [0, 0, 0]
    assert options["a"].share(0) == 0.5 and options["b"].share(1) == 1.0 and options["a"].share(2) == 1.0
    assert options["a"].label == "Right one"


def test_one_student(app, teacher, student, attempt_for):
    attempt_for(student("solo"), {"q1": RIGHT, "q2": WRONG, "q3": {}})
    result = _analyse(app)
    q = _by_id(result)
    assert q["q1"].stats.facility.value == 1.0
    assert q["q1"].stats.sd.reason == formulas.ONE_ATTEMPT
    assert q["q1"].stats.discrimination.reason == formulas.ONE_ATTEMPT
    assert result.quiz.cic.reason == formulas.FEW_ATTEMPTS
    assert result.quiz.error_ratio.reason == formulas.NO_CIC


def test_everyone_right_and_a_question_nobody_answered(app, teacher, student, attempt_for):
    # q1 right for everyone, q2 blank for everyone, q3 varies: q3 = 1,1,0 → X = 2,2,1
    for index, q3 in enumerate((RIGHT, RIGHT, WRONG)):
        attempt_for(student(f"s{index}"), {"q1": RIGHT, "q2": {}, "q3": q3})
    q = _by_id(_analyse(app))
    assert q["q1"].stats.facility.value == 1.0 and q["q1"].stats.flags == ()  # three attempts: too few to flag
    assert q["q1"].stats.discrimination.reason == formulas.SAME_MARK
    assert q["q2"].stats.facility.value == 0.0 and q["q2"].stats.flags == ()
    assert q["q2"].stats.discrimination.reason == formulas.SAME_MARK
    # q3: rest = X − x = 1,1,1 for everyone → Var r = 0
    assert q["q3"].stats.discrimination.reason == formulas.SAME_REST


def test_no_attempts_at_all(app, teacher):
    result = _analyse(app)
    assert result.quiz.attempts == 0 and result.quiz.mean.reason == formulas.NO_GRADED_ATTEMPTS
    assert all(q.stats.attempts == 0 and q.stats.facility.reason == formulas.NO_ATTEMPTS for q in result.questions)


def test_questions_drawn_per_attempt_are_analysed_over_the_attempts_that_contained_them(
    app, teacher, student, attempt_for
):
    # Each attempt drew two of the three questions:
    #   u1: q1=1 q2=1 (X=2)   u2: q1=0 q3=1 (X=1)   u3: q2=0 q3=0 (X=0)   u4: q1=1 q2=0 (X=1)
    # q1 over u1, u2, u4: x = 1,0,1 → F = 2/3; r = 1,1,0
    # q3 over u2, u3:     x = 1,0   → F = 1/2
    plans = [({"q1": RIGHT, "q2": RIGHT}, ("q1", "q2")), ({"q1": WRONG, "q3": RIGHT}, ("q1", "q3")),
             ({"q2": WRONG, "q3": WRONG}, ("q2", "q3")), ({"q1": RIGHT, "q2": WRONG}, ("q1", "q2"))]
    for index, (responses, drawn) in enumerate(plans):
        attempt_for(student(f"u{index}"), responses, questions=drawn)
    result = _analyse(app)
    q = _by_id(result)
    assert (q["q1"].stats.attempts, q["q2"].stats.attempts, q["q3"].stats.attempts) == (3, 3, 2)
    assert q["q1"].stats.facility.value == pytest.approx(2 / 3)
    assert q["q3"].stats.facility.value == pytest.approx(0.5)
    # q1: mean x = 2/3, Var x = (1/9 + 4/9 + 1/9) / 2 = 1/3; mean r = 2/3, Var r = 1/3
    # Cov = ((1/3)(1/3) + (−2/3)(1/3) + (1/3)(−2/3)) / 2 = (1/9 − 2/9 − 2/9) / 2 = −1/6
    # D = 100 · (−1/6) / (1/3) = −50
    assert q["q1"].stats.discrimination.value == pytest.approx(-50)
    assert q["q1"].stats.flags == ()  # three attempts: too few to flag (formulas.FLAG_MIN_ATTEMPTS)
    assert result.quiz.cic.reason == formulas.DIFFERENT_QUESTIONS


def test_chosen_attempts_first_highest_last_and_all(app, teacher, student, attempt_for):
    # One student, three attempts in this order: X = 1, 3, 2; another student: one attempt, X = 0.
    anna, ben = student("anna"), student("ben")
    attempt_for(anna, {"q1": RIGHT, "q2": WRONG, "q3": WRONG})
    attempt_for(anna, {"q1": RIGHT, "q2": RIGHT, "q3": RIGHT})
    attempt_for(anna, {"q1": RIGHT, "q2": RIGHT, "q3": WRONG})
    attempt_for(ben, {"q1": WRONG, "q2": WRONG, "q3": WRONG})
    means = {which: _analyse(app, which).quiz.mean.value for which in item_queries.CHOSEN}
    assert means == pytest.approx({"all": (1 + 3 + 2 + 0) / 4, "first": 0.5, "highest": 1.5, "last": 1.0})


def test_option_counts_for_multiple_and_true_false(app, make_launch, quizzes, student, attempt_for):
    make_launch("instructor", quiz_slug=quizzes["mixed"], user_sub="teacher2", link_id="link-mixed")
    responses = [
        {"pick": {"choice": "a"}, "many": {"choices": ["a", "b"]}, "truth": {"value": True}},
        {"pick": {"choice": "b"}, "many": {"choices": ["a", "c"]}, "truth": {"value": False}},
        {"pick": {"choice": "a"}, "many": {"choices": ["d"]}, "truth": {}},
    ]
    for index, answer in enumerate(responses):
        attempt_for(student(f"m{index}", link="link-mixed"), answer, link="link-mixed")
    q = _by_id(_analyse(app, link="link-mixed"))
    many = {o.key: o.chosen[0] for o in q["many"].options}
    assert many == {"a": 2, "b": 1, "c": 1, "d": 1}
    truth = {o.key: (o.chosen[0], o.correct) for o in q["truth"].options}
    assert truth == {"true": (1, True), "false": (1, False)}
    assert q["truth"].options[0].of[0] == 3
    assert q["essay"].options == []
    # The essays are unanswered here, so the attempts are graded and analysed.
    assert q["essay"].stats.facility.value == 0.0


def test_an_instructor_preview_and_open_attempts_are_not_analysed(app, teacher, student, attempt_for):
    attempt_for(student("open"), {"q1": RIGHT}, submit=False)
    attempt_for(student("done"), {"q1": RIGHT, "q2": RIGHT, "q3": RIGHT})
    with app.app_context():
        link = db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == "link-1")).one()
        instructor = db.session.scalars(select(User).where(User.subject == "teacher")).one()
        preview = services.start_attempt(link, instructor.id, utcnow(), is_preview=True)
        services.submit_attempt(preview, utcnow())
        db.session.commit()
    assert _analyse(app).quiz.attempts == 1


def test_the_page_says_how_many_attempts_flags_need(client, teacher, student, attempt_for):
    """Two attempts right on everything flagged every question "very easy"; now the page flags
    nothing and says from how many attempts on it does."""
    for index in range(2):
        attempt_for(student(f"few{index}"), {"q1": RIGHT, "q2": RIGHT, "q3": RIGHT})
    html = client.get(f"/l/{teacher}/reports/items").get_data(as_text=True)
    assert "Very easy" not in html
    assert "at least 10 analysed attempts" in html and "No question is flagged." in html


def test_before_any_graded_attempt_the_page_says_so_once(client, teacher):
    """With nothing to analyse the page showed five statistics of the whole quiz each saying "No
    chosen attempt contained this question." (a question, for the whole quiz), and a notice of four
    columns saying it again: now one sentence says that no graded attempt is there yet."""
    html = client.get(f"/l/{teacher}/reports/items").get_data(as_text=True)
    assert html.count("No student has submitted a graded attempt yet.") == 1
    assert "No chosen attempt contained this question." not in html
    assert "Whole quiz" not in html and "Statistics per question" not in html


def test_before_any_graded_attempt_the_german_page_says_so_in_german(client, make_launch, quizzes):
    teacher_de = make_launch("instructor", quiz_slug=quizzes["stats"], user_sub="lehrerin", locale="de")
    html = client.get(f"/l/{teacher_de}/reports/items").get_data(as_text=True)
    assert "Noch hat niemand einen bewerteten Versuch abgegeben." in html
