"""the grade outbox's due index holds the claim's order (status, next_attempt_at, id)

Revision ID: 25df37d283a3
Revises: a9c1e5f3b7d2
Create Date: 2026-12-06 08:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '25df37d283a3'
down_revision = 'a9c1e5f3b7d2'
branch_labels = None
depends_on = None


def upgrade():
    # A claim walks this index in its ORDER BY and stops after the rows it takes; without the id
    # the database read and sorted every due row (all of them share one moment after a class submits).
    with op.batch_alter_table('grade_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_grade_outbox_due')
        batch_op.create_index('ix_grade_outbox_due', ['status', 'next_attempt_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('grade_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_grade_outbox_due')
        batch_op.create_index('ix_grade_outbox_due', ['status', 'next_attempt_at'], unique=False)
