"""attempt start locks: parallel starts count and insert under one lock per student and activity

Revision ID: 9e4b2c6d8f10
Revises: 7d3f1a2b4c5e
Create Date: 2026-12-06 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9e4b2c6d8f10'
down_revision = '7d3f1a2b4c5e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attempt_start_lock',
    sa.Column('resource_link_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['resource_link_id'], ['lti_resource_link.id'], name=op.f('fk_attempt_start_lock_resource_link_id_lti_resource_link'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lti_user.id'], name=op.f('fk_attempt_start_lock_user_id_lti_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resource_link_id', 'user_id', name=op.f('pk_attempt_start_lock'))
    )
    with op.batch_alter_table('attempt_start_lock', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_start_lock_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('attempt_start_lock', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_start_lock_user_id'))

    op.drop_table('attempt_start_lock')
