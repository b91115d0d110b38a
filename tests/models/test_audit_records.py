"""The decision history is append-only in the database itself: triggers refuse any UPDATE or
DELETE of an audit record, whoever sends it, while new records keep being appended."""
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.database import transaction
from app.extensions import db
from app.models import AuditHead, AuditRecord
from app.services.commands import perform
from tests import factories as f


def records() -> list[tuple]:
    db.session.rollback()
    return [tuple(r) for r in db.session.execute(sa.select(AuditRecord.__table__).order_by(AuditRecord.id))]


@pytest.mark.parametrize("statement", [
    sa.update(AuditRecord).values(opinion="改写"),
    sa.update(AuditRecord).where(AuditRecord.trigger == "submit").values(actor_id=None),
    sa.delete(AuditRecord),
    sa.delete(AuditRecord).where(AuditRecord.trigger == "create"),
], ids=["rewrite-every-opinion", "erase-one-actor", "delete-all", "delete-one"])
def test_the_database_refuses_to_change_or_delete_an_audit_record(app, statement):
    f.endorsed()
    before = records()
    assert before
    with pytest.raises(sa.exc.DatabaseError) as err:
        with transaction():
            db.session.execute(statement)
    assert "append-only" in str(err.value.orig)
    assert records() == before


def test_new_decisions_are_still_appended(app):
    app_id = f.endorsed()
    count = len(records())
    with transaction():
        perform(f.user("office"), "application", app_id, "return_for_revision", {"opinion": "请修改"})
    assert len(records()) == count + 1


def _head() -> tuple:
    db.session.rollback()
    return tuple(db.session.execute(sa.select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1)).one())


def test_the_chains_head_follows_every_appended_record_whoever_inserts_it(app):
    app_id = f.endorsed()
    with transaction():
        perform(f.user("office"), "application", app_id, "return_for_revision", {"opinion": "请修改"})
    newest = db.session.scalar(sa.select(AuditRecord).order_by(AuditRecord.id.desc()).limit(1))
    assert newest.trigger == "return_for_revision" and _head() == (newest.id, newest.hash)
    # A row inserted past audit.record (a bulk load, a restore) moves the head as well.
    rows = [{**{c.name: getattr(newest, c.name) for c in AuditRecord.__table__.columns}, "id": newest.id + n,
             "prev_hash": f"{n - 1:064x}", "hash": f"{n:064x}"} for n in (1, 2)]
    with transaction():
        db.session.execute(AuditRecord.__table__.insert(), rows)
    assert _head() == (newest.id + 2, f"{2:064x}")


def test_an_aware_moment_is_stored_and_compared_as_utc(app):
    """SQLite keeps a datetime's wall clock and drops its zone: a Beijing moment must be turned
    to UTC before it is bound, for storing and for comparing alike."""
    f.submitted("wuhua_applicant")
    first = db.session.scalar(sa.select(AuditRecord).order_by(AuditRecord.id).limit(1))
    stored = first.created_at if first.created_at.tzinfo else first.created_at.replace(tzinfo=UTC)
    in_beijing = stored.astimezone(ZoneInfo("Asia/Shanghai"))
    earlier = in_beijing - timedelta(seconds=1)
    assert db.session.scalar(sa.select(sa.func.count(AuditRecord.id)).where(
        AuditRecord.id == first.id, AuditRecord.created_at > earlier)) == 1
    assert db.session.scalar(sa.select(sa.func.count(AuditRecord.id)).where(
        AuditRecord.id == first.id, AuditRecord.created_at <= earlier)) == 0
