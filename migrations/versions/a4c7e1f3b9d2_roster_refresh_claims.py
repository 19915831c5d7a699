"""roster refreshes are wished for and claimed in the database: one NRPS fetch per course

Revision ID: a4c7e1f3b9d2
Revises: 9e4b2c6d8f10
Create Date: 2026-12-06 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4c7e1f3b9d2'
down_revision = '9e4b2c6d8f10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('roster_refresh',
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('wanted_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['lti_course.id'], name=op.f('fk_roster_refresh_course_id_lti_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', name=op.f('pk_roster_refresh'))
    )


def downgrade():
    op.drop_table('roster_refresh')
