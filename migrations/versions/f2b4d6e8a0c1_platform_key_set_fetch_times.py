"""platform key sets kept with their fetch times (no JWKS fetch per launch)

Revision ID: f2b4d6e8a0c1
Revises: e7a1c3f5b9d4
Create Date: 2026-12-06 05:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

from lms_module.db_types import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'f2b4d6e8a0c1'
down_revision = 'e7a1c3f5b9d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lti_platform', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_set_fetched_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('key_set_refetched_at', UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('lti_platform', schema=None) as batch_op:
        batch_op.drop_column('key_set_refetched_at')
        batch_op.drop_column('key_set_fetched_at')
