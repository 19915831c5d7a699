"""The course question bank through the web: list, filters, bulk changes, import with preview (all
or nothing, hostile files refused with nothing written), export with notes, course isolation and
the access rules of every bank URL."""
import io
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms_module.attempts.models import Attempt
from lms_module.authoring import bank
from lms_module.authoring.bank_models import PendingBankImport
from lms_module.authoring.models import BankImage, BankQuestion, BankQuestionVersion, QuizVersionQuestion
from lms_module.courses.models import Course, ResourceLink, User
from lms_module.extensions import db
from lms_module.library.models import Quiz, QuizVersion
from lms_module.library.services import import_for_course
from support.apps import csrf_from

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "formats"
GIFT = (FIXTURES / "gift" / "every-feature.gift").read_bytes()
EN = {"Accept-Language": "en"}


def _question(key, text="Which form is used?", **extra):
    return {"id": key, "type": "single", "text": text,
            "options": [{"id": "a", "text": "A", "correct": True}, {"id": "b", "text": "B"}], **extra}


def _course_id(app, context="course-1"):
    with app.app_context():
        return db.session.scalar(select(Course.id).where(Course.context_id == context))


def _seed(app, context="course-1", keys=("alpha", "beta", "gamma")):
    with app.app_context():
        course_id = db.session.scalar(select(Course.id).where(Course.context_id == context))
        ids = {}
        for key in keys:
            ids[key] = bank.save_question(course_id, _question(key, text={"de": f"Frage {key}", "en": f"Question {key}"}),
                                          topic="compliance", tags=["start"]).question_id
        db.session.commit()
    return ids


def _counts(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (BankQuestion, BankQuestionVersion, BankImage, PendingBankImport))


def _import(client, launch, data: bytes, name: str, fmt: str, language="en", topic=""):
    page = client.get(f"/l/{launch}/authoring/bank/import").get_data(as_text=True)
    return client.post(f"/l/{launch}/authoring/bank/import", content_type="multipart/form-data", headers=EN,
                       data={"csrf_token": csrf_from(page), "format": fmt, "language": language, "topic": topic,
                             "file": (io.BytesIO(data), name)})


def _bulk(client, launch, ids, action, **fields):
    page = client.get(f"/l/{launch}/authoring/bank").get_data(as_text=True)
    return client.post(f"/l/{launch}/authoring/bank/bulk", headers=EN,
                       data={"csrf_token": csrf_from(page), "questions": [str(i) for i in ids], "action": action, **fields})


def test_the_instructor_page_links_the_bank_and_the_bank_lists_with_usage(app, client, make_launch):
    launch = make_launch("instructor")
    ids = _seed(app)
    picker = client.get(f"/l/{launch}/instructor", headers=EN).get_data(as_text=True)
    assert f"/l/{launch}/authoring/bank" in picker  # an activity without a quiz yet
    with app.app_context():
        import_for_course(b"slug: first\ntitle: First\ntopic: compliance\nquestions:\n"
                          b"  - {id: q, type: true_false, text: T, answer: true}\n", "q.yaml", _course_id(app))
        db.session.scalars(select(ResourceLink)).one().quiz_slug = "first"
        db.session.commit()
    home = client.get(f"/l/{launch}/instructor", headers=EN).get_data(as_text=True)
    assert "Activity settings" in home and f"/l/{launch}/authoring/bank" in home
    body = client.get(f"/l/{launch}/authoring/bank", headers=EN).get_data(as_text=True)
    assert "alpha" in body and "Question beta" in body and "3 questions" in body and "not used" in body
    assert "Not a valid choice" not in body and 'aria-invalid' not in body  # an unfiltered list flags nothing
    # Used in: a published quiz version holding the question.
    with app.app_context():
        course_id = _course_id(app)
        import_for_course(b"slug: our-quiz\ntitle: Our quiz\ntopic: compliance\nquestions:\n"
                          b"  - {id: alpha, type: true_false, text: T, answer: true}\n", "q.yaml", course_id)
        version = db.session.scalars(select(QuizVersion).join(Quiz).where(Quiz.slug == "our-quiz")).one()
        bank_version = db.session.scalars(select(BankQuestionVersion).where(BankQuestionVersion.question_id == ids["alpha"])).one()
        db.session.add(QuizVersionQuestion(quiz_version_id=version.id, bank_version_id=bank_version.id, bank_question_id=ids["alpha"]))
        db.session.commit()
    body = client.get(f"/l/{launch}/authoring/bank?search=alpha", headers=EN).get_data(as_text=True)
    assert "Our quiz" in body and "1 question" in body and "beta" not in body


