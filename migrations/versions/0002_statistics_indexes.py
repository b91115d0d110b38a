"""indexes for the dashboard's counts by category and domain

Revision ID: 5b1e7c2d9a40
Revises: 3302a2c59575
Create Date: 2026-11-21 07:10:00

"""
from alembic import op


revision = '5b1e7c2d9a40'
down_revision = '3302a2c59575'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_domain'), ['domain'], unique=False)


def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_domain'))
        batch_op.drop_index(batch_op.f('ix_applications_category'))
