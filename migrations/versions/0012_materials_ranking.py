"""materials and ranked endorsements: typed files handed in with a stage's step, an office's
ranking unique per office and batch, and the 汇总上报 summary each batch endorsement issues

Endorsements that already carry a ranking get the batch of their application; where an office
gave two applications of one batch the same place (the old rule allowed it across separate
submissions), the places are renumbered 1, 2, 3… in the order (ranking, endorsed_at, id) so
the new unique constraint holds. The order of every office's recommendations is kept.

Revision ID: 0012_materials_ranking
Revises: 0011_change_requests
Create Date: 2026-11-30 13:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_materials_ranking'
down_revision = '0011_change_requests'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('materials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('display_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=128), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('size > 0', name=op.f('ck_materials_not_empty')),
    sa.CheckConstraint("stage IN ('midterm_check','acceptance','evaluation')", name=op.f('ck_materials_stage_known')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_materials_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_materials_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_materials'))
    )
    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.create_index('ix_materials_stage', ['stage', 'stage_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_materials_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_materials_sha256'), ['sha256'], unique=False)

    op.create_table('endorsement_summaries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_endorsement_summaries_batch_id_batches')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_endorsement_summaries_created_by_id_users')),
    sa.ForeignKeyConstraint(['office_id'], ['organisations.id'], name=op.f('fk_endorsement_summaries_office_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_endorsement_summaries'))
    )
    with op.batch_alter_table('endorsement_summaries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_endorsement_summaries_office_id'), ['office_id'], unique=False)

    with op.batch_alter_table('endorsements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('summary_id', sa.Integer(), nullable=True))

    bind = op.get_bind()
    bind.execute(sa.text(
        "UPDATE endorsements SET batch_id = (SELECT batch_id FROM applications "
        "WHERE applications.id = endorsements.application_id) WHERE ranking IS NOT NULL"))
    rows = bind.execute(sa.text(
        "SELECT id, office_id, batch_id FROM endorsements WHERE ranking IS NOT NULL "
        "ORDER BY office_id, batch_id, ranking, endorsed_at, id")).all()
    place: dict[tuple[int, int], int] = {}
    for endorsement_id, office_id, batch_id in rows:
        key = (office_id, batch_id)
        place[key] = place.get(key, 0) + 1
        bind.execute(sa.text("UPDATE endorsements SET ranking = :r WHERE id = :id"),
                     {"r": place[key], "id": endorsement_id})

    with op.batch_alter_table('endorsements', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_endorsements_batch_id_batches'), 'batches', ['batch_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_endorsements_summary_id_endorsement_summaries'),
                                    'endorsement_summaries', ['summary_id'], ['id'])
        batch_op.create_unique_constraint('one_place_per_office_batch',
                                          ['office_id', 'batch_id', 'ranking'])
        batch_op.create_check_constraint(batch_op.f('ck_endorsements_ranked_in_batch'),
                                         'ranking IS NULL OR batch_id IS NOT NULL')


def downgrade():
    with op.batch_alter_table('endorsements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_endorsements_ranked_in_batch'), type_='check')
        batch_op.drop_constraint('one_place_per_office_batch', type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_endorsements_summary_id_endorsement_summaries'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_endorsements_batch_id_batches'), type_='foreignkey')
        batch_op.drop_column('summary_id')
        batch_op.drop_column('batch_id')

    with op.batch_alter_table('endorsement_summaries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_endorsement_summaries_office_id'))
    op.drop_table('endorsement_summaries')

    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_materials_sha256'))
        batch_op.drop_index(batch_op.f('ix_materials_project_id'))
        batch_op.drop_index('ix_materials_stage')

    op.drop_table('materials')
