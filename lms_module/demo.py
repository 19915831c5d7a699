"""Demo mode: Kontor together with its built-in LMS emulator, registered and ready to launch.

The emulator (lms_module.demo_lms) is a separate WSGI app that speaks LTI only over HTTP; this module
is the tool-side glue: it builds the emulator, registers it as a platform, and either mounts it under
/demo-lms on Kontor's origin (tests that speak HTTP to it) or leaves it to be served on its own origin
(KONTOR_DEMO_LMS_URL; `flask demo` serves it on another site, as a real LMS is).
Never active in production (config.finish_config refuses it).
"""
from __future__ import annotations

from pathlib import Path

import threading

import click
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server, run_simple

from .extensions import db

DEMO_MOUNT = "/demo-lms"
# The quiz of the demo course's seeded activity, so that "Launch as student" works first.
DEMO_QUIZ = "accuracy-practice"


def demo_lms_settings(app: Flask):
    from .demo_lms.settings import DemoLmsSettings

    tool_base = app.config["KONTOR_DEMO_BASE_URL"].rstrip("/")
    return DemoLmsSettings(
        base_url=(app.config.get("KONTOR_DEMO_LMS_URL") or tool_base + DEMO_MOUNT).rstrip("/"),
        tool_base_url=tool_base,
        key_pem_path=app.config.get("KONTOR_DEMO_LMS_KEY_PATH") or None,
        state_path=app.config.get("KONTOR_DEMO_LMS_STATE_PATH") or None,
        platform_storage=bool(app.config.get("KONTOR_DEMO_LMS_PLATFORM_STORAGE")),
        auto_activate_tools=True,
        profile=app.config.get("KONTOR_DEMO_LMS_PROFILE") or "moodle",
    )


def mount_demo_lms(app: Flask) -> None:
    from .demo_lms import create_demo_lms

    emulator = create_demo_lms(demo_lms_settings(app))
    app.extensions["kontor_demo_lms"] = emulator
    if not app.config.get("KONTOR_DEMO_LMS_URL"):
        app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {DEMO_MOUNT: emulator})


def register_demo_platform(app: Flask):
    """Register the emulator as a platform of this Kontor (idempotent)."""
    from .lti.registration import save_platform

    settings = demo_lms_settings(app)
    if settings.is_canvas:
        _install_canvas_developer_key(app, settings)
    # What `flask platform add` does; Canvas's issuer is not its host, so its URLs are given apart.
    platform = save_platform(
        issuer=settings.issuer,
        client_id=settings.client_id,
        deployment_id=settings.deployment_id,
        auth_login_url=settings.auth_login_url,
        auth_token_url=settings.auth_token_url,
        key_set_url=settings.key_set_url,
        name="Kontor demo LMS (Canvas emulator)" if settings.is_canvas else "Kontor demo LMS (Moodle 4.5 emulator)",
        hosts_trusted=True,
    )
    return platform


def _install_canvas_developer_key(app: Flask, settings) -> None:
    """The Canvas admin's step: a developer key from Kontor's /lti/canvas.json, installed in the course.

    Built in a request context for Kontor's own address (the servers may not listen yet); the
    emulator's POST /accounts/site_admin/developer_keys does the same by fetching the URL."""
    from .lti.registration import canvas_configuration

    with app.test_request_context("/", base_url=settings.tool_base_url):
        configuration = canvas_configuration()
    emulator = app.extensions.get("kontor_demo_lms")
    if emulator is not None:
        emulator.extensions["demo_lms"].install_developer_key(
            configuration, client_id=settings.client_id, deployment_id=settings.deployment_id)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Kontor's host name.")
@click.option("--port", default=5000, show_default=True, type=int, help="Kontor's port.")
@click.option("--lms-host", default="localhost", show_default=True,
              help="The demo LMS's host name: another name than Kontor's, so the LMS is another site.")
