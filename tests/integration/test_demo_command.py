"""`flask demo` starts Kontor and the demo LMS as two listeners on two sites, and a launch from the
LMS reaches Kontor (the browser journeys on two sites are in tests/e2e/test_cross_site_launch.py)."""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from support.form_browser import FormBrowser

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_demo_serves_the_lms_on_another_site_and_launches_kontor(tmp_path):
    port, lms_port = _free_port(), _free_port()
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "KONTOR_ENV": "demo", "KONTOR_WORKER": "off"}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "demo", "--port", str(port), "--lms-port", str(lms_port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        printed = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            printed.append(line)
            if line.startswith("Demo LMS: open"):
                break
        lms_url = f"http://localhost:{lms_port}"
        assert f"Demo LMS: open {lms_url}/ in your browser (Kontor runs on http://127.0.0.1:{port})" in "".join(printed), printed
        # It says what it is doing, and prints no warnings (issue 13).
        assert any(line.startswith("Preparing the database") for line in printed), printed
        assert not [line for line in printed if "warning" in line.lower()], printed
        with FormBrowser() as browser:
            assert "Launch as student" in browser.get(lms_url + "/").text
            page = browser.open_iframe(browser.get(f"{lms_url}/course/view/2?user=4&locale=en"))
        assert page.url.startswith(f"http://127.0.0.1:{port}/l/"), (page.url, page.status_code)
        # The seeded activity has a quiz: the first student launch opens it (issue 13).
        assert page.url.endswith("/quiz") and "Start the quiz" in page.text, page.text[:500]
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def test_make_demo_reset_forgets_the_demo_course_and_database_but_keeps_the_keys(tmp_path):
    for name in ("demo-lms-state-127.0.0.1-5000-localhost-5001.json", "kontor.sqlite3", "kontor.sqlite3-wal",
                 "secret_key", "demo-lms-key.pem", "tool-key.pem"):
        (tmp_path / name).write_text("x")
    done = subprocess.run(["make", "-s", "demo-reset"], cwd=ROOT, env={**os.environ, "INSTANCE_PATH": str(tmp_path)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo-lms-key.pem", "secret_key", "tool-key.pem"]
