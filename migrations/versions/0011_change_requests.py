"""change requests (变更/延期申请) of projects under construction, and their attachments

Revision ID: 0011_change_requests
Revises: 0010_funding_flow
Create Date: 2026-11-30 13:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_change_requests'
down_revision = '0010_funding_flow'
branch_labels = None
depends_on = None

OPEN = sa.text("state IN ('submitted', 'returned', 'reviewed')")


def upgrade():
    op.create_table(
        'change_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('change_type', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('new_budget', sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column('new_starts_on', sa.Date(), nullable=True),
        sa.Column('new_ends_on', sa.Date(), nullable=True),
        sa.Column('new_content', sa.Text(), nullable=False),
        sa.Column('new_contact_name', sa.String(length=32), nullable=False),
        sa.Column('new_contact_phone', sa.String(length=32), nullable=False),
        sa.Column('state', sa.String(length=32), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('flow_version', sa.Integer(), server_default='1', nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('stage_entered_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('length(reason) > 0', name=op.f('ck_change_requests_reason_given')),
        sa.CheckConstraint('new_budget IS NULL OR new_budget > 0', name=op.f('ck_change_requests_new_budget_positive')),
        sa.CheckConstraint('new_starts_on IS NULL OR new_ends_on IS NULL OR new_ends_on > new_starts_on',
                           name=op.f('ck_change_requests_new_period_positive')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_change_requests_created_by_id_users')),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_change_requests_project_id_projects')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_change_requests')),
    )
    op.create_index('ix_change_requests_project_id', 'change_requests', ['project_id'])
    op.create_index('ix_change_requests_state', 'change_requests', ['state'])
    op.create_index('uq_change_requests_one_open', 'change_requests', ['project_id'], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)
    op.create_table(
        'change_attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('change_request_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('display_name', sa.String(length=255), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('content_type', sa.String(length=128), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('size > 0', name=op.f('ck_change_attachments_not_empty')),
        sa.ForeignKeyConstraint(['change_request_id'], ['change_requests.id'], ondelete='CASCADE',
                                name=op.f('fk_change_attachments_change_request_id_change_requests')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_change_attachments_uploaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_change_attachments')),
    )
    op.create_index('ix_change_attachments_change_request_id', 'change_attachments', ['change_request_id'])


def downgrade():
    op.drop_index('ix_change_attachments_change_request_id', table_name='change_attachments')
    op.drop_table('change_attachments')
    op.drop_index('uq_change_requests_one_open', table_name='change_requests')
    op.drop_index('ix_change_requests_state', table_name='change_requests')
    op.drop_index('ix_change_requests_project_id', table_name='change_requests')
    op.drop_table('change_requests')