def test_search_filters_sort_and_pages(app, client, make_launch):
    launch = make_launch("instructor")
    _seed(app, keys=[f"q-{n:02d}" for n in range(30)])
    with app.app_context():
        course_id = _course_id(app)
        bank.save_question(course_id, {"id": "tf", "type": "true_false", "text": {"de": "Größe prüfen"}, "answer": True},
                           tags=["Billing/DRG"], topic="accuracy")
        db.session.commit()
    get = lambda query: client.get(f"/l/{launch}/authoring/bank?{query}", headers=EN).get_data(as_text=True)
    assert "31 questions" in get("") and "page 1 of 2" in get("")
    # The key as the list shows it (a bare "q-29" would also match the checkbox id of database row 29).
    assert "<code>q-29</code>" in get("sort=-key") and "<code>q-29</code>" not in get("sort=key")
    assert "<code>q-29</code>" in get("sort=key&page=2")
    only = get("search=größe")  # umlauts as typed
    assert "1 question" in only and "tf" in only
    assert "1 question" in get("type=true_false") and "1 question" in get("tag=Billing/DRG")
    assert "1 question" in get("language=de") and "30 questions" in get("language=both")
    assert "1 question" in get("topic=accuracy") and "0 archived questions" in get("archived=y")
    # Crafted values never fail the page.
    assert client.get(f"/l/{launch}/authoring/bank?page=99999999999&sort=evil&type=x&difficulty=9", headers=EN).status_code == 200


def test_bulk_tag_move_and_delete(app, client, make_launch):
    launch = make_launch("instructor")
    ids = _seed(app)
    assert _bulk(client, launch, [ids["alpha"], ids["beta"]], "tag", tag="exam").status_code == 302
    assert _bulk(client, launch, [ids["gamma"]], "move", tag="later", topic="career").status_code == 302
    with app.app_context():
        tags = {q.key: (q.tags, q.topic) for q in db.session.scalars(select(BankQuestion))}
    assert tags == {"alpha": (["start", "exam"], "compliance"), "beta": (["start", "exam"], "compliance"),
                    "gamma": (["later"], "career")}
    refused = _bulk(client, launch, [ids["alpha"]], "tag", tag="")
    assert refused.status_code == 400 and "Please enter a tag." in refused.get_data(as_text=True)
    assert _bulk(client, launch, [], "delete").status_code == 400
    assert _bulk(client, launch, [ids["beta"]], "delete").status_code == 302
    with app.app_context():
        assert sorted(db.session.scalars(select(BankQuestion.key))) == ["alpha", "gamma"]


