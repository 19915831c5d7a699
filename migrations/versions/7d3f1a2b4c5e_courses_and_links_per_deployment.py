"""courses and resource links are known per platform and deployment

LTI makes context and resource link ids unique per deployment only. Existing rows get the
deployment of their latest recorded launch; rows without one keep NULL ("recorded before Kontor
kept deployments"), and the next launch that names them claims them for its deployment.

Revision ID: 7d3f1a2b4c5e
Revises: 5b1e7c3a9d20
Create Date: 2026-12-06 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d3f1a2b4c5e'
down_revision = '5b1e7c3a9d20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lti_course', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deployment_id', sa.String(length=255), nullable=True))
        batch_op.drop_constraint('uq_lti_course_platform_id_context_id', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_lti_course_platform_id_deployment_id_context_id'),
            ['platform_id', 'deployment_id', 'context_id'],
        )

    with op.batch_alter_table('lti_resource_link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deployment_id', sa.String(length=255), nullable=True))
        batch_op.drop_constraint('uq_lti_resource_link_platform_id_link_id', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_lti_resource_link_platform_id_deployment_id_link_id'),
            ['platform_id', 'deployment_id', 'link_id'],
        )

    op.execute(
        "UPDATE lti_course SET deployment_id = ("
        " SELECT l.deployment_id FROM lti_launch l"
        " WHERE l.course_id = lti_course.id AND l.deployment_id <> ''"
        " ORDER BY l.created_at DESC LIMIT 1)"
    )
    op.execute(
        "UPDATE lti_resource_link SET deployment_id = ("
        " SELECT l.deployment_id FROM lti_launch l"
        " WHERE l.resource_link_id = lti_resource_link.id AND l.deployment_id <> ''"
        " ORDER BY l.created_at DESC LIMIT 1)"
    )


def downgrade():
    # Fails when two deployments of one platform use the same context or link id: that data
    # cannot be expressed in the older schema.
    with op.batch_alter_table('lti_resource_link', schema=None) as batch_op:
        batch_op.drop_constraint('uq_lti_resource_link_platform_id_deployment_id_link_id', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_lti_resource_link_platform_id_link_id'), ['platform_id', 'link_id']
        )
        batch_op.drop_column('deployment_id')

    with op.batch_alter_table('lti_course', schema=None) as batch_op:
        batch_op.drop_constraint('uq_lti_course_platform_id_deployment_id_context_id', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_lti_course_platform_id_context_id'), ['platform_id', 'context_id']
        )
        batch_op.drop_column('deployment_id')
