"""registration invites: the administrator's consent to one dynamic registration

Revision ID: 5b1e7c3a9d20
Revises: 18edbc6d6b31
Create Date: 2026-12-01 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1e7c3a9d20'
down_revision = '18edbc6d6b31'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lti_registration_invite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_registration_invite')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_lti_registration_invite_token_hash'))
    )


def downgrade():
    op.drop_table('lti_registration_invite')
