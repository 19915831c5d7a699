"""Demo mode: Kontor together with its built-in LMS emulator, registered and ready to launch.

The emulator (lms_module.demo_lms) is a separate WSGI app that speaks LTI only over HTTP; this module
is the tool-side glue: it mounts the emulator under /demo-lms and registers it as a platform.
Never active in production (config.finish_config refuses it).
"""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.middleware.dispatcher import DispatcherMiddleware

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
    platform = save_platform(
        issuer=settings.issuer,
        client_id=settings.client_id,
        deployment_id=settings.deployment_id,
        auth_login_url=settings.issuer + "/auth",
        auth_token_url=settings.issuer + "/token",
        key_set_url=settings.issuer + "/certs",
        name="Kontor demo LMS (Moodle 4.5 emulator)",
    )
    return platform


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def demo_command(host: str, port: int) -> None:
    """Run Kontor with the built-in demo LMS: SQLite, in-process worker, everything registered."""
    from flask_migrate import upgrade

    from . import create_app
    from .lti import keys

    base_url = f"http://{host}:{port}"
    app = create_app({"KONTOR_ENV": "demo", "KONTOR_DEMO_BASE_URL": base_url})
    with app.app_context():
        upgrade()
        keys.ensure_tool_key()
        register_demo_platform(app)
        db.session.commit()
        _import_library(app)
    click.echo(f"Kontor demo: open {base_url}{DEMO_MOUNT}/ (the demo LMS) in your browser. Ctrl+C stops it.")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


def _import_library(app: Flask) -> None:
    importer = app.extensions.get("kontor_library_importer")
    if importer is not None:
        importer(app)


@click.command("demo-register")
@with_appcontext
def demo_register_command() -> None:
    """Register the demo LMS as a platform (used by tests and by `flask demo`)."""
    register_demo_platform(current_app)
    db.session.commit()
