"""WCAG 2.2 AA in a real browser at 320 CSS pixels (issue 16): no page scrolls sideways (1.4.10
Reflow), for every student page type and every instructor page, in English and German; Enter in a
text answer saves and stays; "Check answer" moves focus to the feedback; a refused form marks the
field in error and keeps what was typed.

One launch of the browser for the module, one live Kontor and one pass per language: the journey
visits every page once and checks each on the way (a test per page would launch 40 times)."""
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from lms_module.attempts.models import Attempt
from lms_module.courses.models import User
from lms_module.extensions import db
from lms_module.library.services import import_path
from support.accessibility import assert_accessible
from support.lms_frame import attempt_page_ready, launched_frame

ROOT = Path(__file__).resolve().parents[2]
ALL_TYPES = ROOT / "tests" / "unit" / "engine" / "fixtures" / "all_types.yaml"
WIDTH = 320


def _variant(source: Path, folder: Path, slug: str, **settings) -> Path:
    """A copy of a quiz file under another slug with other settings (one page, practice, ...)."""
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["slug"] = slug
    data["settings"] = {**data.get("settings", {}), **settings}
    data["settings"] = {k: v for k, v in data["settings"].items() if v is not None}
    path = folder / f"{slug}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def site(live, tmp_path):
    """Activity 2: every question type, one per page (exam). Two more activities: the same quiz as
    practice on one page, and the library's densest quizzes (long IBANs, e-mail addresses, document
    grids, the English invoice) each on one page."""
    folder = tmp_path / "quizzes"
    folder.mkdir()
    _variant(ALL_TYPES, folder, "all-types", shuffle_questions=False, layout="one_per_page")
    _variant(ALL_TYPES, folder, "all-types-practice", mode="practice", time_limit_minutes=None,
             layout="all_on_one_page", feedback="immediate")
    _variant(ROOT / "quizzes" / "accuracy" / "accuracy-exam.yaml", folder, "dense-accuracy", layout="all_on_one_page")
    _variant(ROOT / "quizzes" / "insurance-billing" / "insurance-billing-exam.yaml", folder, "dense-billing",
             layout="all_on_one_page")
    _variant(ROOT / "quizzes" / "executives" / "executives-exam.yaml", folder, "dense-executives",
             layout="all_on_one_page")
    with live.app.app_context():
        report = import_path(folder, origin="import")
        assert report.ok, report.errors
        db.session.commit()
    live.lms.set_custom_parameters(2, {"quiz": "all-types"})
    extra = {slug: live.lms.add_activity(slug, {"quiz": slug}).cmid
             for slug in ("all-types-practice", "dense-accuracy", "dense-billing", "dense-executives")}
    return live, extra


