"""quiz slugs per course: library slugs unique among the library, course slugs per course

Revision ID: b5d8e2f4a6c1
Revises: a4c7e1f3b9d2
Create Date: 2026-12-06 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5d8e2f4a6c1'
down_revision = 'a4c7e1f3b9d2'
branch_labels = None
depends_on = None

LIBRARY_ONLY = sa.text('course_id IS NULL')


def upgrade():
    # Every existing slug is unique overall, so both new rules already hold for the rows.
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_quiz_slug'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_quiz_course_id_slug'), ['course_id', 'slug'])
    op.create_index('uq_quiz_library_slug', 'quiz', ['slug'], unique=True,
                    sqlite_where=LIBRARY_ONLY, postgresql_where=LIBRARY_ONLY)


def downgrade():
    # A slug used by two courses cannot go back to one global namespace; say so instead of failing
    # halfway (rename one of the quizzes first).
    shared = op.get_bind().execute(sa.text(
        'SELECT slug FROM quiz GROUP BY slug HAVING COUNT(*) > 1 ORDER BY slug')).scalars().all()
    if shared:
        raise RuntimeError(f"cannot downgrade: these quiz slugs are used by more than one course: {', '.join(shared)}")
    op.drop_index('uq_quiz_library_slug', table_name='quiz')
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_quiz_course_id_slug'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_quiz_slug'), ['slug'])
