"""the deadline sweep backs off from an overdue attempt it cannot submit, and marks it for instructors

Revision ID: a9c1e5f3b7d2
Revises: f2b4d6e8a0c1
Create Date: 2026-12-06 07:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

from lms_module.db_types import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'a9c1e5f3b7d2'
down_revision = 'f2b4d6e8a0c1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sweep_failures', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('sweep_retry_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('unsubmittable_at', UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_column('unsubmittable_at')
        batch_op.drop_column('sweep_retry_at')
        batch_op.drop_column('sweep_failures')
