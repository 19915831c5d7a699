"""Browser tests: Playwright driving Debian's Chromium against Kontor and its demo LMS."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("KONTOR_CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="en-GB", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def live_with_platform_storage(database_url, tmp_path):
    """Like `live`, with a demo LMS that offers platform storage (as Canvas does)."""
    from support.apps import empty_all_tables, make_app
    from support.kontor_live import start_live
    from support.live_server import LiveServer

    server = LiveServer()
    kontor = start_live(
        lambda base_url: make_app(database_url, tmp_path, KONTOR_DEMO_LMS=True, KONTOR_DEMO_BASE_URL=base_url,
                                  KONTOR_DEMO_LMS_PLATFORM_STORAGE=True),
        server,
    )
    yield kontor
    server.stop()
    empty_all_tables(kontor.app)
