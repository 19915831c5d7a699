"""A student takes a quiz in a real browser: launched by the demo LMS into its iframe, every
question type answered (one keyboard-only), a reload mid-attempt, submit, result; axe-core on
every page in English and German."""
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from support.accessibility import assert_accessible
from lms_module.attempts import services
from lms_module.attempts.models import Attempt
from lms_module.extensions import db
from lms_module.library.services import import_path
from support.answer_keys import running_attempt_key_form
from support.broken_plans import with_ghost
from support.lms_frame import attempt_page_ready, fill_field, launched_frame

ALL_TYPES = Path(__file__).resolve().parents[1] / "unit" / "engine" / "fixtures" / "all_types.yaml"


@pytest.fixture
def quiz_activity(live):
    with live.app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()
    live.lms.set_custom_parameters(2, {"quiz": "all-types"})
    return live


def kontor_frame(page, ready_selector):
    """The tool's iframe once the launch has landed and shows `ready_selector`."""
    return launched_frame(page, ready_selector)


def open_activity(page, live, user="4", locale="en"):
    page.goto(f"{live.lms_url}/course/view/2?user={user}&locale={locale}")
    return kontor_frame(page, "form[action$='/quiz/start'], a[href*='/attempt/']")


def planned_form(live):
    """The key for every question of the running attempt (the essay gets a sentence)."""
    return running_attempt_key_form(live.app, "Because the invoice must match the order.")


@pytest.mark.parametrize("locale", ["en", "de"])
def test_student_takes_the_quiz(page, quiz_activity, locale):
    live = quiz_activity
    frame = open_activity(page, live, user="4" if locale == "en" else "6", locale=locale)
    assert frame.locator("html").get_attribute("lang") == locale
    assert_accessible(frame, f"start page ({locale})")

    frame.locator("form button[type=submit]").click()
    attempt_page_ready(frame)
    assert_accessible(frame, f"question page ({locale})")

    form = planned_form(live)
    names = list(form)
    keyboard_name = next(n for n in names if n.startswith("q-incoterms__"))  # a matching select
    for name in names:
        if name != keyboard_name:
            fill_field(frame, name, form[name])
    # Keyboard only: focus the select and choose with arrow keys, as a keyboard user would.
    dropdown = frame.locator(f'[name="{keyboard_name}"]')
    dropdown.focus()
    options = dropdown.evaluate("el => Array.from(el.options).map(o => o.value)")
    target = options.index(form[keyboard_name][0])
    for _ in range(target):
        page.keyboard.press("ArrowDown")
    assert dropdown.input_value() == form[keyboard_name][0]

    # The autosave script saves in the background: wait until nothing is left unsent, then reload.
    # (Chromium blocks site data in the LMS's cross-site iframe: the queue then lives in the script's
    # memory, and the form says how many answers are unsent.)
    frame.wait_for_function("() => document.getElementById('attempt-form').dataset.unsent === '0'", timeout=15000)
    frame.locator("#save-status").filter(has_text="saved" if locale == "en" else "gespeichert").wait_for(timeout=10000)
    page.reload()
    frame = kontor_frame(page, "a[href*='/attempt/']")
    frame.locator("text=Continue your attempt" if locale == "en" else "text=Versuch fortsetzen").click()
    attempt_page_ready(frame)
    for name, values in form.items():
        first = frame.locator(f'[name="{name}"]').first
        kind = first.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
        if kind.endswith(":radio") or kind.endswith(":checkbox"):
            for value in values:
                assert frame.locator(f'[name="{name}"][value="{value}"]').is_checked(), name
        else:
            assert first.input_value().strip() == values[0].strip(), name

    frame.locator('button[value="summary"]').click()
    frame.wait_for_selector("form[action$='/submit']")
    assert_accessible(frame, f"summary page ({locale})")
    frame.locator("form[action$='/submit'] button").click()
    frame.wait_for_url("**/result")
    frame.wait_for_selector("main h1")
    assert_accessible(frame, f"result page ({locale})")
    text = frame.locator("main").inner_text()
    assert ("graded by your instructor" in text) if locale == "en" else ("bewertet Ihre Lehrkraft" in text)
    with live.app.app_context():
        attempt = db.session.scalars(select(Attempt)).one()
        assert attempt.status == "awaiting_grading"
        essay_points = services.content_for(attempt).question("why-check").points
        assert attempt.marks == attempt.max_marks - essay_points  # all right; the essay awaits grading


