"""The decision history: hash-chained and verifiable (append-only in the database itself:
tests/models/test_audit_records.py)."""
import sqlalchemy as sa

from app.database import transaction
from app.extensions import db
from app.models import AuditRecord
from app.services.commands import perform
from app.services.records.audit import verify_chain
from tests import factories as f


def some_history():
    app_id = f.endorsed()
    with transaction():
        perform(f.user("office"), "application", app_id, "return_for_revision", {"opinion": "请修改"})
    return app_id


def test_the_chain_of_a_real_history_verifies(app):
    some_history()
    report = verify_chain()
    assert report.ok and report.checked >= 5


def _tamper(record_id: int) -> None:
    """Edit a record behind the application's back, as someone with database access could."""
    bind = db.session.get_bind()
    with bind.begin() as conn:
        if bind.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_records_no_update")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only")
        conn.execute(sa.update(AuditRecord).where(AuditRecord.id == record_id).values(opinion="同意（已篡改）"))


def test_verification_names_the_first_altered_record(app):
    some_history()
    db.session.remove()
    ids = db.session.scalars(sa.select(AuditRecord.id).order_by(AuditRecord.id)).all()
    db.session.remove()
    _tamper(ids[3])
    report = verify_chain()
    assert (report.ok, report.first_broken_id, report.checked) == (False, ids[3], 3)
