"""A browser that does not keep Kontor's state cookie in the LMS frame: the state travels through
the platform's storage frame (postMessage), and the launch still opens."""
from support.accessibility import assert_accessible


def test_launch_confirmed_through_platform_storage(page, live_with_platform_storage):
    live = live_with_platform_storage

    def lose_cookies(route):
        # Simulate a browser that does not keep Kontor's cookie in the LMS frame: it is gone by
        # the time the LMS posts the launch back.
        page.context.clear_cookies()
        route.continue_()

    page.route(f"{live.lms_url}/auth?**", lose_cookies)
    seen = []
    page.on("request", lambda request: seen.append((request.method, request.url)))
    page.goto(f"{live.lms_url}/course/view/2?user=4&locale=en")
    frame_locator = page.frame_locator("iframe#contentframe")
    frame_locator.locator("h1", has_text="This activity is not set up yet").wait_for(timeout=15000)
    frame = next(f for f in page.frames if "/l/" in f.url)
    assert_accessible(frame, "page after platform storage")
    # The launch went through the storage confirmation, not the cookie.
    assert ("POST", live.url + "/lti/storage-confirm") in seen, "\n".join(f"{m} {u}" for m, u in seen)