def test_the_accessibility_check_finds_violations(page):
    """Guard for the checks above: axe really runs and reports a broken page."""
    page.set_content('<html><body><img src="data:,"><input type="text"></body></html>')
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page, "deliberately broken page")


@pytest.mark.parametrize("locale", ["en", "de"])
def test_an_attempt_that_cannot_be_submitted_gives_the_student_a_clear_accessible_page(page, quiz_activity, locale):
    from datetime import timedelta

    from lms_module.db_types import utcnow

    live = quiz_activity
    frame = open_activity(page, live, user="4" if locale == "en" else "6", locale=locale)
    frame.locator("form button[type=submit]").click()
    attempt_page_ready(frame)
    with live.app.app_context():  # overdue, and its plan names a question the quiz does not have
        attempt = db.session.scalars(select(Attempt)).one()
        attempt.plan = with_ghost(attempt.plan)
        attempt.deadline_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    frame.goto(frame.url)  # the student comes back to the page
    frame.wait_for_selector("main h1")
    heading = {"en": "Your attempt could not be submitted", "de": "Ihr Versuch konnte nicht abgegeben werden"}
    assert frame.locator("main h1").inner_text() == heading[locale]
    assert_accessible(frame, f"attempt that cannot be submitted ({locale})")


def test_a_change_made_while_a_save_is_under_way_is_saved_even_in_the_same_millisecond(page, quiz_activity):
    """Two changes of one answer can carry the same given_at (one millisecond). When the save of
    the first comes back, the second must stay queued and be sent: the script once forgot it
    (it compared given_at), so the page said "saved" and a reload showed the older answer."""
    from lms_module.attempts.models import Answer

    live = quiz_activity
    frame = open_activity(page, live)
    frame.locator("form button[type=submit]").click()
    attempt_page_ready(frame)
    field = frame.locator("#attempt-form input[type=text]").first
    # Every change gets one and the same given_at; every save waits at a gate the test opens.
    frame.evaluate("""() => {
        const fixed = new Date().toISOString();
        Date.prototype.toISOString = function () { return fixed; };
        let open;
        window.__gate = new Promise(resolve => { open = resolve; });
        window.__openGate = open;
        window.__started = 0;
        window.__inflight = 0;
        const realFetch = window.fetch;
        window.fetch = (url, init) => {
            window.__started += 1;
            window.__inflight += 1;
            return window.__gate.then(() => realFetch(url, init))
                .finally(() => { window.__inflight -= 1; });
        };
    }""")
    field.fill("first answer")
    frame.wait_for_function("() => window.__started >= 1")  # its save is under way, held at the gate
    field.fill("second answer")
    frame.evaluate("() => window.__openGate()")
    # Nothing is left unsent only once the second change is saved too (or, as the old script did,
    # forgotten when the first one's save came back): no pause needed for its save timer.
    frame.wait_for_function("() => window.__inflight === 0 && document.getElementById('attempt-form').dataset.unsent === '0'",
                            timeout=15000)
    with live.app.app_context():
        responses = [str(answer.response) for answer in db.session.scalars(select(Answer))]
    assert any("second answer" in response for response in responses), responses


CLOSED = {"en": "This attempt is closed. Reload the page.", "de": "Dieser Versuch ist beendet. Bitte laden Sie die Seite neu."}


