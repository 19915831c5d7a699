"""The start page's question count and points: exact for a fixed quiz, a range when draws or
questions_per_attempt make attempts differ."""
from lms_module.engine.schema import Quiz
from lms_module.engine.size import attempt_size


def _quiz(points, pools=None, draws=(), per_attempt=None):
    questions = []
    for index, value in enumerate(points):
        question = {"id": f"q{index}", "type": "true_false", "points": value, "answer": True,
                    "text": {"de": "Stimmt das?", "en": "Is it so?"}}
        if pools and pools[index]:
            question["pool"] = pools[index]
        questions.append(question)
    return Quiz.model_validate({
        "slug": "size", "title": {"de": "Größe", "en": "Size"}, "topic": "accuracy",
        "settings": {"questions_per_attempt": per_attempt}, "questions": questions,
        "draws": [{"pool": p, "count": c} for p, c in draws],
    })


def test_a_fixed_quiz_has_exact_counts():
    size = attempt_size(_quiz([1, 2, 1.5]))
    assert (size.questions, size.min_points, size.max_points, size.fixed) == (3, 4.5, 4.5, True)


def test_draws_and_a_subset_give_a_range():
    quiz = _quiz([1, 1, 2, 3], pools=[None, "p", "p", "p"], draws=[("p", 1)])
    size = attempt_size(quiz)
    assert (size.questions, size.min_points, size.max_points, size.fixed) == (2, 2, 4, False)
    size = attempt_size(_quiz([1, 2, 3]), questions_per_attempt=2)
    assert (size.questions, size.min_points, size.max_points) == (2, 3, 5)