def test_deleting_a_question_an_attempt_used_archives_it_and_says_so(app, client, make_launch):
    launch = make_launch("instructor")
    ids = _seed(app)
    with app.app_context():
        course_id = _course_id(app)
        import_for_course(b"slug: used\ntitle: Used\ntopic: compliance\nquestions:\n"
                          b"  - {id: alpha, type: true_false, text: T, answer: true}\n", "q.yaml", course_id)
        version = db.session.scalars(select(QuizVersion)).one()
        bank_version = db.session.scalars(select(BankQuestionVersion).where(BankQuestionVersion.question_id == ids["alpha"])).one()
        db.session.add(QuizVersionQuestion(quiz_version_id=version.id, bank_version_id=bank_version.id, bank_question_id=ids["alpha"]))
        user = db.session.scalars(select(User)).first()
        link = db.session.scalars(select(ResourceLink)).first()
        db.session.add(Attempt(public_id="p1", resource_link_id=link.id, user_id=user.id, quiz_version_id=version.id,
                               number=1, seed=1, plan=[], settings={}))
        db.session.commit()
    response = _bulk(client, launch, [ids["alpha"], ids["beta"]], "delete")
    assert response.status_code == 302
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "1 question was deleted." in page
    assert "1 question was not deleted because attempts use it: it was archived instead (alpha)" in page
    with app.app_context():
        alpha = db.session.get(BankQuestion, ids["alpha"])
        assert alpha.archived_at is not None and db.session.get(BankQuestion, ids["beta"]) is None
    assert "alpha" not in client.get(f"/l/{launch}/authoring/bank", headers=EN).get_data(as_text=True)
    archived = client.get(f"/l/{launch}/authoring/bank?archived=y", headers=EN).get_data(as_text=True)
    assert "alpha" in archived and "answered in attempts" in archived
    assert _bulk(client, launch, [ids["alpha"]], "restore").status_code == 302
    with app.app_context():
        assert db.session.get(BankQuestion, ids["alpha"]).archived_at is None


def test_gift_import_previews_then_writes_everything_with_category_tags(app, client, make_launch):
    launch = make_launch("instructor")
    _seed(app, keys=["grant-s-tomb"])
    before = _counts(app)
    preview = _import(client, launch, GIFT, "bank.gift", "gift", topic="insurance-billing")
    assert preview.status_code == 200
    body = preview.get_data(as_text=True)
    assert "Nothing has been saved yet" in body and "will be created" in body
    assert "skipped" in body and "line " in body  # the fixture has questions Kontor skips, with lines
    assert "already in the bank; imported as" in body  # a taken id is renamed, with a note
    after_preview = _counts(app)
    assert after_preview[:3] == before[:3] and after_preview[3] == 1  # only the kept upload
    confirm = client.post(f"/l/{launch}/authoring/bank/import/confirm", headers=EN,
                          data={"csrf_token": _confirm_form(body),
                                "upload": _hidden(body, "upload")})
    assert confirm.status_code == 302
    with app.app_context():
        questions = db.session.scalars(select(BankQuestion)).all()
        assert len(questions) > 5 and db.session.scalar(select(func.count()).select_from(PendingBankImport)) == 0
        assert next(q for q in questions if q.key == "missing-word").tags == ["Billing", "DRG"]  # from $CATEGORY
        assert {q.topic for q in questions if q.key != "grant-s-tomb"} == {"insurance-billing"}
        assert {q.languages for q in questions if q.key != "grant-s-tomb"} == {"en"}
    # The same upload cannot be confirmed twice.
    again = client.post(f"/l/{launch}/authoring/bank/import/confirm", headers=EN,
                        data={"csrf_token": _confirm_form(body), "upload": _hidden(body, "upload")})
    assert again.status_code == 302 and "bank/import" in again.headers["Location"]


def _hidden(body, name):
    import re

    return re.search(rf'name="{name}"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="{name}"', body).group(1)


def _confirm_form(body):
    return csrf_from(body)


