"""expert declarations and specialties: each panel seat's 回避声明 (no conflict, or a recusal
with its reason and replacement), and the experts' specialties as domain codes

The free-text specialties stay as they are; each domain whose code, Chinese name or usual short
form appears in an expert's text is copied into ``expert_domains`` (an admin edits the rest).

Revision ID: 0013_expert_declarations
Revises: 0012_materials_ranking
Create Date: 2026-11-30 13:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013_expert_declarations'
down_revision = '0012_materials_ranking'
branch_labels = None
depends_on = None

DOMAINS = ('office', 'finance', 'taxation', 'financial_supervision', 'agriculture', 'food_drug', 'credit',
           'resources', 'environment', 'public_security', 'social_security', 'judicial')
# How free text names each domain (its code, its Chinese name, the usual short forms); frozen
# here so the migration means the same thing whatever the application's vocabulary becomes.
WORDS = {
    'office': ('办公',), 'finance': ('财政',), 'taxation': ('税收', '税务'),
    'financial_supervision': ('金融',), 'agriculture': ('涉农', '农业'),
    'food_drug': ('食品', '药品'), 'credit': ('信用',), 'resources': ('资源管理', '国土'),
    'environment': ('环境', '环保'), 'public_security': ('公共安全', '应急'),
    'social_security': ('社会保障', '社保'), 'judicial': ('司法',),
}


def domains_in(text: str) -> list[str]:
    lowered = (text or '').lower()
    return [d for d in DOMAINS if d in lowered.replace(' ', '_') or any(w in text for w in WORDS[d])]


def upgrade():
    op.create_table('expert_domains',
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.Enum(*DOMAINS, name='domain', native_enum=False, length=32), nullable=False),
    sa.ForeignKeyConstraint(['expert_id'], ['experts.id'], name=op.f('fk_expert_domains_expert_id_experts'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('expert_id', 'domain', name=op.f('pk_expert_domains'))
    )
    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declaration', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('declared_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('recusal_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('draw_seed', sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_panel_members_replaces_id_panel_members'), 'panel_members',
                                    ['replaces_id'], ['id'])
        batch_op.create_check_constraint(
            'declaration_known', "declaration IS NULL OR declaration IN ('no_conflict','recused')")
        batch_op.create_check_constraint('declaration_dated', '(declaration IS NULL) = (declared_at IS NULL)')
        batch_op.create_check_constraint(
            'recusal_has_reason', "declaration IS NULL OR declaration <> 'recused' OR length(recusal_reason) > 0")

    bind = op.get_bind()
    rows = bind.execute(sa.text('SELECT id, specialties FROM experts ORDER BY id')).all()
    table = sa.table('expert_domains', sa.column('expert_id', sa.Integer), sa.column('domain', sa.String))
    found = [{'expert_id': i, 'domain': d} for i, text in rows for d in domains_in(text)]
    if found:
        op.bulk_insert(table, found)


def downgrade():
    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.drop_constraint('recusal_has_reason', type_='check')
        batch_op.drop_constraint('declaration_dated', type_='check')
        batch_op.drop_constraint('declaration_known', type_='check')
        batch_op.drop_constraint(batch_op.f('fk_panel_members_replaces_id_panel_members'), type_='foreignkey')
        batch_op.drop_column('draw_seed')
        batch_op.drop_column('replaces_id')
        batch_op.drop_column('recusal_reason')
        batch_op.drop_column('declared_at')
        batch_op.drop_column('declaration')
    op.drop_table('expert_domains')
