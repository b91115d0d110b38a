"""The audit trail anchored outside the database: checkpoints signed by the Office seal, kept in
the database and in a write-once store of day files, and the verification that uses them to
catch a chain rewritten whole by someone with write access to the database."""
import base64
import json
import shutil
import stat
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app import clock
from app.database import transaction
from app.documents import pki
from app.extensions import db
from app.jobs import periodic
from app.models import AuditCheckpoint, AuditHead, AuditRecord
from app.services.commands import perform
from app.services.records import anchor_store, audit, checkpoints
from app.services.records.anchored import verify_anchored
from app.services.records.audit import verify_chain
from tests import factories as f

APPEND_ONLY_SQLITE = "CREATE TRIGGER audit_records_no_{0} BEFORE {1} ON audit_records " \
                     "BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END"


def some_history() -> int:
    app_id = f.endorsed()
    with transaction():
        perform(f.user("office"), "application", app_id, "return_for_revision", {"opinion": "请修改"})
    return app_id


def checkpoint(reason: str = "manual") -> int:
    with transaction():
        seq = checkpoints.make(reason).seq
    with transaction():
        checkpoints.publish()
    return seq


def record_ids() -> list[int]:
    db.session.remove()
    ids = db.session.scalars(sa.select(AuditRecord.id).order_by(AuditRecord.id)).all()
    db.session.remove()
    return ids


def _without_append_only_triggers(conn, dialect: str):
    """Drop the triggers that refuse UPDATE and DELETE; returns how to put them back."""
    if dialect == "sqlite":
        conn.exec_driver_sql("DROP TRIGGER audit_records_no_update")
        conn.exec_driver_sql("DROP TRIGGER audit_records_no_delete")
        return lambda: [conn.exec_driver_sql(APPEND_ONLY_SQLITE.format(a.lower(), a)) for a in ("UPDATE", "DELETE")]
    conn.exec_driver_sql("DROP TRIGGER audit_records_append_only ON audit_records")
    return lambda: conn.exec_driver_sql("CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON "
                                        "audit_records FOR EACH ROW EXECUTE FUNCTION audit_records_append_only()")


def _rechain(conn, from_id: int, prev: str) -> None:
    """Recompute every hash from ``from_id`` on with the product's own digest, and the head."""
    table = AuditRecord.__table__
    rows = conn.execute(sa.select(table).where(table.c.id >= from_id).order_by(table.c.id)).all()
    for row in rows:
        new = audit.digest(prev, SimpleNamespace(**row._mapping))
        conn.execute(sa.update(table).where(table.c.id == row.id).values(prev_hash=prev, hash=new))
        prev = new
    conn.execute(sa.update(AuditHead.__table__).where(AuditHead.__table__.c.id == 1).values(last_hash=prev))


def rewrite_opinion(record_id: int, opinion: str) -> None:
    """The attack: with write access to the database, drop the triggers, change an opinion,
    recompute every later hash with the product's digest, update the head, restore the triggers."""
    bind = db.session.get_bind()
    table = AuditRecord.__table__
    with bind.begin() as conn:
        restore = _without_append_only_triggers(conn, bind.dialect.name)
        conn.execute(sa.update(table).where(table.c.id == record_id).values(opinion=opinion))
        prev = conn.scalar(sa.select(table.c.prev_hash).where(table.c.id == record_id))
        _rechain(conn, record_id, prev)
        restore()


def delete_last_record() -> int:
    bind = db.session.get_bind()
    table = AuditRecord.__table__
    with bind.begin() as conn:
        restore = _without_append_only_triggers(conn, bind.dialect.name)
        last = conn.execute(sa.select(table.c.id, table.c.prev_hash).order_by(table.c.id.desc()).limit(1)).one()
        conn.execute(sa.delete(table).where(table.c.id == last.id))
        conn.execute(sa.update(AuditHead.__table__).values(last_id=last.id - 1, last_hash=last.prev_hash))
        restore()
    return last.id


