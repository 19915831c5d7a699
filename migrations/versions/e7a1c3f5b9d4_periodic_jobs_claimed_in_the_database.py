"""periodic jobs (deadline sweep, purge) claimed in the database: once per period however many processes

Revision ID: e7a1c3f5b9d4
Revises: d4f6b8a0c2e3
Create Date: 2026-12-06 05:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a1c3f5b9d4'
down_revision = 'd4f6b8a0c2e3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('periodic_job',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_periodic_job'))
    )


def downgrade():
    op.drop_table('periodic_job')
