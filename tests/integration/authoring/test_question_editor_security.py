"""The question editor's guards: images are PNG/JPEG by their bytes (SVG refused), capped in size,
served with nosniff and private caching, and only within their course; the XSS payload list typed
into every field renders inert in the editor, the student preview and the student's page; every
route refuses students, strangers and other courses."""
import io
import re
import struct
from html.parser import HTMLParser
import zlib

import pytest
from sqlalchemy import func, select

from lms_module.authoring.models import BankImage, BankQuestion
from lms_module.engine import limits
from lms_module.extensions import db
from support.xss import XSS
from support.apps import session_csrf_token
from test_question_editor import single


def png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


class _Tags(HTMLParser):
    """Every element and attribute the browser would build from the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def assert_inert(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag not in ("svg", "iframe", "object", "embed", "b"), tag
        if tag == "script":
            assert dict(attrs).get("src", "").startswith("/static/"), attrs  # only Kontor's own files
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src", "action"):
                assert not (value or "").strip().lower().startswith("javascript:"), (tag, name, value)
    assert "49" not in re.sub(r"<[^>]+>", "", html) or "{{7*7}}" in html  # no template evaluation


@pytest.fixture
def teacher(make_launch):
    return make_launch("instructor")


def upload(client, launch, token, data, name="x.png"):
    # A multipart body built in memory (the test client would spool a large one to a temporary
    # file that stays open when Kontor refuses the body unread with 413).
    boundary = "kontor-test-boundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return client.post(f"/l/{launch}/authoring/images", input_stream=io.BytesIO(body),
                       content_type=f"multipart/form-data; boundary={boundary}", content_length=len(body))


def images(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(BankImage))


def test_png_is_stored_and_served_with_guards(app, client, teacher):
    token = session_csrf_token(app, client)
    assert upload(client, teacher, token, png()).status_code == 302
    with app.app_context():
        image_id = db.session.scalars(select(BankImage.id)).one()
    response = client.get(f"/l/{teacher}/authoring/images/{image_id}")
    assert response.status_code == 200 and response.data == png()
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"].startswith("private, max-age=")
    assert client.get(f"/l/{teacher}/authoring/images/{image_id}",
                      headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    html = client.get(f"/l/{teacher}/authoring/images").get_data(as_text=True)
    assert f"(image:{image_id})" in html


@pytest.mark.parametrize("data, name", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg"),
    (b'<?xml version="1.0"?><svg/>', "x.png"),  # a name does not make a PNG
    (b"GIF89a....", "x.gif"),
    (b"<html><script>alert(1)</script>", "x.jpg"),
])
def test_other_files_are_refused(app, client, teacher, data, name):
    token = session_csrf_token(app, client)
    response = upload(client, teacher, token, data, name)
    assert response.status_code == 422
    assert "Only PNG and JPEG" in response.get_data(as_text=True)
    assert images(app) == 0


def test_an_image_over_the_cap_is_refused(app, client, teacher):
    token = session_csrf_token(app, client)
    response = upload(client, teacher, token, png() + b"\x00" * limits.MAX_IMAGE_BYTES)
    assert response.status_code in (413, 422)
    assert re.search("too large|larger than|zu groß|größer als", response.get_data(as_text=True))
    assert images(app) == 0


def test_another_courses_image_is_not_found_but_students_of_the_course_see_it(app, client, teacher, make_launch):
    token = session_csrf_token(app, client)
    upload(client, teacher, token, png())
    with app.app_context():
        image_id = db.session.scalars(select(BankImage.id)).one()
    rival = app.test_client()
    other = make_launch("instructor", user_sub="rival", course_context="course-2", link_id="link-2", test_client=rival)
    assert rival.get(f"/l/{other}/authoring/images/{image_id}").status_code == 404
    student = app.test_client()
    mine = make_launch("student", user_sub="ann", test_client=student)
    assert student.get(f"/l/{mine}/authoring/images/{image_id}").status_code == 200
    assert student.get(f"/l/{mine}/authoring/images").status_code == 403


def test_editor_routes_refuse_students_and_strangers(app, client, teacher, make_launch):
    token = session_csrf_token(app, client)
    assert client.post(f"/l/{teacher}/authoring/questions/new?type=single", data=single(token)).status_code == 302
    with app.app_context():
        qid = db.session.scalars(select(BankQuestion.id)).one()
    paths = ["/authoring/questions/new", "/authoring/questions/new?type=single", f"/authoring/questions/{qid}/edit",
             f"/authoring/questions/{qid}/preview", "/authoring/images"]
    student = app.test_client()
    launch = make_launch("student", user_sub="ann", test_client=student)
    stranger = app.test_client()
    for path in paths:
        assert student.get(f"/l/{launch}{path}").status_code == 403, path
        assert stranger.get(f"/l/{teacher}{path}").status_code == 403, path
    student_token = session_csrf_token(app, student)
    assert student.post(f"/l/{launch}/authoring/questions/{qid}/edit", data=single(student_token)).status_code == 403
    assert client.get(f"/l/{teacher}/authoring/questions/99999999999999/edit").status_code == 404


def test_a_10_mb_paste_is_the_error_page(app, client, teacher):
    token = session_csrf_token(app, client)
    response = client.post(f"/l/{teacher}/authoring/questions/new?type=single",
                           data=single(token, text_de="x" * (10 * 1024 * 1024)))
    assert response.status_code == 413
    assert re.search("too large|zu groß", response.get_data(as_text=True))  # the one error page, translated
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BankQuestion)) == 0


def xss_single(token, payload):
    return single(token, key="xss", text_de=payload, text_en=payload, explanation_de=payload, explanation_en=payload,
                  **{f"options-{i}-{k}": f"{payload} {i}" for i in range(3) for k in ("text_de", "text_en", "feedback_de", "feedback_en")})


@pytest.mark.parametrize("payload", XSS)
def test_payloads_in_every_field_render_inert(app, client, teacher, make_launch, payload):
    token = session_csrf_token(app, client)
    # The editor re-rendering the typed input (a check), then saved and opened again.
    checked = client.post(f"/l/{teacher}/authoring/questions/new?type=single", data={**xss_single(token, payload), "action": "check"})
    assert_inert(checked.get_data(as_text=True))
    saved = client.post(f"/l/{teacher}/authoring/questions/new?type=single", data=xss_single(token, payload))
    assert saved.status_code == 302
    with app.app_context():
        qid = db.session.scalars(select(BankQuestion.id)).one()
    assert_inert(client.get(f"/l/{teacher}/authoring/questions/{qid}/edit").get_data(as_text=True))
    for lang in ("de", "en"):
        preview = client.get(f"/l/{teacher}/authoring/questions/{qid}/preview?lang={lang}").get_data(as_text=True)
        assert_inert(preview)
        token_value = re.search(r'name="q-xss" value="([0-9a-f]{12})"', preview).group(1)
        checked = client.post(f"/l/{teacher}/authoring/questions/{qid}/preview?lang={lang}",
                              data={"csrf_token": token, "q-xss": token_value})
        assert_inert(checked.get_data(as_text=True))  # the review with feedback and explanation