def test_pasted_kontor_yaml_and_aiken_import(app, client, make_launch):
    launch = make_launch("instructor")
    page = client.get(f"/l/{launch}/authoring/bank/import").get_data(as_text=True)
    aiken = "Which is a vowel?\nA. b\nB. e\nANSWER: B\n"
    response = client.post(f"/l/{launch}/authoring/bank/import", headers=EN,
                           data={"csrf_token": csrf_from(page), "format": "aiken", "language": "de", "paste": aiken})
    assert response.status_code == 200 and "1 question will be created" in response.get_data(as_text=True)
    yaml_text = ("slug: x\ntitle: X\ntopic: career\nquestions:\n"
                 "  - {id: cv, type: true_false, text: {de: 'Lebenslauf?', en: 'CV?'}, answer: true}\n")
    response = client.post(f"/l/{launch}/authoring/bank/import", headers=EN,
                           data={"csrf_token": csrf_from(page), "format": "yaml", "language": "de", "paste": yaml_text})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "The path into the job" in body
    client.post(f"/l/{launch}/authoring/bank/import/confirm", data={"csrf_token": csrf_from(body), "upload": _hidden(body, "upload")})
    with app.app_context():
        cv = db.session.scalars(select(BankQuestion)).one()
        assert (cv.key, cv.topic, cv.languages) == ("cv", "career", "both")


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


