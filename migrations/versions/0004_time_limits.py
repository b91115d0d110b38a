"""time limits: the Office's override of a waiting stage's default limit (working days)

Revision ID: 0004_time_limits
Revises: 0003_jobs
Create Date: 2026-11-30 07:11:57.290239

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_time_limits'
down_revision = '0003_jobs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('step_limits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=48), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('days BETWEEN 1 AND 365', name=op.f('ck_step_limits_days_range')),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_step_limits_set_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_step_limits')),
    sa.UniqueConstraint('kind', 'state', name=op.f('uq_step_limits_kind'))
    )


def downgrade():
    op.drop_table('step_limits')
