"""How the browser tests start Debian's Chromium."""
import os

CHROMIUM = os.environ.get("KONTOR_CHROMIUM", "/usr/bin/chromium")
BROWSER_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage",
    # Keep the tool's iframe in the LMS page's renderer process. With site isolation a launch moves
    # the frame between processes three times within a second (to Kontor's login, back to the LMS's
    # sign-in, on to Kontor's page), and now and then Playwright lost the frame on the last move:
    # Kontor served the page, but the test saw the frame stuck on the LMS's sign-in and timed out
    # (about one launch in 30 on a busy machine). Which cookies and storage a cross-site frame gets,
    # frame-ancestors and postMessage are decided by site, not by process: the tests check them as
    # before.
    "--disable-site-isolation-trials",
]
