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


def test_upgrading_a_database_with_data_keeps_the_data(tmp_path):
    """Migrations that rebuild a table (SQLite batch mode) must work when other tables point at it."""
    from sqlalchemy import text

    with throwaway_database(tmp_path, "with-data") as url:
        app = make_app(url, tmp_path)
        with app.app_context():
            upgrade(revision="c8e37d99afbf")  # before quizzes got an owner course
            db.session.execute(text(
                "INSERT INTO quiz (id, slug, topic, origin, latest_version, created_at) "
                "VALUES (1, 'kept', 'accuracy', 'library', 1, CURRENT_TIMESTAMP)"))
            db.session.execute(text(
                "INSERT INTO quiz_version (id, quiz_id, number, content_hash, content, title_de, title_en, "
                "question_count, source_path, created_at) VALUES (1, 1, 1, 'h', '{}', 'T', 'T', 0, '', CURRENT_TIMESTAMP)"))
            db.session.commit()
            upgrade()
            assert db.session.execute(text("SELECT q.slug, v.number FROM quiz q JOIN quiz_version v ON v.quiz_id = q.id")).all() == [("kept", 1)]
            assert db.session.execute(text("SELECT course_id FROM quiz")).scalar() is None
            db.session.remove()
            db.engine.dispose()
        assert _differences(app) == []
        with app.app_context():
            db.engine.dispose()