BAD_FILES = {
    "malformed GIFT": (b"::Broken::What is this? {=yes ~no\n\n::Next::Another {TRUE}\n", "bad.gift", "gift", "line"),
    "external entity": (b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]><quiz>&x;</quiz>',
                        "evil.xml", "moodlexml", "DTD"),
    "zip bomb": (_zip({"imsmanifest.xml": b"<manifest/>", "bomb.xml": b"\0" * (5 * 1024 * 1024)}), "bomb.zip", "qti", "zip bomb"),
    "path out of the zip": (_zip({"imsmanifest.xml": b"<manifest/>", "../../etc/cron.d/evil": b"x"}), "evil.zip", "qti", "leaves"),
    "broken YAML": (b"slug: x\ntitle: X\ntopic: career\nquestions:\n  - {id: q, type: true_false, text: T, answer: maybe}\n",
                    "q.yaml", "yaml", "line 5"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_hostile_and_broken_files_are_refused_with_a_message_and_nothing_is_written(app, client, make_launch, case):
    launch = make_launch("instructor")
    data, name, fmt, expected = BAD_FILES[case]
    response = _import(client, launch, data, name, fmt)
    body = response.get_data(as_text=True)
    assert response.status_code == 400, body
    assert "The file was not imported; nothing was saved." in body and expected in body
    assert "Traceback" not in body
    assert _counts(app) == (0, 0, 0, 0)


def test_a_10_mb_paste_is_the_error_page_with_a_clear_message(app, client, make_launch):
    launch = make_launch("instructor")
    page = client.get(f"/l/{launch}/authoring/bank/import").get_data(as_text=True)
    response = client.post(f"/l/{launch}/authoring/bank/import", headers=EN,
                           data={"csrf_token": csrf_from(page), "format": "gift", "language": "en",
                                 "paste": "x" * (10 * 1024 * 1024)})
    assert response.status_code == 413
    assert "What was sent is too large. Nothing was saved." in response.get_data(as_text=True)
    assert _counts(app) == (0, 0, 0, 0)


def test_moodle_xml_images_become_bank_images(app, client, make_launch):
    launch = make_launch("instructor")
    body = _import(client, launch, (FIXTURES / "moodle_xml" / "all-features.xml").read_bytes(), "all.xml", "moodlexml")
    text = body.get_data(as_text=True)
    assert body.status_code == 200, text
    client.post(f"/l/{launch}/authoring/bank/import/confirm", data={"csrf_token": csrf_from(text), "upload": _hidden(text, "upload")})
    with app.app_context():
        images = db.session.scalars(select(BankImage)).all()
        assert images and {i.media_type for i in images} <= {"image/png", "image/jpeg"}
        assert db.session.scalar(select(func.count()).select_from(BankQuestion)) > 5


def test_export_a_selection_shows_notes_and_downloads(app, client, make_launch):
    launch = make_launch("instructor")
    ids = _seed(app)
    with app.app_context():
        course_id = _course_id(app)
        doc = {"id": "doc", "type": "essay", "text": {"de": "Schreiben Sie", "en": "Write"}}
        ids["doc"] = bank.save_question(course_id, doc).question_id
        db.session.commit()
    response = _bulk(client, launch, list(ids.values()), "export", format="gift", language="en")
    assert response.status_code == 302
    page = client.get(response.headers["Location"], headers=EN)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "4 questions as GIFT." in body and "Download" in body
    download = body.split('class="button" href="')[1].split('"')[0].replace("&amp;", "&")
    file = client.get(download)
    assert file.status_code == 200 and "attachment" in file.headers["Content-Disposition"]
    assert b"Question alpha" in file.data
    for fmt in ("yaml", "moodlexml", "qti"):
        url = download.replace("format=gift", f"format={fmt}")
        assert client.get(url).status_code == 200, fmt


def test_export_a_quiz_of_the_course(app, client, make_launch):
    launch = make_launch("instructor")
    with app.app_context():
        import_for_course(b"slug: ours\ntitle: {de: Unser Quiz, en: Our quiz}\ntopic: compliance\nquestions:\n"
                          b"  - {id: q, type: true_false, text: T, answer: true}\n", "q.yaml", _course_id(app))
        db.session.commit()
    assert "Our quiz" in client.get(f"/l/{launch}/authoring/bank", headers=EN).get_data(as_text=True)
    page = client.get(f"/l/{launch}/authoring/bank/export?quiz=ours&format=moodlexml&language=de", headers=EN)
    assert page.status_code == 200 and "Our quiz" in page.get_data(as_text=True)
    file = client.get(f"/l/{launch}/authoring/bank/export/download?quiz=ours&format=moodlexml&language=de")
    assert file.status_code == 200 and b"<quiz" in file.data
    assert client.get(f"/l/{launch}/authoring/bank/export?quiz=nope&format=gift&language=de").status_code == 404


def test_another_course_sees_nothing_and_reaches_nothing(app, client, make_launch):
    ours = make_launch("instructor")
    ids = _seed(app)
    page = client.get(f"/l/{ours}/authoring/bank/import").get_data(as_text=True)
    preview = client.post(f"/l/{ours}/authoring/bank/import", headers=EN,
                          data={"csrf_token": csrf_from(page), "format": "aiken", "language": "de",
                                "paste": "Q?\nA. x\nB. y\nANSWER: A\n"}).get_data(as_text=True)
    token = _hidden(preview, "upload")
    other = app.test_client()
    theirs = make_launch("instructor", course_context="course-2", link_id="link-2", test_client=other)
    listing = other.get(f"/l/{theirs}/authoring/bank", headers=EN).get_data(as_text=True)
    assert "alpha" not in listing and "0 questions" in listing
    csrf = csrf_from(other.get(f"/l/{theirs}/authoring/bank").get_data(as_text=True))
    assert other.post(f"/l/{theirs}/authoring/bank/bulk",
                      data={"csrf_token": csrf, "questions": [str(ids["alpha"])], "action": "delete"}).status_code == 404
    assert other.get(f"/l/{theirs}/authoring/bank/export?q={ids['alpha']}&format=gift&language=de").status_code == 404
    assert other.get(f"/l/{theirs}/authoring/bank/export/download?q={ids['alpha']}&format=gift&language=de").status_code == 404
    # Their confirmation of our pending upload imports nothing anywhere.
    other.post(f"/l/{theirs}/authoring/bank/import/confirm", data={"csrf_token": csrf, "upload": token})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BankQuestion)) == 3
        assert db.session.scalar(select(func.count()).select_from(PendingBankImport)) == 1


def _bank_urls(app, launch, question_id):
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("bank."):
            urls.append((rule, rule.build({"launch_id": launch}, append_unknown=False)[1]
                         + (f"?q={question_id}&format=gift&language=de" if "export" in rule.rule else "")))
    assert len(urls) >= 6
    return urls