@click.option("--lms-port", default=5001, show_default=True, type=int, help="The demo LMS's port.")
def demo_command(host: str, port: int, lms_host: str, lms_port: int) -> None:
    """Run Kontor with the built-in demo LMS: SQLite, in-process worker, everything registered.

    Two listeners in one process: Kontor on http://HOST:PORT and the demo LMS on
    http://LMS_HOST:LMS_PORT. The two host names differ (127.0.0.1 and localhost), so the browser
    treats the LMS as another site, as with a real LMS: Kontor runs in a cross-site iframe."""
    from flask.cli import ScriptInfo
    from flask_migrate import upgrade

    from .lti import keys

    # The factory comes from the app flask loaded (create_app puts itself there): demo.py sits below
    # the package's __init__ and does not import it.
    create_app = click.get_current_context().ensure_object(ScriptInfo).load_app().extensions["kontor.create_app"]

    base_url = f"http://{host}:{port}"
    lms_url = f"http://{lms_host}:{lms_port}"
    if host.lower() == lms_host.lower():
        click.echo(f"Note: {host} and {lms_host} are one site for cookies; the launch is not cross-site.")
    probe = create_app({"KONTOR_ENV": "demo", "KONTOR_DEMO_LMS": False})
    instance = Path(probe.config.get("INSTANCE_PATH") or probe.instance_path)
    state_path = instance / f"demo-lms-state-{_file_key(host, port, lms_host, lms_port)}.json"
    fresh = not state_path.exists()
    # The demo LMS keeps its key and its course (activities, gradebook) across restarts.
    app = create_app({
        "KONTOR_ENV": "demo",
        "KONTOR_DEMO_BASE_URL": base_url,
        "KONTOR_DEMO_LMS_URL": lms_url,
        "KONTOR_DEMO_LMS_KEY_PATH": str(instance / "demo-lms-key.pem"),
        # Keyed by both addresses: the demo course stores the tool URLs of its activities, and the
        # issuer is the LMS's address.
        "KONTOR_DEMO_LMS_STATE_PATH": str(state_path),
    })
    click.echo("Preparing the database (migrations), the tool key and the demo LMS ...")
    with app.app_context():
        upgrade()
        keys.ensure_tool_key()
        register_demo_platform(app)
        db.session.commit()
        _import_library()
    if fresh:
        seed_demo_quiz(app)
    lms_server = make_server(lms_host, lms_port, app.extensions["kontor_demo_lms"], threaded=True)
    threading.Thread(target=lms_server.serve_forever, name="demo-lms", daemon=True).start()
    click.echo(f"Demo LMS: open {lms_url}/ in your browser (Kontor runs on {base_url}). Ctrl+C stops both.")
    # Flask refuses app.run() inside its CLI; serve with Werkzeug directly (threaded: the demo LMS
    # calls back into Kontor, e.g. for its JWKS, while a request is open).
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        lms_server.shutdown()


def seed_demo_quiz(app: Flask, quiz: str = DEMO_QUIZ) -> None:
    """A new demo course's seeded activity gets a quiz (its custom parameter quiz=…, as an LMS
    administrator would set it), so that the first "Launch as student" opens a quiz. Only for a
    fresh demo: a course someone already worked with stays as it is."""
    from .demo_lms.seed import SEEDED_CMID

    state = app.extensions["kontor_demo_lms"].extensions["demo_lms"]
    state.set_custom_parameters(SEEDED_CMID, {"quiz": quiz})
    click.echo(f'The demo course\'s activity "Kontor quiz" opens the quiz {quiz}.')


def _file_key(*parts) -> str:
    return "-".join(str(p) for p in parts).replace(":", "_").replace("/", "_")


def _import_library() -> None:
    """The whole built-in library, so the picker and the demo LMS show every quiz."""
    from .library.services import BUILTIN_QUIZZES, import_path

    report = import_path(BUILTIN_QUIZZES)
    if not report.ok:
        db.session.rollback()
        raise click.ClickException("The quiz library has errors:\n" + "\n".join(str(e) for e in report.errors))
    db.session.commit()
    click.echo(f"Quiz library: {len(report.created)} new, {len(report.updated)} updated, {len(report.unchanged)} unchanged.")