@pytest.fixture
def narrow_page(chromium, request):
    locale = request.node.callspec.params["locale"]
    context = chromium.new_context(locale="de-DE" if locale == "de" else "en-GB",
                                   viewport={"width": WIDTH, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def _frame(page, ready):
    return launched_frame(page, ready)


def _open(page, live, cmid, user, locale, ready="main h1"):
    page.goto(f"{live.lms_url}/course/view/{cmid}?user={user}&locale={locale}")
    return _frame(page, ready)


# The innermost elements that reach past the window's right edge, to say what to fix.
WIDEST = """() => Array.from(document.querySelectorAll('body *'))
  .filter(e => { for (let p = e.parentElement; p; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return false; } return true; })
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(e => !Array.from(e.children).some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 6).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + e.className + ' '
                  + Math.round(e.getBoundingClientRect().right) + 'px')
  .concat((() => { const out = [], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode() && out.length < 4) { const r = document.createRange(); r.selectNodeContents(walker.currentNode);
      if (r.getBoundingClientRect().right > window.innerWidth + 1) out.push('text "' + walker.currentNode.textContent.trim().slice(0, 40) + '" in ' + walker.currentNode.parentElement.tagName); }
    return out; })())"""


def assert_fits(frame, label):
    """1.4.10: the page is no wider than its viewport (the LMS's frame at a 320 px window)."""
    frame.locator("main").first.wait_for()
    scroll, inner = frame.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert inner <= WIDTH, f"{label}: the frame is {inner} px wide; the test would prove nothing"
    if scroll > inner:
        culprits = frame.evaluate(WIDEST)
        raise AssertionError(f"{label}: {scroll} px of content in a {inner} px wide window (scrolls sideways): "
                             f"{culprits}")


def _go(frame, selector):
    with frame.expect_navigation():
        frame.locator(selector).first.click()


@pytest.mark.parametrize("locale", ["en", "de"])
def test_every_page_reflows_at_320px_and_keyboard_and_errors_work(narrow_page, site, locale):
    page, (live, extra) = narrow_page, site
    student = "4" if locale == "en" else "6"

    # --- the student: start, a page per question type, summary, result ----------------------------
    frame = _open(page, live, 2, student, locale, "form[action$='/quiz/start']")
    assert_fits(frame, f"start page ({locale})")
    _go(frame, "form[action$='/quiz/start'] button[type=submit]")
    titles, entered = set(), False
    while True:
        attempt_page_ready(frame)
        number = frame.url.rsplit("/page/", 1)[1].split("?")[0].split("#")[0]
        kind = frame.locator("fieldset.q").first.get_attribute("class")
        assert_fits(frame, f"question page {number}: {kind} ({locale})")
        titles.add(frame.title())
        text_input = frame.locator("input.q-answer__input[type=text]")
        if not entered and number != "1" and text_input.count():
            # Enter in a text answer saves and stays on the page (it used to press "Previous").
            text_input.first.fill("42")
            with frame.expect_navigation():
                text_input.first.press("Enter")
            assert frame.url.rsplit("/page/", 1)[1].split("?")[0].split("#")[0] == number, "Enter left the page"
            assert frame.locator("input.q-answer__input[type=text]").first.input_value() == "42"
            entered = True
        if not frame.locator('button[value="next"]').count():
            break
        _go(frame, 'button[value="next"]')
    assert entered, "no text answer after the first page: the Enter check did not run"
    assert len(titles) == 11, f"every question page has its own title: {sorted(titles)}"
    _go(frame, 'button[value="summary"]')
    frame.wait_for_selector("form[action$='/submit']")
    assert_fits(frame, f"summary ({locale})")
    _go(frame, "form[action$='/submit'] button")
    frame.wait_for_selector("main h1")
    assert_fits(frame, f"result ({locale})")

    # --- practice on one page: check an answer; focus moves to the feedback -----------------------
    frame = _open(page, live, extra["all-types-practice"], student, locale, "form[action$='/quiz/start']")
    _go(frame, "form[action$='/quiz/start'] button[type=submit]")
    attempt_page_ready(frame)
    assert_fits(frame, f"practice page ({locale})")
    frame.locator(".q--single input[type=radio]").first.check()
    _go(frame, ".question:has(.q--single) button[value^='check-']")
    frame.wait_for_selector(".question__review")
    assert frame.url.endswith("-feedback"), "the page returns to the feedback, not to the question"
    focused = frame.evaluate("() => document.activeElement && document.activeElement.id")
    assert focused and focused.endswith("-feedback"), f"focus is on {focused!r}, not on the feedback"
    assert frame.evaluate("() => document.querySelectorAll('[id=\"' + document.activeElement.id + '\"]').length") == 1
    assert_fits(frame, f"practice page with feedback ({locale})")
    assert_accessible(frame, f"practice page with feedback ({locale})")

    # --- the densest library content, each quiz on one page --------------------------------------
    for slug in ("dense-accuracy", "dense-billing", "dense-executives"):
        frame = _open(page, live, extra[slug], student, locale, "form[action$='/quiz/start']")
        _go(frame, "form[action$='/quiz/start'] button[type=submit]")
        attempt_page_ready(frame)
        assert_fits(frame, f"{slug} on one page ({locale})")
    if locale == "de":
        assert frame.locator('[lang="en"]').count() >= 4  # the quoted English letter phrases
    else:
        assert frame.locator('[lang="de"]').count() >= 1

    # --- the instructor: activity page and settings, picker, every report -------------------------
    with live.app.app_context():
        attempt = db.session.scalars(select(Attempt).join(User, User.id == Attempt.user_id)
                                     .where(User.subject == student, Attempt.number == 1)
                                     .order_by(Attempt.id)).first()
        public_id, user_id = attempt.public_id, attempt.user_id
    frame = _open(page, live, 2, "3", locale, "form[action$='/instructor/settings']")
    assert_fits(frame, f"activity page with settings ({locale})")
    base = frame.url.split("/instructor")[0]
    for path, label in [("/instructor/choose", "quiz picker"), ("/reports/", "gradebook"),
                        (f"/reports/attempts/{public_id}", "attempt review"), ("/reports/grading", "grading queue"),
                        ("/reports/summary", "class summary"), ("/reports/items", "item analysis"),
                        (f"/reports/students/{user_id}", "student and accommodation"),
                        ("/library/all-types/preview", "quiz preview")]:
        frame.goto(base + path)
        assert_fits(frame, f"{label} ({locale})")

    # A refused accommodation: the message belongs to "extra time", which keeps what was typed.
    frame.goto(base + f"/reports/students/{user_id}")
    form = frame.locator("form[action$='/accommodation']")
    frame.fill("#extra-attempts", "1")
    frame.fill("#extra-minutes", "99999")
    form.evaluate("f => { f.noValidate = true; }")  # the browser's own check would stop it first
    with frame.expect_navigation():
        form.locator("button[type=submit]").click()
    minutes = frame.locator("#extra-minutes")
    assert minutes.get_attribute("aria-invalid") == "true"
    assert "extra-minutes-error" in minutes.get_attribute("aria-describedby").split()
    assert minutes.input_value() == "99999" and frame.locator("#extra-attempts").input_value() == "1"
    assert frame.locator("#extra-attempts").get_attribute("aria-invalid") is None
    assert_fits(frame, f"accommodation refused ({locale})")
    assert_accessible(frame, f"accommodation refused ({locale})")


# --- the pages added since: question bank, course quizzes, question editor, images, progress -------
# Their set-up is the one their own browser tests use (imported, so it stays one definition).
import random  # noqa: E402
import re  # noqa: E402

from test_course_progress_browser import _take, course_with_attempts  # noqa: E402,F401  (a fixture)
from test_quiz_editor import course_quiz  # noqa: E402,F401  (a fixture)

from lms_module.authoring import bank  # noqa: E402
from lms_module.authoring.models import BankImage  # noqa: E402
from lms_module.courses.models import Course, LaunchSession, ResourceLink  # noqa: E402

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


@pytest.fixture
def authored(course_with_attempts, course_quiz):
    """The course of the progress tests (five students' attempts) with the quiz editor's course quiz,
    a single choice question with long texts in the bank and an image with a long file name."""
    live = course_with_attempts
    with live.app.app_context():
        course_id = db.session.scalars(select(Course.id)).one()
        single = bank.save_question(course_id, {
            "id": "reflow-single", "type": "single",
            "text": {"de": "Welche Umsatzsteuer-Identifikationsnummer gehört zur Rechnungsempfängerin "
                           "DE123456789-Musterfirma-Beispielhandelsgesellschaft?",
                     "en": "Which VAT identification number belongs to the invoice recipient "
                           "DE123456789-sample-company-trading-partnership?"},
            "options": [{"id": "a", "text": "DE123456789012345678901234567890", "correct": True},
                        {"id": "b", "text": "rechnungseingang.kreditorenbuchhaltung@beispiel-unternehmen.test"}]},
            topic="Kreditorenbuchhaltung-Rechnungseingangsprüfung", tags=["Umsatzsteuer-Identifikationsnummer"])
        db.session.add(BankImage(course_id=course_id, name="rechnungseingangsstempel-kreditorenbuchhaltung-2026.png",
                                 media_type="image/png", sha256="0" * 64, data=PNG))
        db.session.commit()
        return live, single.question_id, course_quiz


@pytest.mark.parametrize("locale", ["en", "de"])
def test_the_new_pages_reflow_at_320px(narrow_page, authored, locale):
    page, (live, question_id, quiz_id) = narrow_page, authored

    # --- the instructor: overview, bank, course quizzes, question editor, images --------------------
    frame = _open(page, live, 2, "3", locale)
    base = re.match(r".*/l/[^/?#]+", frame.url).group(0)
    for path, ready, label in [
            ("/course/overview", "main svg.heat-map", "course overview"),
            ("/authoring/bank", "main table", "question bank"),
            ("/authoring/bank/import", "main h1", "bank import"),
            ("/authoring/bank/export", "main h1", "bank export"),
            ("/authoring/quizzes", "main h1", "course quiz list"),
            (f"/authoring/quizzes/{quiz_id}", "ol.quiz-slots", "quiz editor"),
            ("/authoring/questions/new", "main h1", "question type choice"),
            ("/authoring/questions/new?type=single", "form.qe", "question editor: new single choice"),
            (f"/authoring/questions/{question_id}/edit", "form.qe", "question editor: saved single choice"),
            ("/authoring/questions/new?type=document_check", "form.qe", "question editor: document check"),
            (f"/authoring/questions/{question_id}/preview", "main h1", "question preview"),
            ("/authoring/images", "main h1", "images")]:
        frame.goto(base + path)
        frame.wait_for_selector(ready)
        assert_fits(frame, f"{label} ({locale})")

    # --- the student: the progress page ------------------------------------------------------------
    frame = _open(page, live, 2, "4" if locale == "en" else "6", locale)
    with live.app.app_context():  # the student who just launched takes the activity once
        launch = db.session.scalars(select(LaunchSession).order_by(LaunchSession.created_at.desc())).first()
        _take(db.session.get(ResourceLink, launch.resource_link_id), launch.user_id, random.Random(1), 0.4)
        db.session.commit()
    frame.goto(re.match(r".*/l/[^/?#]+", frame.url).group(0) + "/progress")
    frame.wait_for_selector("table.progress-mine")
    assert_fits(frame, f"progress page ({locale})")
