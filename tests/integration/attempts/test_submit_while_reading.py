"""A view that reads without a transaction (transaction.read_without_transaction, the question
page on PostgreSQL) must call begin_writing before it submits. If a future view forgot it, the
guard's error is a programming error: the student's submission must let it through, not count it
as the attempt's failure (that count would be written outside a transaction, committed at once,
and after five tries mark a good attempt as one Kontor cannot submit)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms_module.attempts import services
from lms_module.attempts.models import IN_PROGRESS, Attempt
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.transaction import WriteWhileReading, begin_writing, read_without_transaction
from support.apps import attempt_row, set_attempt, started_attempt_id


def _read_first(app, public_id):
    read_without_transaction()
    if not db.session.info.get("kontor_read_without_transaction"):
        pytest.skip("only PostgreSQL reads without a transaction (SQLite's driver begins none to read)")
    return db.session.scalars(select(Attempt).where(Attempt.public_id == public_id)).one()


def test_a_submission_without_begin_writing_raises_and_counts_nothing(app, student, start):
    public_id = started_attempt_id(start(student))
    set_attempt(app, public_id, deadline_at=utcnow() - timedelta(minutes=1))
    with app.test_request_context():
        attempt = _read_first(app, public_id)
        with pytest.raises(WriteWhileReading, match="begin_writing"):
            services.submit_by_student(attempt, utcnow())
        db.session.rollback()
    row = attempt_row(app, public_id)
    assert (row.status, row.sweep_failures, row.sweep_retry_at, row.unsubmittable_at) == (IN_PROGRESS, 0, None, None)


def test_after_begin_writing_the_same_submission_goes_through(app, student, start):
    public_id = started_attempt_id(start(student))
    set_attempt(app, public_id, deadline_at=utcnow() - timedelta(minutes=1))
    with app.test_request_context():
        _read_first(app, public_id)
        begin_writing()
        attempt = db.session.scalars(select(Attempt).where(Attempt.public_id == public_id)).one()
        assert services.submit_by_student(attempt, utcnow()) is not False
        db.session.commit()
    assert attempt_row(app, public_id).status != IN_PROGRESS
