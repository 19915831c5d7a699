"""Kontor: quiz-based training for back-office administrators, as an LTI 1.3 Advantage tool."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import finish_config, load_config, trusted_hosts
from .db_pool import install_idle_ping
from .extensions import babel, csrf, db, install_engine_hooks, migrate
from .version import __version__

__all__ = ["create_app", "__version__"]


def create_app(config: dict | None = None) -> Flask:
    """Build the application. `config` overrides the environment (tests pass their database here)."""
    app = Flask(__name__, instance_relative_config=True, static_folder="web/static", template_folder="web/templates")
    from .web import converters
    from .web.json_bodies import JSONProvider

    app.json = JSONProvider(app)  # JSON nested too deeply is malformed JSON (ValueError), not a 500
    converters.init_app(app)  # before any route: ids in URLs are bounded
    values = load_config(config)
    instance_path = Path(values.get("INSTANCE_PATH") or app.instance_path)
    app.config.update(finish_config(values, instance_path))
    _configure_logging(app)

    install_engine_hooks()
    db.init_app(app)
    with app.app_context():
        install_idle_ping(db.engine, app.config["KONTOR_DB_PING_IDLE_SECONDS"])
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    from .web import ratelimit

    ratelimit.init_app(app)  # KONTOR_RATELIMIT_*: the limiter, its storage and the 429 page
    from .web.locale import install_template_gettext, select_locale, select_timezone

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_template_gettext(app)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])

    if app.config["KONTOR_TRUSTED_PROXIES"]:
        # Only as many proxies as configured may tell us the scheme and host (X-Forwarded-Proto/Host).
        n = int(app.config["KONTOR_TRUSTED_PROXIES"])
        # Not X-Forwarded-Port: the documented proxy does not set it, so a client's own would pass
        # through and put its port into every URL (a proxy on another port says so in X-Forwarded-Host).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=0)

    if hosts := trusted_hosts(app.config["KONTOR_TRUSTED_HOSTS"]):
        # Flask refuses any other Host (after ProxyFix: the proxy's X-Forwarded-Host) with a 400.
        app.config["TRUSTED_HOSTS"] = hosts

    _register_blueprints(app)
    _register_cli(app)
    app.extensions["kontor.create_app"] = create_app  # for `flask demo`, which builds its own apps
    from . import transaction

    transaction.init_app(app)  # last: each request commits once (status < 400) before other hooks run
    if app.config["KONTOR_DEMO_LMS"]:
        from .demo import mount_demo_lms

        mount_demo_lms(app)
    _ensure_signing_key(app)
    return app


def _ensure_signing_key(app: Flask) -> None:
    """The tool's key pair exists from the first start on (once the database is migrated)."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    from .lti import keys

    with app.app_context():
        try:
            if inspect(db.engine).has_table("lti_tool_key"):
                keys.ensure_tool_key()
                db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            app.logger.warning("could not check the signing key at start; it is created on first use")
        finally:
            db.session.remove()


def _register_blueprints(app: Flask) -> None:
    from .library import models as _library_models  # noqa: F401  (tables known to the metadata)
    from .courses import models as _courses_models  # noqa: F401
    from .lti import models as _lti_models  # noqa: F401
    from .attempts import models as _attempt_models  # noqa: F401
    from .grade_sync import models as _grade_sync_models  # noqa: F401
    from .authoring import models as _authoring_models  # noqa: F401
    from .attempts.routes import bp as attempts_bp
    from .reports.routes import bp as reports_bp
    from .authoring.routes import bp as authoring_bp
    from .lti.routes import bp as lti_bp
    from .web import cookies, errors, security, template_helpers
    from .web.routes import bp as web_bp

    security.init_app(app)
    cookies.init_app(app)
    errors.init_app(app)
    template_helpers.init_app(app)
    app.register_blueprint(lti_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(attempts_bp)
    app.register_blueprint(reports_bp)
    from . import reports

    reports.init_app(app)
    from . import progress

    progress.init_app(app)  # course overview and the student's progress page
    app.register_blueprint(authoring_bp)
    from .authoring.question_routes import bp as question_editor_bp

    app.register_blueprint(question_editor_bp)  # the question editor, its previews and the course's images
    from .authoring import bank_routes

    bank_routes.init_app(app)  # the course question bank, its import and export
    from .authoring import quiz_routes

    quiz_routes.init_app(app)  # course quizzes: compose from the bank, publish, regrade
    from . import grade_sync, worker

    grade_sync.init_app(app)  # outbox hook, blueprint, instructor panel, `flask grades`
    worker.init_app(app)  # KONTOR_WORKER: background thread per web process; `flask worker`


def _register_cli(app: Flask) -> None:
    from .lti.cli import keys_cli, platform_cli

    app.cli.add_command(platform_cli)
    app.cli.add_command(keys_cli)
    from .library.cli import quiz_cli

    app.cli.add_command(quiz_cli)
    from .demo import demo_command

    app.cli.add_command(demo_command)


def _configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