@pytest.mark.parametrize("locale", ["en", "de"])
def test_a_refused_autosave_shows_the_servers_reason_and_keeps_it_on_screen(page, quiz_activity, locale):
    """An autosave the server refuses with 409 shows the message it sends, in the student's language
    (here: an attempt whose plan names a question its quiz lacks), as text, and "saved" does not
    replace it; a 409 without a message shows the page's own "closed" text. The script showed that
    text for every 409, and then "All answers saved." over it."""
    live = quiz_activity
    frame = open_activity(page, live, user="4" if locale == "en" else "6", locale=locale)
    frame.locator("form button[type=submit]").click()
    attempt_page_ready(frame)
    with live.app.app_context():  # still in time, and its plan names a question the quiz does not have
        attempt = db.session.scalars(select(Attempt)).one()
        attempt.plan = with_ghost(attempt.plan)
        db.session.commit()
    field = frame.locator("#attempt-form input[type=text]").first
    status = frame.locator("#save-status")
    server_says = {"en": "Please tell your teacher.", "de": "Bitte informieren Sie Ihre Lehrkraft."}[locale]

    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 409):
        field.fill("an answer")
    # The flush's last word (the old script's "saved") follows the emptied queue in the same turn,
    # with no request or timer between: once nothing is unsent, the status is final.
    frame.wait_for_function("() => document.getElementById('attempt-form').dataset.unsent === '0'")
    assert status.inner_text().endswith(server_says)

    # The server's text is text, never markup; a 409 without a message gets the page's own text.
    markup = '<img src="x" onerror="window.__injected = 1">Closed'
    answers = iter([{"status": 409, "content_type": "application/json", "body": json.dumps({"ok": False, "message": markup})},
                    {"status": 409, "content_type": "text/html", "body": "<html>Conflict</html>"}])
    page.route("**/autosave", lambda route: route.fulfill(**next(answers)))
    field.fill("another answer")
    frame.wait_for_function("text => document.getElementById('save-status').textContent === text", arg=markup)
    assert frame.evaluate("() => window.__injected === undefined && !document.querySelector('#save-status img')")
    field.fill("a third answer")  # queued at once (unsent: 1), refused 600 ms later
    frame.wait_for_function("() => document.getElementById('attempt-form').dataset.unsent === '0'")
    assert status.inner_text() == CLOSED[locale]


STALE_TOKEN = {"en": "Please reload the page and try again", "de": "Bitte laden Sie die Seite neu"}


@pytest.mark.parametrize("locale", ["en", "de"])
def test_an_autosave_refused_for_its_security_token_keeps_the_answer_and_says_why(page, quiz_activity, locale):
    """The server refuses an autosave whose security token it does not know (a launch in another
    tab gives the browser a new one). The refusal was the HTML error page, which the script took
    for a lost connection: "no connection, retrying" for ever, never "reload". Now the student reads
    the reason in their language, the answer stays queued in the browser, and it is saved as soon
    as a save goes out with a valid token."""
    from lms_module.attempts.models import Answer

    live = quiz_activity
    frame = open_activity(page, live, user="4" if locale == "en" else "6", locale=locale)
    frame.locator("form button[type=submit]").click()
    attempt_page_ready(frame)
    token = frame.evaluate("() => document.getElementById('attempt-form').dataset.csrf")
    frame.evaluate("() => { document.getElementById('attempt-form').dataset.csrf = 'a-token-the-server-never-issued'; }")
    field = frame.locator("#attempt-form input[type=text]").first

    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 400):
        field.fill("kept answer")
    # The response reaching the browser is not yet the script's reading of it: wait for the reason
    # on screen (a fixed 300 ms was too short on a loaded machine). Had the script dropped the
    # answer instead of keeping it, the save after 'online' below would never go out.
    frame.locator("#save-status").filter(has_text=STALE_TOKEN[locale]).wait_for(timeout=15000)
    assert frame.evaluate("() => document.getElementById('attempt-form').dataset.unsent") == "1"

    frame.evaluate("token => { document.getElementById('attempt-form').dataset.csrf = token; }", token)
    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 200):
        frame.evaluate("() => window.dispatchEvent(new Event('online'))")
    frame.wait_for_function("() => document.getElementById('attempt-form').dataset.unsent === '0'")
    with live.app.app_context():
        assert any("kept answer" in str(answer.response) for answer in db.session.scalars(select(Answer)))


SAVED = {"en": "All answers saved.", "de": "Alle Antworten gespeichert."}


def listen_to_live_regions(frame):
    """From now on, note the text of every live region of the page each time it changes: what a
    screen reader speaks without the student asking (empty regions say nothing)."""
    frame.evaluate("""() => {
        window.__spoken = [];
        const live = '[aria-live]:not([aria-live="off"]), [role="status"], [role="alert"], [role="log"]';
        new MutationObserver(records => {
            const changed = new Set();
            for (const record of records) {
                const node = record.target.nodeType === Node.ELEMENT_NODE ? record.target : record.target.parentElement;
                const region = node && node.closest(live);
                if (region) changed.add(region);
            }
            for (const region of changed) {
                const text = region.textContent.trim();
                if (text) window.__spoken.push(text);
            }
        }).observe(document.body, {childList: true, characterData: true, subtree: true});
    }""")


