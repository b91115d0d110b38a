"""dossier exports: a project's dossier built and sealed by a job

Revision ID: 0007_dossier_exports
Revises: 0006_audit_checkpoints
Create Date: 2026-11-30 10:11:35

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_dossier_exports'
down_revision = '0006_audit_checkpoints'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dossier_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('file_name', sa.String(length=64), nullable=False),
    sa.Column('content_key', sa.String(length=160), nullable=False),
    sa.Column('last_record_id', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.CheckConstraint("status <> 'ready' OR (sha256 IS NOT NULL AND size IS NOT NULL AND finished_at IS NOT NULL)", name=op.f('ck_dossier_exports_ready_has_file')),
    sa.CheckConstraint("status IN ('pending', 'ready', 'failed')", name=op.f('ck_dossier_exports_status_known')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_dossier_exports_project_id_projects')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_dossier_exports_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_exports')),
    sa.UniqueConstraint('file_name', name=op.f('uq_dossier_exports_file_name'))
    )
    with op.batch_alter_table('dossier_exports', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_exports_project_status', ['project_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('dossier_exports', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_exports_project_status')

    op.drop_table('dossier_exports')