"""the audit chain's head follows each appended record in the database (a trigger)

``audit.record`` locked the head, inserted the record and then moved the head with an UPDATE of
its own: one round trip of a decision's nine on PostgreSQL. An AFTER INSERT trigger on
``audit_records`` now sets the head to the new record (its id and hash) in the same statement,
on SQLite and on PostgreSQL, whoever inserts. The head row itself is still made and locked by
``audit.locked_head`` before the insert. No rows change.

Revision ID: 0020_audit_head_trigger
Revises: 0019_agency_waiting_covering
Create Date: 2026-12-02 00:40:00

"""
from alembic import op

revision = '0020_audit_head_trigger'
down_revision = '0019_agency_waiting_covering'
branch_labels = None
depends_on = None

MOVE_HEAD = "UPDATE audit_head SET last_id = NEW.id, last_hash = NEW.hash WHERE id = 1;"


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE TRIGGER audit_records_move_head AFTER INSERT ON audit_records BEGIN {MOVE_HEAD} END")
    else:
        op.execute("CREATE FUNCTION audit_records_move_head() RETURNS trigger AS $$ BEGIN "
                   f"{MOVE_HEAD} RETURN NULL; END; $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER audit_records_move_head AFTER INSERT ON audit_records "
                   "FOR EACH ROW EXECUTE FUNCTION audit_records_move_head()")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_records_move_head")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_records_move_head ON audit_records")
        op.execute("DROP FUNCTION IF EXISTS audit_records_move_head()")