def test_students_deep_linking_and_strangers_are_refused_on_every_bank_url(app, client, make_launch):
    student = make_launch("student")
    ids = _seed(app)
    page = client.get(f"/l/{make_launch('instructor')}/authoring/bank").get_data(as_text=True)
    csrf = csrf_from(page)
    for rule, url in _bank_urls(app, student, ids["alpha"]):
        response = client.post(url, data={"csrf_token": csrf}) if "POST" in rule.methods else client.get(url)
        assert response.status_code == 403, rule.rule
    stranger = app.test_client()
    for rule, url in _bank_urls(app, student, ids["alpha"]):
        response = stranger.post(url) if "POST" in rule.methods else stranger.get(url)
        assert response.status_code in (400, 403), rule.rule  # 400: the CSRF check comes first


def test_xss_payloads_in_questions_render_inert_in_the_bank(app, client, make_launch):
    launch = make_launch("instructor")
    payloads = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '[x](javascript:alert(1))']
    with app.app_context():
        course_id = _course_id(app)
        for n, payload in enumerate(payloads):
            bank.save_question(course_id, _question(f"x{n}", text=payload), tags=[payload[:60]])
        db.session.commit()
    body = client.get(f"/l/{launch}/authoring/bank", headers=EN).get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body and 'href="javascript:' not in body


def test_deep_linking_lists_the_courses_own_quizzes_beside_the_library(app, client, make_launch):
    from lms_module.courses.models import LaunchSession
    from lms_module.library.services import import_path

    launch = make_launch("instructor", message_type="LtiDeepLinkingRequest")
    with app.app_context():
        assert import_path(Path(__file__).resolve().parents[2] / "unit" / "engine" / "fixtures" / "all_types.yaml",
                           origin="import").ok
        import_for_course(b"slug: ours\ntitle: Our own quiz\ntopic: compliance\nquestions:\n"
                          b"  - {id: q, type: true_false, text: T, answer: true}\n", "q.yaml", _course_id(app))
        db.session.get(LaunchSession, launch).deep_linking = {"deep_link_return_url": "https://lms.example/return",
                                                             "accept_multiple": True}
        db.session.commit()
    body = client.get(f"/l/{launch}/deep-linking", headers=EN).get_data(as_text=True)
    own, library = body.index("Quizzes of this course"), body.index("Quiz library")
    assert own < body.index("Our own quiz") < library < body.index('value="all-types"')


def _moodle(*questions: str, root: str = "quiz") -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}>\n{"".join(questions)}</{root}>\n'.encode()


def _moodle_question(kind: str, name: str, answers: str = "", single: str = "") -> str:
    return (f'<question type="{kind}"><name><text>{name}</text></name>'
            f'<questiontext format="html"><text>Which one?</text></questiontext>{single}{answers}</question>\n')


_TRUE = '<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>'
_TWO_RIGHT = ('<answer fraction="100"><text>A</text></answer><answer fraction="100"><text>B</text></answer>'
              '<answer fraction="0"><text>C</text></answer>')


def _no_manifest_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("item.xml", "<assessmentItem/>")
    return buffer.getvalue()


