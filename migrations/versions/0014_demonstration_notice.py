"""demonstration notice: a published list is a draft under public notice (公示) until a leader
confirms it; objections (异议) filed against it and the Office's answers

Lists published before the notice existed were final: they are kept as confirmed, confirmed
when they were published.

Revision ID: 0014_demonstration_notice
Revises: 0013_expert_declarations
Create Date: 2026-11-30 13:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_demonstration_notice'
down_revision = '0013_expert_declarations'
branch_labels = None
depends_on = None

LIST_STATE = sa.Enum('notice', 'confirmed', name='demonstrationliststate', native_enum=False, length=32)
OBJECTION_STATE = sa.Enum('filed', 'answered', name='objectionstate', native_enum=False, length=32)


def upgrade():
    with op.batch_alter_table('demonstration_publications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', LIST_STATE, server_default='confirmed', nullable=False))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('flow_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('notice_ends_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('stage_entered_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE demonstration_publications SET confirmed_at = published_at, stage_entered_at = published_at")
    with op.batch_alter_table('demonstration_publications', schema=None) as batch_op:
        batch_op.alter_column('stage_entered_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_check_constraint(op.f('ck_demonstration_publications_confirmed_dated'),
                                         "state <> 'confirmed' OR confirmed_at IS NOT NULL")
        batch_op.create_index(batch_op.f('ix_demonstration_publications_state'), ['state'], unique=False)

    op.create_table('demonstration_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('contact', sa.String(length=128), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', OBJECTION_STATE, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('flow_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stage_entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(contact) > 0', name=op.f('ck_demonstration_objections_has_contact')),
    sa.CheckConstraint("state <> 'answered' OR (answered_at IS NOT NULL AND length(answer) > 0)",
                       name=op.f('ck_demonstration_objections_answered_has_answer')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                            name=op.f('fk_demonstration_objections_project_id_projects')),
    sa.ForeignKeyConstraint(['publication_id'], ['demonstration_publications.id'],
                            name=op.f('fk_demonstration_objections_publication_id_demonstration_publications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demonstration_objections'))
    )
    with op.batch_alter_table('demonstration_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demonstration_objections_publication_id'), ['publication_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_demonstration_objections_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('demonstration_objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demonstration_objections_state'))
        batch_op.drop_index(batch_op.f('ix_demonstration_objections_publication_id'))
    op.drop_table('demonstration_objections')
    with op.batch_alter_table('demonstration_publications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demonstration_publications_state'))
        batch_op.drop_constraint(batch_op.f('ck_demonstration_publications_confirmed_dated'), type_='check')
        for column in ('stage_entered_at', 'confirmed_at', 'notice_ends_on', 'flow_version', 'version', 'state'):
            batch_op.drop_column(column)
