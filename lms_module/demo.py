"""Demo mode: Kontor together with its built-in LMS emulator, registered and ready to launch.

The emulator (lms_module.demo_lms) is a separate WSGI app that speaks LTI only over HTTP; this module
is the tool-side glue: it mounts the emulator under /demo-lms and registers it as a platform.
Never active in production (config.finish_config refuses it).
"""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import run_simple

from .extensions import db

DEMO_MOUNT = "/demo-lms"


def demo_lms_settings(app: Flask):
    from .demo_lms.settings import DemoLmsSettings

    tool_base = app.config["KONTOR_DEMO_BASE_URL"].rstrip("/")
    return DemoLmsSettings(
        base_url=tool_base + DEMO_MOUNT,
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
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def demo_command(host: str, port: int) -> None:
    """Run Kontor with the built-in demo LMS: SQLite, in-process worker, everything registered."""
    from flask_migrate import upgrade

    from . import create_app
    from .lti import keys

    base_url = f"http://{host}:{port}"
    probe = create_app({"KONTOR_ENV": "demo", "KONTOR_DEMO_LMS": False})
    instance = Path(probe.config.get("INSTANCE_PATH") or probe.instance_path)
    # The demo LMS keeps its key and its course (activities, gradebook) across restarts.
    app = create_app({
        "KONTOR_ENV": "demo",
        "KONTOR_DEMO_BASE_URL": base_url,
        "KONTOR_DEMO_LMS_KEY_PATH": str(instance / "demo-lms-key.pem"),
        # Keyed by port: the demo course stores the tool URLs of its activities.
        "KONTOR_DEMO_LMS_STATE_PATH": str(instance / f"demo-lms-state-{port}.json"),
    })
    with app.app_context():
        upgrade()
        keys.ensure_tool_key()
        register_demo_platform(app)
        db.session.commit()
        _import_library()
    click.echo(f"Kontor demo: open {base_url}{DEMO_MOUNT}/ (the demo LMS) in your browser. Ctrl+C stops it.")
    # Flask refuses app.run() inside its CLI; serve with Werkzeug directly (threaded: the demo LMS
    # calls back into Kontor, e.g. for its JWKS, while a request is open).
    run_simple(host, port, app, threaded=True, use_reloader=False)


def _import_library() -> None:
    """The whole built-in library, so the picker and the demo LMS show every quiz."""
    from .library.services import BUILTIN_QUIZZES, import_path

    report = import_path(BUILTIN_QUIZZES)
    if not report.ok:
        db.session.rollback()
        raise click.ClickException("The quiz library has errors:\n" + "\n".join(str(e) for e in report.errors))
    db.session.commit()
    click.echo(f"Quiz library: {len(report.created)} new, {len(report.updated)} updated, {len(report.unchanged)} unchanged.")
