"""Importing a quiz never tells one course what slugs another course uses (issue 9: "the slug 'x' is
already used" confirmed that another course had a private quiz of that name). Every course has its
own slug namespace: course B's import of course A's slug makes B's own quiz and leaves A's alone,
so it answers exactly as for a slug nobody uses. Only the library's slugs are refused."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from lms_module.extensions import db
from lms_module.library.models import Quiz, QuizVersion
from lms_module.library.services import import_path
from test_import_own_quiz import OWN, _upload  # noqa: F401  (same file, same upload)

ALL_TYPES = Path(__file__).resolve().parents[2] / "unit" / "engine" / "fixtures" / "all_types.yaml"
A_QUIZ = OWN.replace("our-filing-rules", "secret-merger-plan")
B_QUIZ = A_QUIZ.replace("Our filing rules", "Our merger checklist").replace("Unsere Ablage", "Unsere Fusionsliste")


def _refusal(response) -> str:
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    return body.split('class="notice notice--error" role="alert">', 1)[1].split("</div>", 1)[0]


def _course_b(app, make_launch, role="instructor", **kwargs):
    other = kwargs.pop("test_client", None) or app.test_client()
    return other, make_launch(role, course_context="course-2", link_id="link-2", test_client=other, **kwargs)


def _a_quiz(app) -> tuple[int, list[tuple[int, str, str]]]:
    """Course A's quiz of the shared slug: its id and its versions (number, hash, English title)."""
    with app.app_context():
        quiz = db.session.scalars(select(Quiz).where(Quiz.slug == "secret-merger-plan").order_by(Quiz.id)).first()
        versions = db.session.execute(select(QuizVersion.number, QuizVersion.content_hash, QuizVersion.title_en)
                                      .where(QuizVersion.quiz_id == quiz.id)).all()
        return quiz.id, [tuple(v) for v in versions]


def test_two_courses_each_have_their_own_quiz_of_one_slug(app, client, make_launch):
    teacher_a = make_launch("instructor")
    assert _upload(client, teacher_a, A_QUIZ).status_code == 302
    other, teacher_b = _course_b(app, make_launch)
    assert _upload(other, teacher_b, B_QUIZ).status_code == 302
    with app.app_context():
        owners = db.session.scalars(select(Quiz.course_id).where(Quiz.slug == "secret-merger-plan")).all()
        assert len(owners) == 2 and None not in owners and owners[0] != owners[1]
    # Each course lists, previews, exports and launches its own quiz, never the other's.
    for browser, teacher, own, foreign in ((client, teacher_a, "Our filing rules", "Our merger checklist"),
                                           (other, teacher_b, "Our merger checklist", "Our filing rules")):
        for url in (f"/l/{teacher}/instructor/choose", f"/l/{teacher}/library/secret-merger-plan/preview",
                    f"/l/{teacher}/library/secret-merger-plan/quiz.yaml", f"/l/{teacher}/instructor"):
            page = browser.get(url).get_data(as_text=True)
            assert own in page and foreign not in page, url
    student_a = make_launch("student", quiz_slug="secret-merger-plan")
    page_a = client.get(f"/l/{student_a}/quiz").get_data(as_text=True)
    assert "Our filing rules" in page_a and "Our merger checklist" not in page_a
    other_b, student_b = _course_b(app, make_launch, "student", quiz_slug="secret-merger-plan")
    page_b = other_b.get(f"/l/{student_b}/quiz").get_data(as_text=True)
    assert "Our merger checklist" in page_b and "Our filing rules" not in page_b


def test_another_courses_slug_imports_like_a_slug_nobody_uses_and_leaves_that_quiz_alone(app, client, make_launch):
    """The attack: course B probes whether course A has a quiz `secret-merger-plan`."""
    teacher_a = make_launch("instructor")
    assert _upload(client, teacher_a, A_QUIZ).status_code == 302
    before = _a_quiz(app)
    other, teacher_b = _course_b(app, make_launch)
    answers = []
    for slug in ("secret-merger-plan", "nobody-uses-this-slug"):
        response = _upload(other, teacher_b, B_QUIZ.replace("secret-merger-plan", slug))
        assert response.status_code == 302
        answers.append(other.get(response.headers["Location"]).get_data(as_text=True))
    assert all("The quiz was imported." in page and "A new version" not in page for page in answers)
    # Importing again (a new version of B's own quiz) does not touch A's quiz either.
    assert _upload(other, teacher_b, B_QUIZ.replace("Invoices", "All invoices")).status_code == 302
    assert _a_quiz(app) == before
    assert before[1][0][0] == 1 and before[1][0][2] == "Our filing rules" and len(before[1]) == 1


def test_a_library_slug_gets_one_answer_whether_imported_or_only_a_file(app, client, make_launch):
    """A course may not shadow the library: its slugs stay refused, with one message."""
    with app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()
    teacher = make_launch("instructor")
    imported = _refusal(_upload(client, teacher, OWN.replace("our-filing-rules", "all-types")))
    # A slug of the built-in library that was never imported into this database: reserved all the same.
    reserved = _refusal(_upload(client, teacher, OWN.replace("our-filing-rules", "accuracy-exam")))
    assert imported == reserved
    assert "all-types" not in imported and "already used" not in imported
    assert "this slug cannot be used for a quiz of this course; choose another slug" in imported
    with app.app_context():
        assert db.session.scalars(select(Quiz.course_id)).all() == [None]


def test_a_course_may_import_its_own_slug_again(client, make_launch):
    teacher = make_launch("instructor")
    assert _upload(client, teacher, OWN).status_code == 302
    assert _upload(client, teacher, OWN.replace("Invoices", "All invoices")).status_code == 302
