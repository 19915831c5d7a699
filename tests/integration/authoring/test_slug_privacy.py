"""Importing a quiz never tells one course what slugs another course uses (issue 9: "the slug 'x' is
already used" confirmed that another course had a private quiz of that name)."""
from __future__ import annotations

from test_import_own_quiz import OWN, _upload  # noqa: F401  (same file, same upload)


def _refusal(response) -> str:
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    return body.split('class="notice notice--error" role="alert">', 1)[1].split("</div>", 1)[0]


def test_another_courses_private_slug_gets_the_answer_of_a_reserved_slug(app, client, make_launch):
    teacher_a = make_launch("instructor")
    assert _upload(client, teacher_a, OWN.replace("our-filing-rules", "secret-merger-plan")).status_code == 302

    other = app.test_client()
    teacher_b = make_launch("instructor", course_context="course-2", link_id="link-2", test_client=other)
    private = _refusal(_upload(other, teacher_b, OWN.replace("our-filing-rules", "secret-merger-plan")))
    # A slug of the built-in library that was never imported into this database: reserved all the same.
    reserved = _refusal(_upload(other, teacher_b, OWN.replace("our-filing-rules", "accuracy-exam")))
    assert private == reserved
    assert "secret-merger-plan" not in private and "already used" not in private
    assert "this slug cannot be used for a quiz of this course; choose another slug" in private


def test_a_course_may_import_its_own_slug_again(client, make_launch):
    teacher = make_launch("instructor")
    assert _upload(client, teacher, OWN).status_code == 302
    assert _upload(client, teacher, OWN.replace("Invoices", "All invoices")).status_code == 302
