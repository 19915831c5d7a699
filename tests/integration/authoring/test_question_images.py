"""Course images end to end: an instructor uploads a PNG, writes ![description](image:ID) into a
question through the editor and publishes a course quiz with it; the student's page shows the
image with a URL of the student's own launch, which answers with the PNG; another course's
student gets a 404, and a question outside the image's course shows the description only."""
from __future__ import annotations

import html as html_module
import re

from sqlalchemy import select

from lms_module.authoring.models import BankImage, BankQuestion
from lms_module.courses.models import ResourceLink
from lms_module.engine.text import IMAGE_REFERENCE, image_url
from lms_module.extensions import db
from support.apps import session_csrf_token
from test_question_editor import single
from test_question_editor_security import png, upload


def _start(client, launch: str) -> str:
    """The student starts the activity's quiz; returns the first page's HTML."""
    response = client.post(f"/l/{launch}/quiz/start", data={"csrf_token": session_csrf_token(client.application, client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    page = client.get(response.location)
    assert page.status_code == 200
    return page


def test_an_uploaded_image_reaches_the_students_page_of_a_course_quiz(app, client, make_launch):
    teacher = make_launch("instructor", link_id="link-1")
    token = session_csrf_token(app, client)
    assert upload(client, teacher, token, png(), "invoice.png").status_code == 302
    with app.app_context():
        image_id = db.session.scalars(select(BankImage.id)).one()

    # The snippet the images page lists goes into the stem through the editor.
    snippet = f"![VAT invoice <1>](image:{image_id})"
    assert snippet.replace(" <1>", "").replace("VAT invoice", "invoice.png") in client.get(
        f"/l/{teacher}/authoring/images").get_data(as_text=True)
    saved = client.post(f"/l/{teacher}/authoring/questions/new?type=single",
                        data=single(token, text_en=f"What is the rate on {snippet}?", text_de=f"Satz auf {snippet}?"))
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    with app.app_context():
        question_id = db.session.scalars(select(BankQuestion.id)).one()

    created = client.post(f"/l/{teacher}/authoring/quizzes/new", data={
        "csrf_token": token, "slug": "pictures", "title_de": "Bilder", "title_en": "Pictures", "topic": "accuracy"})
    assert created.status_code == 302, created.get_data(as_text=True)[:800]
    quiz_id = int(re.search(r"/quizzes/(\d+)", created.location).group(1))
    assert client.post(f"/l/{teacher}/authoring/quizzes/{quiz_id}/questions",
                       data={"csrf_token": token, "questions": [str(question_id)]}).status_code == 302
    assert client.post(f"/l/{teacher}/authoring/quizzes/{quiz_id}/publish",
                       data={"csrf_token": token}).status_code == 302
    with app.app_context():
        db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == "link-1")).one().quiz_slug = "pictures"
        db.session.commit()

    # Two students of the course, each with their own launch: each page carries its own launch's
    # URL (the parsed quiz is cached across requests; the URL is resolved per request).
    pages = {}
    for name in ("ann", "bob"):
        browser = app.test_client()
        launch = make_launch("student", user_sub=name, link_id="link-1", test_client=browser)
        page = _start(browser, launch)
        html = page.get_data(as_text=True)
        url = f"/l/{launch}/authoring/images/{image_id}"
        assert f'<img src="{url}" alt="VAT invoice &lt;1&gt;" loading="lazy">' in html
        assert "(image:" not in html
        assert "img-src 'self' data:" in page.headers["Content-Security-Policy"]  # same-origin images allowed
        image = browser.get(url)
        assert image.status_code == 200 and image.mimetype == "image/png" and image.data == png()
        assert image.headers["X-Content-Type-Options"] == "nosniff"
        assert image.headers["Cache-Control"].startswith("private, max-age=")
        pages[name] = (launch, html)
    assert pages["ann"][0] not in pages["bob"][1] and pages["bob"][0] not in pages["ann"][1]
    assert image_url.get() is None  # reset after each request: nothing outlives it in this thread

    # A student of another course cannot fetch it, even with the id from a shared link.
    stranger = app.test_client()
    other = make_launch("student", user_sub="eve", course_context="course-2", link_id="link-2", test_client=stranger)
    assert stranger.get(f"/l/{other}/authoring/images/{image_id}").status_code == 404
    assert stranger.get(f"/l/{pages['ann'][0]}/authoring/images/{image_id}").status_code == 403


def test_another_courses_image_id_in_a_question_shows_only_its_description(app, client, make_launch):
    owner = make_launch("instructor", link_id="link-1")
    upload(client, owner, session_csrf_token(app, client), png())
    with app.app_context():
        image_id = db.session.scalars(select(BankImage.id)).one()
    rival = app.test_client()
    teacher = make_launch("instructor", user_sub="rival", course_context="course-2", link_id="link-2", test_client=rival)
    token = session_csrf_token(app, rival)
    snippet = f"![their chart](image:{image_id})"
    assert rival.post(f"/l/{teacher}/authoring/questions/new?type=single",
                      data=single(token, text_en=snippet, text_de=snippet)).status_code == 302
    with app.app_context():
        question_id = db.session.scalars(select(BankQuestion.id)).one()
    preview = rival.get(f"/l/{teacher}/authoring/questions/{question_id}/preview?lang=en").get_data(as_text=True)
    assert "[their chart]" in preview and "<img src=\"/l/" not in preview


def test_the_listed_snippet_is_one_the_engine_renders_whatever_the_file_name(app, client, make_launch):
    teacher = make_launch("instructor")
    upload(client, teacher, session_csrf_token(app, client), png(), "[scan] " + "x" * 250 + ".png")
    html = client.get(f"/l/{teacher}/authoring/images").get_data(as_text=True)
    snippet = html_module.unescape(re.search(r"<code>(!\[.*?\]\(image:\d+\))</code>", html).group(1))
    assert IMAGE_REFERENCE.fullmatch(snippet), snippet
