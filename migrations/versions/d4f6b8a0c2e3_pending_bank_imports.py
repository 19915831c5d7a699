"""pending bank imports: an uploaded question bank file kept between its preview and the confirmation

Revision ID: d4f6b8a0c2e3
Revises: c3e9a7d5f1b2
Create Date: 2026-12-06 05:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

from lms_module.db_types import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'd4f6b8a0c2e3'
down_revision = 'c3e9a7d5f1b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pending_bank_import',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('format', sa.String(length=16), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('topic', sa.String(length=32), nullable=True),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['lti_course.id'], name=op.f('fk_pending_bank_import_course_id_lti_course'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['lti_user.id'], name=op.f('fk_pending_bank_import_user_id_lti_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_bank_import')),
    )
    op.create_index(op.f('ix_pending_bank_import_course_id'), 'pending_bank_import', ['course_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_pending_bank_import_course_id'), table_name='pending_bank_import')
    op.drop_table('pending_bank_import')
