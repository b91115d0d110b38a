"""follow-on funding as a flow: a funding request gets a state, a version for compare-and-set,
the flow version it started under, the approved amount, the leader's grade override and typed
attachments

Existing requests (mere records until now) wait for the Office's review from the day they were
filed.

Revision ID: 0010_funding_flow
Revises: 0009_application_numbers
Create Date: 2026-11-30 13:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_funding_flow'
down_revision = '0009_application_numbers'
branch_labels = None
depends_on = None

STATES = ('office_review', 'returned', 'leader_decision', 'approved', 'rejected')


def upgrade():
    with op.batch_alter_table('funding_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.Enum(*STATES, name='fundingrequeststate', native_enum=False,
                                                       length=32), server_default='office_review', nullable=False))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('flow_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('stage_entered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('approved_amount', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('grade_overridden_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_funding_requests_grade_overridden_by_id_users'), 'users',
                                    ['grade_overridden_by_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_funding_requests_state'), ['state'], unique=False)
    op.execute("UPDATE funding_requests SET stage_entered_at = created_at")
    with op.batch_alter_table('funding_requests', schema=None) as batch_op:
        batch_op.alter_column('stage_entered_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_check_constraint(
            op.f('ck_funding_requests_approved_within_requested'),
            'approved_amount IS NULL OR (approved_amount > 0 AND approved_amount <= amount)')
        batch_op.create_check_constraint(op.f('ck_funding_requests_approval_has_amount'),
                                         "state <> 'approved' OR approved_amount IS NOT NULL")

    op.create_table('funding_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('funding_request_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('display_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=128), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('size > 0', name=op.f('ck_funding_attachments_not_empty')),
    sa.ForeignKeyConstraint(['funding_request_id'], ['funding_requests.id'],
                            name=op.f('fk_funding_attachments_funding_request_id_funding_requests'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_funding_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_attachments'))
    )
    with op.batch_alter_table('funding_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_attachments_funding_request_id'), ['funding_request_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_funding_attachments_sha256'), ['sha256'], unique=False)


def downgrade():
    with op.batch_alter_table('funding_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_attachments_sha256'))
        batch_op.drop_index(batch_op.f('ix_funding_attachments_funding_request_id'))
    op.drop_table('funding_attachments')
    with op.batch_alter_table('funding_requests', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_funding_requests_approval_has_amount'), type_='check')
        batch_op.drop_constraint(op.f('ck_funding_requests_approved_within_requested'), type_='check')
        batch_op.drop_index(batch_op.f('ix_funding_requests_state'))
        batch_op.drop_constraint(batch_op.f('fk_funding_requests_grade_overridden_by_id_users'), type_='foreignkey')
        batch_op.drop_column('grade_overridden_by_id')
        batch_op.drop_column('approved_amount')
        batch_op.drop_column('stage_entered_at')
        batch_op.drop_column('flow_version')
        batch_op.drop_column('version')
        batch_op.drop_column('state')