# Malformed files and how each finding reads in German and in English: the whole file refused
# (a control character, not UTF-8, not Moodle XML, a zip without manifest) or one question skipped
# (a Moodle type Kontor lacks; a single choice with two right answers, worded as the editor words it).
MALFORMED = [
    ("gift", "bad.gift", b"::q:: Is it\x01 true? {T}\n",
     "Das Steuerzeichen U+0001 ist nicht erlaubt", "control character U+0001 is not allowed"),
    ("gift", "latin1.gift", b"::q:: Caf\xe9 au lait? {T}\n",
     "Die Datei ist kein UTF-8-Text", "the file is not UTF-8 text"),
    ("moodlexml", "wrong.xml", _moodle(root="questions"),
     "Dies ist keine Moodle-XML-Datei: Das Wurzelelement ist &lt;questions&gt;, nicht &lt;quiz&gt;",
     "this is not a Moodle XML file: the root element is &lt;questions&gt;, not &lt;quiz&gt;"),
    ("moodlexml", "types.xml", _moodle(_moodle_question("truefalse", "Fine", _TRUE),
                                       _moodle_question("calculated", "Formula")),
     "Der Moodle-Fragetyp &#39;calculated&#39; hat in Kontor keine Entsprechung; nicht importiert",
     "Moodle question type &#39;calculated&#39; has no counterpart in Kontor; not imported"),
    ("qti", "package.zip", _no_manifest_zip(),
     "Das Archiv enthält keine imsmanifest.xml; ist es ein QTI-Paket?",
     "the archive holds no imsmanifest.xml; is it a QTI package?"),
    ("moodlexml", "two-right.xml", _moodle(_moodle_question("truefalse", "Fine", _TRUE),
                                           _moodle_question("multichoice", "Two right", _TWO_RIGHT,
                                                            "<single>true</single>")),
     "Markieren Sie genau eine Antwort als richtig.", "Mark exactly one option as correct."),
]


def _preview(client, launch, fmt: str, name: str, data: bytes, headers=None):
    page = client.get(f"/l/{launch}/authoring/bank/import").get_data(as_text=True)
    return client.post(f"/l/{launch}/authoring/bank/import", content_type="multipart/form-data", headers=headers or {},
                       data={"csrf_token": csrf_from(page), "format": fmt, "language": "de", "topic": "",
                             "file": (io.BytesIO(data), name)})


def _finding_items(body: str) -> list[str]:
    return [item.strip() for item in re.findall(r"<li>(.*?)</li>", body, re.S)
            if "Zeile " in item or "line " in item or "<code>" in item or "imsmanifest" in item]


@pytest.mark.parametrize("fmt, name, data, german, english", MALFORMED, ids=[m[1] for m in MALFORMED])
def test_an_import_preview_in_german_explains_a_malformed_file_in_german(app, client, make_launch,
                                                                      fmt, name, data, german, english):
    """Every finding reaches a German instructor in German (the engine gives a template, the page
    translates it); nothing of it is left in English, and nothing is marked as English."""
    launch = make_launch("instructor", locale="de")
    body = _preview(client, launch, fmt, name, data).get_data(as_text=True)
    (item,) = [item for item in _finding_items(body) if german in item]
    assert english not in body and 'lang="en"' not in item
    assert item.startswith("Zeile ") or fmt == "qti"


@pytest.mark.parametrize("fmt, name, data, german, english", MALFORMED, ids=[m[1] for m in MALFORMED])
def test_an_import_preview_in_english_explains_a_malformed_file_in_english(app, client, make_launch,
                                                                        fmt, name, data, german, english):
    launch = make_launch("instructor", locale="en")
    body = _preview(client, launch, fmt, name, data, headers=EN).get_data(as_text=True)
    assert english in body, body
    assert german not in body


def test_what_has_no_translation_stays_english_and_is_marked_so(app, client, make_launch):
    """The quiz loader's messages (a Kontor YAML file) are English only: on a German page that part is
    marked lang="en" (WCAG 3.1.2), while where it is reads German."""
    launch = make_launch("instructor", locale="de")
    data = (b"slug: s\ntitle: T\ntopic: compliance\nquestions:\n"
            b"  - {id: q, type: true_false, text: T, answer: true, colour: red}\n")
    body = _preview(client, launch, "yaml", "quiz.yaml", data).get_data(as_text=True)
    (item,) = [item for item in _finding_items(body) if "colour" in item]
    assert re.fullmatch(r'Zeile \d+: <span lang="en">[^<]*colour[^<]*</span>', item), item



