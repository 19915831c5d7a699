"""`flask db upgrade` on an empty database must yield exactly the models' schema."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from support.apps import make_app
from lms_module.extensions import db
from support.databases import throwaway_database


def _differences(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, db.metadata)


def test_migrations_produce_the_models_schema(tmp_path):
    with throwaway_database(tmp_path, "migrations") as url:
        app = make_app(url, tmp_path)
        with app.app_context():
            upgrade()
        try:
            assert _differences(app) == []
        finally:
            with app.app_context():
                db.engine.dispose()


def test_migrations_downgrade_to_empty_and_up_again(tmp_path):
    with throwaway_database(tmp_path, "roundtrip") as url:
        app = make_app(url, tmp_path)
        with app.app_context():
            upgrade()
            downgrade(revision="base")
            with db.engine.connect() as connection:
                tables = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
            assert tables == set()
            upgrade()
            db.engine.dispose()
        assert _differences(app) == []
        with app.app_context():
            db.engine.dispose()