def test_a_chain_rewritten_whole_passes_its_own_check_but_the_checkpoints_name_the_record(app, runner):
    app_id = some_history()
    checkpoint()
    with transaction():  # more decisions after the checkpoint; the rewrite is of an earlier one
        perform(f.user("wuhua_applicant"), "application", app_id, "resubmit", {"opinion": "已修改"})
    ids = record_ids()
    target = ids[-4]
    rewrite_opinion(target, "同意（改写）")

    assert verify_chain().ok  # the chain's own hashes agree: the rewrite is consistent
    report = verify_anchored()
    assert not report.ok and report.chain.first_broken_id == target
    assert "changed after it was anchored" in report.chain.problem

    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at record {target}" in result.output


def test_records_deleted_from_the_end_are_named(app):
    some_history()
    checkpoint()
    gone = delete_last_record()
    assert verify_chain().ok
    report = verify_anchored()
    assert report.chain.first_broken_id == gone and "is gone" in report.chain.problem


def test_an_untouched_trail_verifies_against_its_checkpoints(app, runner):
    some_history()
    checkpoint()
    checkpoint()
    report = verify_anchored()
    assert report.ok and report.anchored == 2 and report.pending == 0
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "audit chain intact" in result.output


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=clock.BEIJING)


def tick(moment: datetime) -> list[str]:
    clock.set_now(moment)
    return periodic.tick(moment)


def scheduled_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(AuditCheckpoint.reason == "scheduled"))


def test_the_scheduled_job_makes_one_checkpoint_per_hour_and_catches_up_after_downtime(app):
    assert "audit_checkpoint 2026-12-08T10" in tick(at(8, 10, 5))
    assert scheduled_count() == 1
    assert "audit_checkpoint 2026-12-08T10" not in tick(at(8, 10, 40))
    assert scheduled_count() == 1
    assert "audit_checkpoint 2026-12-08T11" in tick(at(8, 11))
    started = tick(at(8, 16, 20))  # the worker was down for five hours: one checkpoint, not five
    assert [s for s in started if s.startswith("audit_checkpoint")] == ["audit_checkpoint 2026-12-08T16"]
    assert scheduled_count() == 3
    lines = anchor_store.read().lines
    assert [line["seq"] for line in lines] == [1, 2, 3]
    assert verify_anchored().ok


@pytest.mark.usefixtures("factory_jobs")
def test_sealing_a_document_makes_a_checkpoint_that_covers_its_records(app):
    _, acceptance_id = f.accepted()
    sealed = db.session.scalars(sa.select(AuditCheckpoint).where(AuditCheckpoint.reason == "sealed")).all()
    assert len(sealed) == 1
    assert sealed[0].record_id == db.session.get(AuditHead, 1).last_id
    assert [line["seq"] for line in anchor_store.read().lines] == [sealed[0].seq]
    assert sealed[0].anchored_at is not None

    acceptance_records = audit.history("acceptance", acceptance_id)
    covering = checkpoints.checkpoints_covering(r.id for r in acceptance_records)
    assert covering[0].seq == sealed[0].seq and covering[0].signature and covering[0].certificate_pem
    statement = json.loads(covering[0].statement)
    assert statement["head_hash"] == covering[0].head_hash and statement["seq"] == covering[0].seq
    assert checkpoints.checkpoints_covering([10 ** 9]) == [] and checkpoints.checkpoints_covering([]) == []


def test_a_checkpoint_verifies_offline_with_the_ca_certificate(app):
    some_history()
    checkpoint()
    line = anchor_store.read().lines[0]
    cert = x509.load_pem_x509_certificate(line["certificate"].encode())
    ca = x509.load_pem_x509_certificate((Path(app.config["PKI_DIR"]) / pki.CA_CERT_FILE).read_bytes())
    cert.verify_directly_issued_by(ca)
    cert.public_key().verify(base64.b64decode(line["signature"]), line["statement"].encode(),
                             ec.ECDSA(hashes.SHA256()))


