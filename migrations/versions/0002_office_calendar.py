"""the Office's working-day calendar: entered days (holidays, 调休 working days) and confirmed years

Revision ID: 0002_office_calendar
Revises: 5b1e7c2d9a40
Create Date: 2026-11-30 09:00:00

It follows 0002_statistics_indexes (5b1e7c2d9a40), the current head, rather than
0001_initial_schema directly: two revisions on one parent would leave two heads and
`flask db upgrade` would refuse to run.
"""
from alembic import op
import sqlalchemy as sa


revision = "0002_office_calendar"
down_revision = "5b1e7c2d9a40"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("kind", sa.Enum("holiday", "workday", name="daykind", native_enum=False, length=16,
                                  create_constraint=False), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('holiday', 'workday')", name=op.f("ck_calendar_days_kind_known")),
        sa.ForeignKeyConstraint(["entered_by_id"], ["users.id"],
                                name=op.f("fk_calendar_days_entered_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_days")),
        sa.UniqueConstraint("date", name=op.f("uq_calendar_days_date")),
    )
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.String(length=256), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("year BETWEEN 1900 AND 2999", name=op.f("ck_calendar_years_year_range")),
        sa.ForeignKeyConstraint(["confirmed_by_id"], ["users.id"],
                                name=op.f("fk_calendar_years_confirmed_by_id_users")),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_years")),
    )


def downgrade():
    op.drop_table("calendar_years")
    op.drop_table("calendar_days")
