"""an endorser's area in the lists' order: (prefecture code, id) and (division code, id) indexes

The area columns themselves already exist and are filled: every application and project carries
its division's code and its prefecture's (set at creation from the applicant's division), so
there are no rows to fill. The scoping clause (policies.visible_to) now asks one of them by
equality, and these indexes serve that equality in the lists' order (newest first) — the first
page is read from the index without sorting the area; with submitted_at in the applications'
index, the area's COUNT reads the index alone. They replace the single-column indexes, which
are their prefixes. See docs/performance.md.

Revision ID: 0008_application_area
Revises: 0006_audit_checkpoints
Create Date: 2026-11-30 10:30:00

"""
from alembic import op


revision = '0008_application_area'
down_revision = "0007_dossier_exports"
branch_labels = None
depends_on = None

# (table, old single-column index, new index, its columns)
INDEXES = [
    ('applications', 'ix_applications_prefecture_code', 'ix_applications_prefecture_area',
     ['prefecture_code', 'id', 'submitted_at']),
    ('applications', 'ix_applications_division_code', 'ix_applications_division_area',
     ['division_code', 'id', 'submitted_at']),
    ('projects', 'ix_projects_prefecture_code', 'ix_projects_prefecture_area', ['prefecture_code', 'id']),
    ('projects', 'ix_projects_division_code', 'ix_projects_division_area', ['division_code', 'id']),
]


def upgrade():
    for table, old, new, columns in INDEXES:
        op.create_index(new, table, columns, unique=False)
        op.drop_index(old, table_name=table)


def downgrade():
    for table, old, new, columns in INDEXES:
        op.create_index(old, table, columns[:1], unique=False)
        op.drop_index(new, table_name=table)