def spoken(frame) -> list[str]:
    return frame.evaluate("() => window.__spoken")


@pytest.mark.parametrize("locale", ["en", "de"])
def test_a_screen_reader_hears_a_save_problem_and_its_recovery_not_every_save(page, quiz_activity, locale):
    """The save status was a live region that said "Saving…" and "All answers saved." at every pause
    in typing: a screen reader interrupted the student twice per pause. The status stays on screen;
    the live region speaks a problem (here: an autosave refused for its security token) once, also
    when a retry meets it again, then once that the answers are saved again, and nothing for the
    saves that go well."""
    live = quiz_activity
    frame = open_activity(page, live, user="4" if locale == "en" else "6", locale=locale)
    frame.locator("form button[type=submit]").click()
    attempt_page_ready(frame)
    listen_to_live_regions(frame)
    form = "document.getElementById('attempt-form')"
    field = frame.locator("#attempt-form input[type=text]").first
    status = frame.locator("#save-status")

    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 200):
        field.fill("first answer")
    status.filter(has_text=SAVED[locale]).wait_for(timeout=15000)  # seen on screen
    assert spoken(frame) == []

    token = frame.evaluate(f"() => {form}.dataset.csrf")
    frame.evaluate(f"() => {{ {form}.dataset.csrf = 'a-token-the-server-never-issued'; }}")
    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 400):
        field.fill("second answer")
    status.filter(has_text=STALE_TOKEN[locale]).wait_for(timeout=15000)
    assert_accessible(frame, f"question page with a refused save ({locale})")
    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 400):
        frame.evaluate("() => window.dispatchEvent(new Event('online'))")  # the retry meets it again
    status.filter(has_text=STALE_TOKEN[locale]).wait_for(timeout=15000)

    frame.evaluate(f"token => {{ {form}.dataset.csrf = token; }}", token)
    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 200):
        frame.evaluate("() => window.dispatchEvent(new Event('online'))")
    status.filter(has_text=SAVED[locale]).wait_for(timeout=15000)
    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 200):
        field.fill("third answer")
    frame.wait_for_function(f"() => {form}.dataset.unsent === '0'", timeout=15000)
    status.filter(has_text=SAVED[locale]).wait_for(timeout=15000)

    said = spoken(frame)
    assert len(said) == 2 and STALE_TOKEN[locale] in said[0] and said[1] == SAVED[locale], said


def test_an_autosave_that_gets_no_answer_is_given_up_and_sent_again(page, quiz_activity):
    """A save whose request hangs (a bad network, a proxy that holds the connection) held up every
    later save until the browser gave up on it, minutes later, with "Saving…" on screen. It is now
    given up after the page's save timeout (lowered here from 20 s to 1 s): the student reads that
    the answer is not saved yet, and the answer goes out with the next save."""
    from lms_module.attempts.models import Answer

    live = quiz_activity
    frame = open_activity(page, live, user="4", locale="en")
    frame.locator("form button[type=submit]").click()
    attempt_page_ready(frame)
    frame.evaluate("() => { document.getElementById('attempt-form').dataset.saveTimeoutMs = '1000'; }")
    held = []
    page.route("**/autosave", lambda route: held.append(route) if not held else route.continue_())
    field = frame.locator("#attempt-form input[type=text]").first
    field.fill("answer after a stall")
    frame.locator("#save-status").filter(has_text="no connection").wait_for(timeout=15000)
    assert len(held) == 1
    assert frame.evaluate("() => document.getElementById('attempt-form').dataset.unsent") == "1"
    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 200):
        frame.evaluate("() => window.dispatchEvent(new Event('online'))")
    frame.wait_for_function("() => document.getElementById('attempt-form').dataset.unsent === '0'")
    with live.app.app_context():
        texts = [a.response for a in db.session.scalars(select(Answer))]
    assert any("answer after a stall" in str(response) for response in texts), texts
