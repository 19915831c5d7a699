"""How the browser tests start Debian's Chromium."""
import os

CHROMIUM = os.environ.get("KONTOR_CHROMIUM", "/usr/bin/chromium")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]