def test_the_export_page_gives_the_writers_notes_in_german(app, client, make_launch):
    """A writer's note (what the format could not carry) reaches a German instructor in German."""
    launch = make_launch("instructor", locale="de")
    with app.app_context():
        import_for_course(b"slug: ours\ntitle: Unser Quiz\ntopic: compliance\nquestions:\n"
                          b"  - {id: q, type: essay, text: Schreiben Sie, min_words: 10}\n", "q.yaml", _course_id(app))
        db.session.commit()
    body = client.get(f"/l/{launch}/authoring/bank/export?quiz=ours&format=gift&language=de").get_data(as_text=True)
    (item,) = [item for item in _finding_items(body) if "min_words" in item]
    assert item == "<code>q</code>: Freitext-Fragen in GIFT haben keine Angabe für min_words; nicht geschrieben", item
    assert "not written" not in body


@pytest.mark.parametrize("extra", ["launch_id=other", "_external=1", "_anchor=top", "_scheme=ftp"])
def test_the_export_pages_download_link_copies_the_query_as_it_came(app, client, make_launch, extra):
    """The download link repeats the export page's query. A parameter named like one of url_for's
    own arguments (or the route's launch_id) answered 500 or bent the link; it is now just a
    parameter of the link, and the download still gives the file."""
    launch = make_launch("instructor", locale="de")
    with app.app_context():
        import_for_course(b"slug: ours\ntitle: Unser Quiz\ntopic: compliance\nquestions:\n"
                          b"  - {id: q, type: true_false, text: Stimmt das, answer: true}\n", "q.yaml", _course_id(app))
        db.session.commit()
    page = client.get(f"/l/{launch}/authoring/bank/export?quiz=ours&format=gift&language=de&{extra}")
    assert page.status_code == 200
    links = re.findall(r'href="([^"]*/authoring/bank/export/download[^"]*)"', page.get_data(as_text=True))
    assert len(links) == 1, links
    link = links[0].replace("&amp;", "&")
    assert link.startswith(f"/l/{launch}/authoring/bank/export/download?quiz=ours&format=gift&language=de&")
    assert link.endswith(extra) and "#" not in link
    download = client.get(link)
    assert download.status_code == 200 and b"Stimmt das" in download.data


def test_filters_and_the_list_use_the_same_words_as_the_editor_and_the_picker(app, client, make_launch):
    """One word per fact: the bank's filter offered difficulty as bare 1, 2, 3 and its list showed the
    number, where the question editor says easy, medium, hard; the bank said 'Jedes Thema' and
    'Alle' (languages) where the quiz picker said 'Alle Themenbereiche' and 'Jede Sprache'."""
    launch = make_launch("instructor", locale="de")
    with app.app_context():
        bank.save_question(_course_id(app), _question("middling"), topic="compliance", difficulty=2)
        db.session.commit()
    de = {"Accept-Language": "de"}
    listing = client.get(f"/l/{launch}/authoring/bank", headers=de).get_data(as_text=True)
    difficulty_filter = re.search(r'<select[^>]*name="difficulty".*?</select>', listing, re.S).group(0)
    assert [label for _, label in re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)<', difficulty_filter)] == [
        "Alle Schwierigkeitsgrade", "leicht", "mittel", "schwer"]
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*middling.*?</tr>", listing, re.S).group(0)
    assert "<td>mittel</td>" in row
    editor = client.get(f"/l/{launch}/authoring/questions/new?type=single", headers=de).get_data(as_text=True)
    assert all(word in editor for word in (">leicht<", ">mittel<", ">schwer<"))
    picker = client.get(f"/l/{launch}/instructor", headers=de).get_data(as_text=True)
    for words in ("Alle Themen<", "Alle Sprachen<"):
        assert words in picker and words in listing
    # The field's label says the same word as its options ('Themenbereich' over 'Alle Themen').
    for page in (listing, picker, editor):
        assert "Themenbereich" not in page
        assert re.search(r"<label[^>]*>\s*Thema\s*</label>", page), "no field labelled Thema"
