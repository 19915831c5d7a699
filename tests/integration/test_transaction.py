"""One commit per request at its boundary (lms_module/transaction.py), and work after the commit."""
from __future__ import annotations

from sqlalchemy import select

from lms_module.extensions import db
from lms_module.lti.models import Platform
from lms_module.transaction import run_after_commit
from lms_module.web.access import public_route


def _platform(issuer: str) -> Platform:
    return Platform(issuer=issuer, client_id="c", auth_login_url=issuer + "/auth", auth_token_url=issuer + "/token",
                    key_set_url=issuer + "/jwks")


def _issuers(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(Platform.issuer)))


def test_a_successful_response_commits_and_a_refusal_rolls_back(app):
    @public_route
    def writes(status: int):
        db.session.add(_platform(f"https://lms-{status}.example"))
        db.session.flush()
        return "", status

    app.add_url_rule("/_test/writes/<int:status>", view_func=writes)
    client = app.test_client()
    assert client.get("/_test/writes/200").status_code == 200
    assert client.get("/_test/writes/409").status_code == 409
    assert _issuers(app) == {"https://lms-200.example"}


def test_work_after_commit_runs_after_the_commit_and_never_after_a_rollback(app):
    seen = []
    with app.app_context():
        db.session.add(_platform("https://a.example"))
        db.session.flush()
        run_after_commit(lambda: seen.append("a"))
        assert seen == []  # not before the rows are visible
        db.session.commit()
        assert seen == ["a"]
        db.session.add(_platform("https://b.example"))
        db.session.flush()
        run_after_commit(lambda: seen.append("b"))
        db.session.rollback()
        db.session.add(_platform("https://c.example"))
        db.session.commit()
        assert seen == ["a"]  # the rolled-back transaction's work was dropped
        run_after_commit(lambda: seen.append("now"))  # no transaction open: at once
        assert seen == ["a", "now"]


def test_a_failed_commit_gets_the_error_page(app):
    """A commit that fails at the boundary (here a duplicate issuer + client id) answers with the
    error page and keeps nothing, instead of a 200 for a change that was lost."""
    with app.app_context():
        db.session.add(_platform("https://dup.example"))
        db.session.commit()

    @public_route
    def duplicate():
        db.session.add(_platform("https://dup.example"))  # flushed only by the boundary's commit
        return "saved", 200

    app.add_url_rule("/_test/duplicate", view_func=duplicate)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/_test/duplicate")
    # A unique constraint that fails at the commit is a conflicting write: the 409 page (reload).
    assert response.status_code == 409
    assert "saved" not in response.get_data(as_text=True)


def test_a_write_after_reading_without_a_transaction_fails_until_writing_begins(app):
    """read_without_transaction runs reads on their own; a flush or a savepoint before
    begin_writing fails instead of writing outside a transaction (on PostgreSQL each statement
    would be committed at once). After begin_writing, writes are one transaction again: a rollback
    keeps nothing."""
    import pytest

    from lms_module.transaction import begin_writing, read_without_transaction

    with app.test_request_context():
        read_without_transaction()
        reading = db.session.info.get("kontor_read_without_transaction", False)
        assert reading == (db.engine.dialect.name == "postgresql")  # SQLite begins no transaction to read
        db.session.scalars(select(Platform.issuer)).all()
        if reading:
            db.session.add(_platform("https://early.example"))
            with pytest.raises(RuntimeError, match="begin_writing"):
                db.session.flush()
            db.session.expunge_all()
            with pytest.raises(RuntimeError, match="begin_writing"):
                db.session.begin_nested()
        begin_writing()
        db.session.add(_platform("https://rolled-back.example"))
        db.session.flush()
        db.session.rollback()
        db.session.add(_platform("https://kept.example"))
        db.session.commit()
    assert _issuers(app) == {"https://kept.example"}
