"""delegation (代理) and workflow versions pinned per case

Every case table gets ``flow_version`` (existing cases started under version 1); audit records
get ``entered_by_id`` (the proxy who entered a leader's step; NULL for every existing record, so
their digests are unchanged); ``delegations`` holds who may enter whose steps, and when.

Revision ID: 0015_delegation_versions
Revises: 0014_demonstration_notice
Create Date: 2026-11-30 13:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_delegation_versions'
down_revision = "0014_demonstration_notice"
branch_labels = None
depends_on = None

CASE_TABLES = ('applications', 'projects', 'midterm_checks', 'acceptances', 'evaluations')


def upgrade():
    for table in CASE_TABLES:
        # A plain ADD COLUMN (no table copy): existing rows get the server default, version 1.
        op.add_column(table, sa.Column('flow_version', sa.Integer(), server_default='1', nullable=False))
    # audit_records keeps its append-only triggers: ADD COLUMN does not rebuild the table (SQLite
    # takes the reference inline; a batch copy would drop the triggers).
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE audit_records ADD COLUMN entered_by_id INTEGER '
                   'CONSTRAINT fk_audit_records_entered_by_id_users REFERENCES users (id)')
    else:
        op.add_column('audit_records', sa.Column('entered_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_audit_records_entered_by_id_users', 'audit_records', 'users',
                              ['entered_by_id'], ['id'])
    op.create_table(
        'delegations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('leader_id', sa.Integer(), nullable=False),
        sa.Column('proxy_id', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint('starts_on <= ends_on', name=op.f('ck_delegations_period_in_order')),
        sa.CheckConstraint('leader_id <> proxy_id', name=op.f('ck_delegations_not_oneself')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_delegations_created_by_id_users')),
        sa.ForeignKeyConstraint(['leader_id'], ['users.id'], name=op.f('fk_delegations_leader_id_users')),
        sa.ForeignKeyConstraint(['proxy_id'], ['users.id'], name=op.f('fk_delegations_proxy_id_users')),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_delegations_revoked_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delegations')),
    )
    op.create_index('ix_delegations_proxy', 'delegations', ['proxy_id', 'starts_on'], unique=False)
    op.create_index(op.f('ix_delegations_leader_id'), 'delegations', ['leader_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_delegations_leader_id'), table_name='delegations')
    op.drop_index('ix_delegations_proxy', table_name='delegations')
    op.drop_table('delegations')
    with op.batch_alter_table('audit_records') as batch_op:
        batch_op.drop_column('entered_by_id')
    for table in CASE_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('flow_version')
