"""jobs: outbox bookkeeping (status, attempts, back-off, hand-over) and scheduled runs

Rows written before this revision were delivered in-process already: they become "done".

Revision ID: 0003_jobs
Revises: 0002_office_calendar
Create Date: 2026-11-30 07:05:55.624023

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_jobs'
down_revision = '0002_office_calendar'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduled_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=48), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_scheduled_runs_outbox_id_outbox')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_runs')),
    sa.UniqueConstraint('name', 'period', name=op.f('uq_scheduled_runs_name'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='pending'))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('available_at', sa.DateTime(timezone=True), nullable=False,
                                      server_default=sa.func.current_timestamp()))
        batch_op.add_column(sa.Column('handed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_outbox_status_available', ['status', 'available_at'], unique=False)
    op.execute("UPDATE outbox SET status = 'done' WHERE delivered_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_available')
        batch_op.drop_column('handed_at')
        batch_op.drop_column('available_at')
        batch_op.drop_column('last_error')
        batch_op.drop_column('attempts')
        batch_op.drop_column('status')

    op.drop_table('scheduled_runs')
