"""mail: users' e-mail address, language and mail preference; reminders and escalations sent

Revision ID: 0005_mail
Revises: 0004_time_limits
Create Date: 2026-12-01 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_mail'
down_revision = '0004_time_limits'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('locale', sa.String(length=8), nullable=False, server_default='zh_CN'))
        batch_op.add_column(sa.Column('mail_preference', sa.String(length=16), nullable=False,
                                      server_default='immediate'))
        batch_op.add_column(sa.Column('last_digest_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(op.f('ck_users_locale_known'), "locale IN ('zh_CN', 'en')")
        batch_op.create_check_constraint(op.f('ck_users_mail_preference_known'),
                                         "mail_preference IN ('immediate', 'digest', 'none')")
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('entity_type', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('episode', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('kind', 'entity_type', 'entity_id', 'episode', name=op.f('uq_alerts_kind'))
    )


def downgrade():
    op.drop_table('alerts')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_mail_preference_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_users_locale_known'), type_='check')
        batch_op.drop_column('last_digest_at')
        batch_op.drop_column('mail_preference')
        batch_op.drop_column('locale')
        batch_op.drop_column('email')
