"""Kontor inside the demo LMS's activity page, as the browser tests reach it after a launch."""
from __future__ import annotations

import re

from playwright.sync_api import Frame, Page

# A page of a launch: /l/<launch id>/…, where every launch ends (the landing page and all after it).
LAUNCHED = re.compile(r"/l/[^/?#]+/")


def launched_frame(page: Page, ready: str = "main h1", timeout: float = 15000) -> Frame:
    """Kontor's frame in the LMS page, once the launch has landed on a page of its own and that page
    shows `ready`.

    On its way the frame shows other pages: the LMS's auto-submitted forms and Kontor's cookie check,
    whose "Opening the activity…" is a `main h1` too. A wait for a selector alone could stop there;
    a test that then took the frame's URL or navigated it raced the launch still under way. The frame
    is the one the LMS's tool iframe holds (not the last one the page lists: with platform storage the
    LMS adds a hidden frame)."""
    frame = page.locator("iframe#contentframe").element_handle(timeout=timeout).content_frame()
    assert frame is not None, "the LMS page has no tool frame"
    frame.wait_for_url(LAUNCHED, timeout=timeout)
    frame.locator(ready).first.wait_for(timeout=timeout)
    return frame


def attempt_page_ready(frame: Frame, timeout: float = 15000) -> None:
    """Wait until a question page's form is on screen and its script (autosave, countdown) runs.

    The script is deferred: the form is in the page a moment before it, and an answer typed in that
    moment raises no autosave. A test that waited for the form alone and then typed waited for an
    autosave that never came when the machine was slow (it failed CI once)."""
    frame.wait_for_selector("#attempt-form", timeout=timeout)
    frame.wait_for_function(
        "() => document.getElementById('attempt-form').dataset.script === 'ready'", timeout=timeout
    )


def question_editor_ready(frame: Frame, timeout: float = 15000) -> None:
    """Wait until the question editor's form is on screen and its script has moved the focus.

    After "Add" (a round trip) the script puts the focus on the new row. It is deferred: the form
    is in the page a moment before it, and a field filled in that moment got its text typed into
    the new row instead when the focus moved under the typing."""
    frame.wait_for_selector("form.qe", timeout=timeout)
    frame.wait_for_function(
        "() => document.querySelector('form.qe').dataset.script === 'ready'", timeout=timeout
    )


def launch_base(frame: Frame) -> str:
    """The launch's own URL prefix (…/l/<launch id>), for the pages a test opens in the frame."""
    return re.match(r".*/l/[^/?#]+", frame.url).group(0)


def fill_field(frame: Frame, name: str, values: list[str]) -> None:
    """Give a question's field the values an answer key names, as a student would: choose in a
    select, tick radios and checkboxes, type into anything else."""
    field = frame.locator(f'[name="{name}"]').first
    kind = field.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
    if kind.startswith("select"):
        field.select_option(values[0])
    elif kind.endswith(":radio") or kind.endswith(":checkbox"):
        for value in values:
            frame.locator(f'[name="{name}"][value="{value}"]').check()
    else:
        field.fill(values[0])
