"""Every authoring URL in one walk (issue 12, "Rules and tests"): each rule of the authoring
blueprints (instructor page and deep linking, bank, course quiz editor, question editor, images) is
requested with real ids of course-1 by a student of that course, an instructor of course-2 and a
browser without a launch. A new authoring route that nobody walks fails `test_the_walk_knows_every_rule`;
a route that forgets its role or course check fails the parametrised walk."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms_module.authoring import bank, course_quizzes as cq
from lms_module.authoring.models import BankImage
from lms_module.courses.models import LaunchSession
from lms_module.extensions import db
from support.apps import session_csrf_token

BLUEPRINTS = ("authoring.", "bank.", "course_quizzes.", "question_editor.")
# Query strings that make a rule act on course-1's objects (ids in the query, not the path).
QUERY = {
    "bank.export_page": "?q={question}&format=gift&language=de",
    "bank.export_download": "?q={question}&format=gift&language=de",
    "question_editor.new_question": "?type=single",
}
# Rules that name course-1's objects in the query or the form rather than the path.
NAMED_OUTSIDE_THE_PATH = {"bank.export_page", "bank.export_download", "bank.bulk"}
# Form fields that make a POST act on course-1's objects once the role check lets it through.
FORM = {"questions": "{question}", "action": "up", "slug": "copy-of-ours", "source": "ours-secret", "tag": "t",
        "count": "1", "quiz": "ours-secret", "upload": "x", "format": "gift", "language": "de"}
FORM_FOR = {"bank.bulk": {"action": "delete"}}
# The one rule students of the course may use: a question's image appears on their own pages.
STUDENT_MAY = {"question_editor.image"}


def _rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint.startswith(BLUEPRINTS)), key=lambda r: r.rule)


@pytest.fixture
def ours(app, make_launch):
    """Course-1 with one of each object an authoring URL can name: a bank question, an image and a
    published course quiz (its slug is only course-1's)."""
    launch = make_launch("instructor", user_sub="owner")
    with app.app_context():
        course_id = db.session.get(LaunchSession, launch).course_id
        question = bank.save_question(course_id, {"id": "secret-q", "type": "true_false",
                                                  "text": {"de": "Geheim", "en": "Secret"}, "answer": True}).question_id
        image = BankImage(course_id=course_id, name="secret.png", media_type="image/png", sha256="0" * 64, data=b"\x89PNG")
        db.session.add(image)
        quiz = cq.create_quiz(course_id, "ours-secret", {"de": "Geheim", "en": "Secret"}, "accuracy")
        _, draft = cq.draft_of(course_id, quiz.id)
        cq.add_questions(course_id, draft, [question])
        assert cq.publish(course_id, quiz.id).outcome == "updated"
        db.session.commit()
        return {"launch": launch, "question": question, "image": image.id, "quiz": quiz.id}


def _values(rule, launch_id: str, ids: dict) -> dict:
    values = {"launch_id": launch_id, "question_id": ids["question"], "image_id": ids["image"],
              "quiz_id": ids["quiz"], "index": 0, "slug": "ours-secret"}
    return {k: v for k, v in values.items() if k in rule.arguments}


def _call(client, rule, launch_id: str, ids: dict, token: str):
    url = rule.build(_values(rule, launch_id, ids))[1] + QUERY.get(rule.endpoint, "").format(**ids)
    if "POST" in rule.methods:
        form = {k: v.format(**ids) for k, v in {**FORM, **FORM_FOR.get(rule.endpoint, {})}.items()}
        response = client.post(url, data={"csrf_token": token, **form})
    else:
        response = client.get(url)
    response.get_data()
    return response


def _names_an_object(rule) -> bool:
    return bool({"question_id", "image_id", "quiz_id", "slug"} & set(rule.arguments)) or rule.endpoint in NAMED_OUTSIDE_THE_PATH


def test_the_walk_knows_every_rule(app):
    """Every authoring rule can be built from the walk's values: a new route with an argument the
    walk does not know fails here, so it cannot slip through unwalked."""
    rules = _rules(app)
    assert len(rules) >= 25
    ids = {"question": 1, "image": 1, "quiz": 1}
    for rule in rules:
        missing = set(rule.arguments) - set(_values(rule, "x", ids))
        assert not missing, f"{rule.rule}: the access walk has no value for {missing}"
        assert str(getattr(app.view_functions[rule.endpoint], "kontor_access", "")).startswith("launch:"), rule.rule


@pytest.mark.parametrize("caller", ["student", "instructor of another course", "anonymous"])
def test_every_authoring_url_refuses_those_it_is_not_for(app, client, ours, make_launch, caller):
    other = app.test_client()
    token = session_csrf_token(app, other)
    if caller == "student":
        launch = make_launch("student", user_sub="ben", test_client=other)
    elif caller == "instructor of another course":
        launch = make_launch("instructor", user_sub="rival", course_context="course-2", link_id="link-2",
                             test_client=other)
    seen = []
    for rule in _rules(app):
        if caller == "student":
            response = _call(other, rule, launch, ours, token)
            expected = (200,) if rule.endpoint in STUDENT_MAY else (403,)
        elif caller == "instructor of another course":
            # Our launch id in their browser is not theirs ...
            assert _call(other, rule, ours["launch"], ours, token).status_code == 403, rule.rule
            # ... and through their own launch, our ids do not exist.
            response = _call(other, rule, launch, ours, token)
            expected = (404,) if _names_an_object(rule) else (200, 302, 400, 404, 422)  # their own course
            body = response.get_data(as_text=True)
            assert "Secret" not in body and "Geheim" not in body and "secret-q" not in body, rule.rule
        else:
            response = _call(other, rule, ours["launch"], ours, token)
            expected = (403,)
            assert _call(other, rule, "no-such-launch", ours, token).status_code == 403, rule.rule
        assert response.status_code in expected, (rule.rule, response.status_code)
        seen.append(rule.endpoint)
    assert len(seen) == len(_rules(app))
