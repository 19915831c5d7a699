"""A corrected key reaches the LMS: a course quiz's question is fixed in the bank, the quiz is
republished and the regrade applied; the worker then sends the student's new grade to the demo
LMS over HTTP (issue 12)."""
from lms_module.authoring import bank, course_quizzes as cq
from lms_module.courses.models import ResourceLink
from lms_module.extensions import db


def _tf(key: str, answer: bool = True) -> dict:
    return {"id": key, "type": "true_false", "text": {"de": f"Aussage {key}", "en": f"Statement {key}"},
            "answer": answer}


def test_course_quiz_regrade_reaches_the_lms(rig):
    first = rig.launch("4")  # the course and the activity exist after a first launch
    with rig.app.app_context():
        course_id = db.session.get(ResourceLink, first.link_id).course_id
        ids = [bank.save_question(course_id, _tf(k)).question_id for k in ("k1", "k2", "k3", "k4")]
        quiz = cq.create_quiz(course_id, "cq-regrade", {"de": "Neu bewerten", "en": "Regrade"}, "accuracy")
        _, draft = cq.draft_of(course_id, quiz.id)
        cq.add_questions(course_id, draft, ids)
        assert cq.publish(course_id, quiz.id).version == 1
        quiz_id = quiz.id
        db.session.commit()
    rig.use_quiz("cq-regrade")
    sam = rig.launch("4")
    rig.attempt(sam, correct=2)  # k1, k2 true; k3, k4 false: 2 of 4 under version 1's key
    rig.drain()
    assert rig.lms.grade("4").raw_grade == 50.0
    with rig.app.app_context():
        bank.save_question(course_id, _tf("k3", answer=False), question_id=ids[2])  # the corrected key
        assert cq.publish(course_id, quiz_id).version == 2
        plan = cq.plan_regrade(course_id, quiz_id)
        assert [(c.old, c.new, c.delta_percent) for c in plan.changes] == [((2.0, 4.0), (3.0, 4.0), 25.0)]
        outcome = cq.apply_regrade(course_id, quiz_id)
        db.session.commit()
    assert (outcome.attempts, outcome.grades) == (1, 1)
    report = rig.drain()
    assert report.sent == 1
    assert rig.lms.grade("4").raw_grade == 75.0
    assert rig.scores_for("4")[-1].json["scoreGiven"] == 3.0
