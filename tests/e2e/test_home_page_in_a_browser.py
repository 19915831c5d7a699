"""Kontor's own address in a browser, in both languages, on a laptop and on a phone: accessible
(axe, WCAG 2.2 AA) and no sideways scrolling from the long URLs."""
import pytest

from support.accessibility import assert_accessible


@pytest.mark.parametrize("locale, width", [("en-GB", 1280), ("de-DE", 320)])
def test_the_home_page_is_accessible_and_fits(chromium, live, locale, width):
    context = chromium.new_context(locale=locale, viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        page.goto(live.url + "/")
        page.locator("dl.endpoints code").first.wait_for()
        assert page.locator("dl.endpoints dt").count() == 4
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        assert_accessible(page, f"Kontor's home page ({locale}, {width} px)")
    finally:
        context.close()
