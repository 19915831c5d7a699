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


def test_courses_and_links_get_the_deployment_of_their_latest_launch(tmp_path):
    """Rows from before deployments were kept: filled from their launches, else NULL (legacy)."""
    from sqlalchemy import text

    with throwaway_database(tmp_path, "deployments") as url:
        app = make_app(url, tmp_path)
        with app.app_context():
            upgrade(revision="5b1e7c3a9d20")
            for statement in (
                "INSERT INTO lti_platform (id, issuer, client_id, name, auth_login_url, auth_token_url, key_set_url, "
                "frame_origins, created_at) VALUES (1, 'https://lms', 'c', '', 'a', 't', 'k', '[]', CURRENT_TIMESTAMP)",
                "INSERT INTO lti_user (id, platform_id, subject, updated_at) VALUES (1, 1, 's', CURRENT_TIMESTAMP)",
                "INSERT INTO lti_course (id, platform_id, context_id, label, title) VALUES (1, 1, 'a', '', '')",
                "INSERT INTO lti_course (id, platform_id, context_id, label, title) VALUES (2, 1, 'b', '', '')",
                "INSERT INTO lti_resource_link (id, platform_id, course_id, link_id, title, custom, ags_scopes) "
                "VALUES (1, 1, 1, 'l1', '', '{}', '[]')",
                "INSERT INTO lti_resource_link (id, platform_id, course_id, link_id, title, custom, ags_scopes) "
                "VALUES (2, 1, 2, 'l2', '', '{}', '[]')",
                "INSERT INTO lti_launch (id, platform_id, user_id, course_id, resource_link_id, role, locale, "
                "message_type, deployment_id, created_at, expires_at) VALUES ('old', 1, 1, 1, 1, 'student', 'de', "
                "'LtiResourceLinkRequest', 'd-old', '2026-01-01 00:00:00', '2026-01-02 00:00:00')",
                "INSERT INTO lti_launch (id, platform_id, user_id, course_id, resource_link_id, role, locale, "
                "message_type, deployment_id, created_at, expires_at) VALUES ('new', 1, 1, 1, 1, 'student', 'de', "
                "'LtiResourceLinkRequest', 'd-new', '2026-02-01 00:00:00', '2026-02-02 00:00:00')",
            ):
                db.session.execute(text(statement))
            db.session.commit()
            upgrade()
            for table in ("lti_course", "lti_resource_link"):
                rows = db.session.execute(text(f"SELECT id, deployment_id FROM {table} ORDER BY id")).all()
                assert [tuple(row) for row in rows] == [(1, "d-new"), (2, None)]
            db.session.remove()
            db.engine.dispose()


def test_quiz_slugs_per_course_upgrade_and_a_downgrade_that_would_merge_namespaces_is_refused(tmp_path):
    """After b5d8e2f4a6c1 two courses may share a slug; going back to one global namespace then
    cannot work, and the downgrade says which slugs stand in the way instead of failing halfway."""
    import pytest
    from sqlalchemy import text

    with throwaway_database(tmp_path, "slugs") as url:
        app = make_app(url, tmp_path)
        with app.app_context():
            upgrade(revision="a4c7e1f3b9d2")
            for statement in (
                "INSERT INTO lti_platform (id, issuer, client_id, name, auth_login_url, auth_token_url, key_set_url, "
                "frame_origins, created_at) VALUES (1, 'https://lms', 'c', '', 'a', 't', 'k', '[]', CURRENT_TIMESTAMP)",
                "INSERT INTO lti_course (id, platform_id, context_id, label, title) VALUES (1, 1, 'a', '', '')",
                "INSERT INTO lti_course (id, platform_id, context_id, label, title) VALUES (2, 1, 'b', '', '')",
                "INSERT INTO quiz (id, slug, topic, origin, latest_version, course_id, created_at) "
                "VALUES (1, 'ours', 'accuracy', 'course', 1, 1, CURRENT_TIMESTAMP)",
            ):
                db.session.execute(text(statement))
            db.session.commit()
            upgrade()
            db.session.execute(text(
                "INSERT INTO quiz (id, slug, topic, origin, latest_version, course_id, created_at) "
                "VALUES (2, 'ours', 'accuracy', 'course', 1, 2, CURRENT_TIMESTAMP)"))
            db.session.commit()
            # Down to this revision first: later revisions may downgrade in the same transaction as
            # the refusal (PostgreSQL), which would roll them back too and leave the head in place.
            downgrade(revision="b5d8e2f4a6c1")
            with pytest.raises(SystemExit):  # Flask-Migrate logs the RuntimeError and exits
                downgrade(revision="a4c7e1f3b9d2")
            db.session.rollback()
            assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == "b5d8e2f4a6c1"
            db.session.execute(text("DELETE FROM quiz WHERE id = 2"))
            db.session.commit()
            downgrade(revision="a4c7e1f3b9d2")
            assert db.session.execute(text("SELECT slug, course_id FROM quiz")).all() == [("ours", 1)]
            db.session.remove()
            db.engine.dispose()


def test_platforms_there_before_the_trust_setting_keep_their_trusted_hosts(tmp_path):
    """c6a8e0f2b4d7: nothing stored tells an administrator's platform from a registered one, so the
    platforms there keep the behaviour they had (hosts reached wherever they resolve); a platform
    written later without the setting gets the safe default."""
    from sqlalchemy import text

    with throwaway_database(tmp_path, "hosts-trusted") as url:
        app = make_app(url, tmp_path)
        with app.app_context():
            upgrade(revision="b7e2d9c4a1f6")
            db.session.execute(text(
                "INSERT INTO lti_platform (id, issuer, client_id, name, auth_login_url, auth_token_url, key_set_url, "
                "frame_origins, created_at) VALUES (1, 'https://lms', 'c', '', 'a', 't', 'k', '[]', CURRENT_TIMESTAMP)"))
            db.session.commit()
            upgrade(revision="c6a8e0f2b4d7")
            db.session.execute(text(
                "INSERT INTO lti_platform (id, issuer, client_id, name, auth_login_url, auth_token_url, key_set_url, "
                "frame_origins, created_at) VALUES (2, 'https://new', 'c', '', 'a', 't', 'k', '[]', CURRENT_TIMESTAMP)"))
            db.session.commit()
            rows = db.session.execute(text("SELECT id, hosts_trusted FROM lti_platform ORDER BY id")).all()
            assert [(row[0], bool(row[1])) for row in rows] == [(1, True), (2, False)]
            db.session.remove()
            db.engine.dispose()
