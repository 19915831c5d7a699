"""Browser tests: Playwright driving Debian's Chromium against Kontor and its demo LMS."""
from __future__ import annotations

from pathlib import Path

import pytest

from support.chromium import BROWSER_ARGS, CHROMIUM
from support.kontor_live import serve_two_sites


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def playwright_driver():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(playwright_driver):
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="en-GB", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def live(database_url, tmp_path):
    """The browser journeys run cross-site: the demo LMS on http://localhost, Kontor on http://127.0.0.1
    inside its iframe (tests/conftest.py's `live`, with the LMS mounted on Kontor's origin, stays for
    the tests that speak HTTP)."""
    kontor, stop = serve_two_sites(database_url, tmp_path)
    yield kontor
    stop()


@pytest.fixture
def live_with_platform_storage(database_url, tmp_path):
    """Like `live`, with a demo LMS that offers platform storage (as Canvas does)."""
    kontor, stop = serve_two_sites(database_url, tmp_path, KONTOR_DEMO_LMS_PLATFORM_STORAGE=True)
    yield kontor
    stop()
