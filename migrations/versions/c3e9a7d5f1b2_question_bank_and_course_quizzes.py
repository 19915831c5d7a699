"""question bank, course quiz drafts, which bank versions a quiz version holds, uploaded images

Revision ID: c3e9a7d5f1b2
Revises: b5d8e2f4a6c1
Create Date: 2026-12-06 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from lms_module.db_types import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'c3e9a7d5f1b2'
down_revision = 'b5d8e2f4a6c1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'bank_question',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('type', sa.String(length=32), nullable=False),
        sa.Column('topic', sa.String(length=32), nullable=True),
        sa.Column('difficulty', sa.Integer(), nullable=True),
        sa.Column('tags', sa.JSON(), nullable=False),
        sa.Column('languages', sa.String(length=8), nullable=False),
        sa.Column('archived_at', UTCDateTime(), nullable=True),
        sa.Column('latest_version', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['lti_course.id'], name=op.f('fk_bank_question_course_id_lti_course'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_question')),
        sa.UniqueConstraint('course_id', 'key', name=op.f('uq_bank_question_course_id_key')),
    )
    op.create_index(op.f('ix_bank_question_course_id'), 'bank_question', ['course_id'], unique=False)
    op.create_table(
        'bank_question_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by'], ['lti_user.id'], name=op.f('fk_bank_question_version_created_by_lti_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['question_id'], ['bank_question.id'], name=op.f('fk_bank_question_version_question_id_bank_question'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_question_version')),
        sa.UniqueConstraint('question_id', 'number', name=op.f('uq_bank_question_version_question_id_number')),
    )
    op.create_index(op.f('ix_bank_question_version_question_id'), 'bank_question_version', ['question_id'], unique=False)
    op.create_table(
        'course_quiz_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('quiz_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.JSON(), nullable=False),
        sa.Column('description', sa.JSON(), nullable=True),
        sa.Column('topic', sa.String(length=32), nullable=False),
        sa.Column('settings', sa.JSON(), nullable=False),
        sa.Column('slots', sa.JSON(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['quiz_id'], ['quiz.id'], name=op.f('fk_course_quiz_draft_quiz_id_quiz'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_course_quiz_draft')),
        sa.UniqueConstraint('quiz_id', name=op.f('uq_course_quiz_draft_quiz_id')),
    )
    op.create_table(
        'quiz_version_question',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('quiz_version_id', sa.Integer(), nullable=False),
        sa.Column('bank_version_id', sa.Integer(), nullable=False),
        sa.Column('bank_question_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['bank_question_id'], ['bank_question.id'], name=op.f('fk_quiz_version_question_bank_question_id_bank_question'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['bank_version_id'], ['bank_question_version.id'], name=op.f('fk_quiz_version_question_bank_version_id_bank_question_version'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['quiz_version_id'], ['quiz_version.id'], name=op.f('fk_quiz_version_question_quiz_version_id_quiz_version'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_version_question')),
        sa.UniqueConstraint('quiz_version_id', 'bank_version_id', name=op.f('uq_quiz_version_question_quiz_version_id_bank_version_id')),
    )
    for column in ('bank_question_id', 'bank_version_id', 'quiz_version_id'):
        op.create_index(op.f(f'ix_quiz_version_question_{column}'), 'quiz_version_question', [column], unique=False)
    op.create_table(
        'bank_image',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('media_type', sa.String(length=32), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['lti_course.id'], name=op.f('fk_bank_image_course_id_lti_course'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_image')),
    )
    op.create_index(op.f('ix_bank_image_course_id'), 'bank_image', ['course_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_bank_image_course_id'), table_name='bank_image')
    op.drop_table('bank_image')
    for column in ('bank_question_id', 'bank_version_id', 'quiz_version_id'):
        op.drop_index(op.f(f'ix_quiz_version_question_{column}'), table_name='quiz_version_question')
    op.drop_table('quiz_version_question')
    op.drop_table('course_quiz_draft')
    op.drop_index(op.f('ix_bank_question_version_question_id'), table_name='bank_question_version')
    op.drop_table('bank_question_version')
    op.drop_index(op.f('ix_bank_question_course_id'), table_name='bank_question')
    op.drop_table('bank_question')