def test_day_files_are_appended_to_and_closed_read_only_once_the_day_is_over(app):
    clock.set_now(at(8, 9))
    checkpoint()
    first = anchor_store.day_file(clock.today())
    before = first.read_bytes()
    assert first.stat().st_mode & stat.S_IWUSR
    clock.set_now(at(8, 17))
    checkpoint()
    assert first.read_bytes().startswith(before) and len(first.read_bytes().splitlines()) == 2

    clock.set_now(at(9, 8))
    checkpoint()
    assert stat.S_IMODE(first.stat().st_mode) == 0o444
    second = anchor_store.day_file(clock.today())
    assert second.name == "2026-12-09.jsonl" and len(second.read_bytes().splitlines()) == 1
    with pytest.raises(PermissionError):
        anchor_store.append(at(8, 0).date(), [{"seq": 99}])
    assert verify_anchored().ok


def _forged_line(statement: dict, key, certificate_pem: str) -> dict:
    text = audit.canonical(statement)
    signature = key.sign(text.encode(), ec.ECDSA(hashes.SHA256()))
    return {"seq": statement["seq"], "statement": text, "signature": base64.b64encode(signature).decode(),
            "certificate": certificate_pem}


def _self_signed():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "云南省信息化办公室")])
    now = datetime.now().astimezone()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.PEM).decode()


def test_a_forged_checkpoint_is_refused(app):
    some_history()
    checkpoint()
    genuine = anchor_store.read().lines[0]
    statement = json.loads(genuine["statement"])
    # the seal's own signature over a statement altered afterwards
    altered = {**genuine, "seq": 2, "statement": audit.canonical({**statement, "seq": 2, "head_hash": "0" * 64})}
    # a statement signed by a key of the attacker's own, and by another certificate of the CA
    key, cert = _self_signed()
    issued = pki.issue_credential(pki.load_authority(), common_name="x", organisation="x", uid="office-seal",
                                  password="pw")
    other_key = pki.unwrap_key(issued.encrypted_key_pem, "pw")
    anchor_store.append(clock.today(), [altered, _forged_line({**statement, "seq": 3}, key, cert),
                                        _forged_line({**statement, "seq": 4}, other_key, issued.certificate_pem)])
    report = verify_anchored()
    assert not report.ok and report.anchored == 1
    refused = [p for p in report.problems if "is refused" in p]
    assert len(refused) == 3
    assert "does not match" in refused[0] and "not the Office seal's" in refused[1] + refused[2]


def test_a_missing_store_and_a_truncated_day_file_are_reported(app, runner):
    some_history()
    for _ in range(3):
        checkpoint()
    path = anchor_store.day_file(clock.today())
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:2]) + lines[2][:40])  # the last line cut short
    problems = verify_anchored().problems
    assert any("partial line" in p for p in problems)
    assert any("from number 3 on are missing from the outside store" in p for p in problems)

    path.write_bytes(lines[0] + lines[2])  # a line removed from the middle
    assert any("from number 2 on are missing" in p for p in verify_anchored().problems)

    shutil.rmtree(anchor_store.directory())
    report = verify_anchored()
    assert not report.ok and "is missing" in report.problems[0]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "outside store" in result.output


def test_a_checkpoint_not_yet_copied_is_pending_not_a_break(app):
    some_history()
    with transaction():
        checkpoints.make("manual")
    report = verify_anchored()
    assert report.ok and report.pending == 1
    with transaction():
        assert checkpoints.publish() == 1
    assert verify_anchored().pending == 0


def test_flask_audit_checkpoint_signs_and_copies_the_head(app, runner):
    some_history()
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    head = db.session.get(AuditHead, 1)
    assert f"record {head.last_id}" in result.output and head.last_hash in result.output
    assert anchor_store.read().lines[0]["seq"] == 1


def test_checkpoints_signed_before_a_seal_rotation_still_verify_after_it(app, runner, tmp_path, pki_dir):
    shutil.copytree(pki_dir, tmp_path / "pki")
    app.config["PKI_DIR"] = str(tmp_path / "pki")
    some_history()
    checkpoint()
    assert runner.invoke(args=["pki", "rotate-seal"]).exit_code == 0
    some_history()
    checkpoint()
    report = verify_anchored()
    assert report.ok and report.anchored == 2, report.problems
