"""platforms record whether their hosts are trusted wherever they resolve (administrator-added)

Revision ID: c6a8e0f2b4d7
Revises: b7e2d9c4a1f6
Create Date: 2026-12-06 21:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c6a8e0f2b4d7'
down_revision = 'b7e2d9c4a1f6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lti_platform', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hosts_trusted', sa.Boolean(), server_default=sa.false(), nullable=False))
    # Nothing stored tells an administrator's platform from a registered one (an invite does not
    # name the platform it registered): the platforms there are keep the trust they had. An
    # administrator withdraws it with `flask platform trust-hosts --off` (docs/security.md).
    platform = sa.table('lti_platform', sa.column('hosts_trusted', sa.Boolean()))
    op.execute(platform.update().values(hosts_trusted=True))


def downgrade():
    with op.batch_alter_table('lti_platform', schema=None) as batch_op:
        batch_op.drop_column('hosts_trusted')
