"""The decision history: hash-chained and verifiable (append-only in the database itself:
tests/models/test_audit_records.py)."""
import orjson
import pytest
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


def _bulk_chain(count: int, payload=lambda i: {"ranking": i % 7 + 1}) -> None:
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
                   "opinion": f"第 {i} 号意见", "payload": payload(i), "prev_hash": prev}
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


def test_orjson_writes_what_the_digest_rule_writes_for_strings_integers_and_key_order():
    """The verification's quick digest (audit._quick_digest) relies on this; floats are the known
    exception and are settled by the rule's own encoder (next test)."""
    from app.services.records.audit import canonical

    every_character = "".join(map(chr, [*range(0xD800), *range(0xE000, 0x110000)]))
    keys = {chr(c): c for c in (0x7F, 0xE9, 0x4E00, 0xFFFF, 0x10000, 0xE000, 0x1F600, 0x41, 0x61, 0x22, 0x5C, 0x0A)}
    body = {"text": every_character, "keys": keys, "nested": [{"b": [1, {"z": None, "y": True}], "a": False}],
            "ints": [0, -1, 2**63 - 1, -2**63], "empty": [{}, [], ""]}
    assert orjson.dumps(body, option=orjson.OPT_SORT_KEYS) == canonical(body).encode()


# payload of record i, and whether the quick digest (orjson) misses the stored one for some record
PAYLOADS = {
    "a float in exponent form": (lambda i: {"share": 1e-05 * i, "ranking": i}, True),
    "an integer beyond 64 bits": (lambda i: {"budget_fen": 2**70 + i}, True),
    "control characters and every plane": (lambda i: {"note": f"\x00\x1f\u2028𝔘{i}"}, False),
}


@pytest.mark.parametrize(("payload", "quick_misses"), PAYLOADS.values(), ids=PAYLOADS)
def test_records_verify_and_are_checked_whichever_encoder_settles_them(app, payload, quick_misses):
    from app.services.records import audit

    some_history()
    _bulk_chain(40, payload)
    db.session.remove()
    assert verify_chain(batch_size=16) == verify_chain() and verify_chain().ok
    ids = db.session.scalars(sa.select(AuditRecord.id).order_by(AuditRecord.id)).all()
    rows = [row for batch in audit.chain_batches() for row in batch]
    assert [audit.row_digest(row.prev_hash, row) for row in rows] == [row.hash for row in rows]
    assert any(audit._quick_digest(row.prev_hash, row) != row.hash for row in rows) == quick_misses
    db.session.remove()
    _tamper(ids[-3])
    report = verify_chain()
    assert (report.ok, report.first_broken_id, report.checked) == (False, ids[-3], len(ids) - 3)


def test_a_payload_that_is_not_json_is_named_as_altered_not_a_crash(app):
    """SQLite keeps any text in the JSON column; PostgreSQL refuses it on write."""
    some_history()
    db.session.remove()
    ids = db.session.scalars(sa.select(AuditRecord.id).order_by(AuditRecord.id)).all()
    db.session.remove()
    bind = db.session.get_bind()
    if bind.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's json type refuses text that is not JSON")
    with bind.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_records_no_update")
        conn.execute(sa.text("UPDATE audit_records SET payload = '{\"ranking\": 1' WHERE id = :id"), {"id": ids[2]})
    report = verify_chain()
    assert (report.ok, report.first_broken_id, report.checked) == (False, ids[2], 2)
