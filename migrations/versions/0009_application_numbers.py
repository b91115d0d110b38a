"""application numbers: every submitted application gets a human number, 云试申〔2026〕0012号

Existing submitted applications are numbered in submission order, per Beijing year of their
submission, and each year's counter is left at its last number so new submissions continue
the sequence without a gap.

Revision ID: 0009_application_numbers
Revises: 0006_audit_checkpoints
Create Date: 2026-11-30 10:30:00

"""
import os
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009_application_numbers'
down_revision = '0008_application_area'
branch_labels = None
depends_on = None

BEIJING = ZoneInfo("Asia/Shanghai")


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_applications_number'), ['number'])

    bind = op.get_bind()
    prefix = os.environ.get("PILOTFLOW_APPLICATION_NUMBER_PREFIX", "云试申")
    rows = bind.execute(sa.text(
        "SELECT id, submitted_at FROM applications WHERE submitted_at IS NOT NULL "
        "ORDER BY submitted_at, id")).all()
    last: dict[int, int] = {}
    for app_id, submitted_at in rows:
        if isinstance(submitted_at, str):  # SQLite without type information
            submitted_at = datetime.fromisoformat(submitted_at)
        if submitted_at.tzinfo is None:
            submitted_at = submitted_at.replace(tzinfo=timezone.utc)
        year = submitted_at.astimezone(BEIJING).year
        last[year] = last.get(year, 0) + 1
        bind.execute(sa.text("UPDATE applications SET number = :n WHERE id = :id"),
                     {"n": f"{prefix}〔{year}〕{last[year]:04d}号", "id": app_id})
    for year, value in last.items():
        bind.execute(sa.text("DELETE FROM counters WHERE key = :k"), {"k": f"appno:{year}"})
        bind.execute(sa.text("INSERT INTO counters (key, value) VALUES (:k, :v)"),
                     {"k": f"appno:{year}", "v": value})


def downgrade():
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM counters WHERE key LIKE 'appno:%'"))
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_applications_number'), type_='unique')
        batch_op.drop_column('number')
