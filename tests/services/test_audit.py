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


def _bulk_chain(count: int) -> None:
    """``count`` records appended in bulk with the product's digest (as bench/audit_verify.py)."""
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from app.models import AuditHead
    from app.services.records import audit

    start = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    with transaction():
        head = audit.locked_head()
        prev, first = head.last_hash, (head.last_id or 0) + 1
        rows = []
        for i in range(first, first + count):
            row = {"id": i, "created_at": start + timedelta(seconds=i), "entity_type": "application",
                   "entity_id": i // 10 + 1, "trigger": "endorse", "from_state": "endorsing",
                   "to_state": "initial_review", "actor_id": None, "actor_role": "endorser",
                   "opinion": f"第 {i} 号意见", "payload": {"ranking": i % 7 + 1}, "prev_hash": prev}
            row["hash"] = prev = audit.digest(prev, SimpleNamespace(**row))
            rows.append(row)
        db.session.execute(AuditRecord.__table__.insert(), rows)
        head = db.session.get(AuditHead, 1)
        head.last_id, head.last_hash = rows[-1]["id"], prev


def test_verification_streams_in_batches_with_the_same_answer_whatever_their_size(app):
    some_history()
    _bulk_chain(3000)
    db.session.remove()
    whole = verify_chain()
    assert whole.ok and whole.checked >= 3005
    for batch_size in (1, 7, 500, 2999):
        db.session.remove()
        assert verify_chain(batch_size=batch_size) == whole
    db.session.remove()
    ids = db.session.scalars(sa.select(AuditRecord.id).order_by(AuditRecord.id)).all()
    db.session.remove()
    _tamper(ids[2500])
    answers = set()
    for batch_size in (7, 500, 20_000):
        db.session.remove()
        answers.add(verify_chain(batch_size=batch_size))
    assert len(answers) == 1
    (report,) = answers
    assert (report.ok, report.first_broken_id, report.checked) == (False, ids[2500], 2500)
