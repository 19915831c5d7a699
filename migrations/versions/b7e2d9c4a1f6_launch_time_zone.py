"""a launch keeps the time zone its LMS named for the person

Revision ID: b7e2d9c4a1f6
Revises: 25df37d283a3
Create Date: 2026-12-06 19:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2d9c4a1f6'
down_revision = '25df37d283a3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lti_launch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('lti_launch', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
