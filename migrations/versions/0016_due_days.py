"""stored deadline days: every case row keeps the deadline day of its present stage (``due_on``)

Lists and inboxes count overdue and due-soon items in SQL from it instead of reading every
item's history. Existing cases in a timed stage get their day here, by the product's own rule
(``app.services.time.due.refresh``: the stage's limit on the Office's calendar, counted while
the clock runs), read and written on the migration's own connection.

Revision ID: 0016_due_days
Revises: 0015_delegation_versions
Create Date: 2026-11-30 17:10:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from app.extensions import db
from app.services.time import due

# revision identifiers, used by Alembic.
revision = '0016_due_days'
down_revision = '0015_delegation_versions'
branch_labels = None
depends_on = None

# The kinds of case at this revision and their tables (written out: a later kind is not here).
TABLES = {"application": "applications", "project": "projects", "midterm_check": "midterm_checks",
          "acceptance": "acceptances", "evaluation": "evaluations", "change_request": "change_requests",
          "funding_request": "funding_requests", "demonstration_list": "demonstration_publications",
          "demonstration_objection": "demonstration_objections"}


def upgrade():
    for table in TABLES.values():
        op.add_column(table, sa.Column('due_on', sa.Date(), nullable=True))
    # The product's session, for the length of the fill, runs on the migration's connection (in
    # its transaction): the limits, the calendar and the histories are read where the days go.
    session = Session(bind=op.get_bind())
    db.session.registry.set(session)
    try:
        due.refresh(list(TABLES))
        session.flush()
    finally:
        db.session.registry.clear()
        session.close()


def downgrade():
    # A plain DROP COLUMN (SQLite ≥ 3.35): a batch copy of a table others refer to would fail
    # on its foreign keys once it holds rows.
    for table in TABLES.values():
        op.execute(f'ALTER TABLE {table} DROP COLUMN due_on')
