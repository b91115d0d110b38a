"""Checkpoints of the audit trail, signed by the Office seal and anchored outside the database.

A checkpoint states the chain's head — sequence number, last record id, head hash, time — and,
for each record since the previous checkpoint, the first 8 hex digits of its hash (so that a
later rewrite is pinned to its first record, not only to the checkpoint that catches it). The
statement is signed by the Office seal (ECDSA P-256, SHA-256; the seal's certificate travels
with it), kept in ``audit_checkpoints`` and appended to the day's file of the outside store
(``anchor_store``). They are made hourly (``app/jobs/periodic.py``), after every sealed document
(an outbox row from ``signatures.record_seal``) and on demand (``flask audit checkpoint``).

Making one (``make``) locks the chain's head, so it covers committed records only, and must run
in a transaction that appended no audit record; ``publish`` copies what is not yet in the store,
in sequence order, and must run with no transaction open (it takes the store's lock first).
"""
from __future__ import annotations

import base64
from collections.abc import Iterable

import sqlalchemy as sa

from app import clock
from app.documents import pki
from app.extensions import db
from app.models import AuditCheckpoint, AuditRecord
from app.services.records import anchor_store, outbox
from app.services.records.audit import canonical, locked_head

JOB = "audit_checkpoint"
PREFIX = 8  # hex digits of each record's hash kept in a checkpoint
REASONS = ("scheduled", "sealed", "manual")


def _runs(rows: Iterable[tuple[int, str]]) -> list[list]:
    """Records as runs of consecutive ids: [[first id, "prefix prefix…" joined], …]."""
    runs: list[list] = []
    last = None
    for record_id, digest in rows:
        if last is not None and record_id == last + 1:
            runs[-1][1] += digest[:PREFIX]
        else:
            runs.append([record_id, digest[:PREFIX]])
        last = record_id
    return runs


def fingerprints(statement: dict) -> Iterable[tuple[int, str]]:
    """(record id, hash prefix) for each record a checkpoint's statement covers."""
    for first, joined in statement["records"]:
        for i in range(0, len(joined), PREFIX):
            yield first + i // PREFIX, joined[i:i + PREFIX]


def make(reason: str) -> AuditCheckpoint:
    """Sign the chain's current head (locked) and keep the checkpoint in the database."""
    if reason not in REASONS:
        raise ValueError(f"unknown checkpoint reason {reason!r}")
    head = locked_head()
    last = db.session.scalar(sa.select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1))
    after = min(last.record_id, head.last_id) if last else 0
    rows = db.session.execute(sa.select(AuditRecord.id, AuditRecord.hash).where(
        AuditRecord.id > after, AuditRecord.id <= head.last_id).order_by(AuditRecord.id))
    now = clock.now()
    body = {"v": 1, "seq": (last.seq + 1) if last else 1, "record_id": head.last_id, "head_hash": head.last_hash,
            "at": now.isoformat(timespec="microseconds"), "reason": reason, "after": after,
            "records": _runs(rows)}
    statement = canonical(body)
    signature, certificate = pki.seal_sign(statement.encode())
    checkpoint = AuditCheckpoint(seq=body["seq"], record_id=head.last_id, head_hash=head.last_hash, made_at=now,
                                 reason=reason, statement=statement,
                                 signature=base64.b64encode(signature).decode(), certificate_pem=certificate)
    db.session.add(checkpoint)
    db.session.flush()
    return checkpoint


def request(reason: str) -> None:
    """Ask for a checkpoint after this transaction commits (it then covers this transaction's
    records): the "audit_checkpoint" job makes and publishes it."""
    outbox.enqueue(JOB, {"reason": reason})


def scheduled(_moment) -> None:
    """The hourly scheduled job."""
    request("scheduled")


def store_line(checkpoint: AuditCheckpoint) -> dict:
    return {"seq": checkpoint.seq, "statement": checkpoint.statement, "signature": checkpoint.signature,
            "certificate": checkpoint.certificate_pem}


def publish() -> int:
    """Append the checkpoints not yet in the outside store to today's file, in sequence order,
    and close the files of past days; returns how many were appended. Call it with no
    transaction open, inside ``with transaction():``."""
    with anchor_store.locked():
        have = anchor_store.last_seq()
        waiting = db.session.scalars(sa.select(AuditCheckpoint).where(AuditCheckpoint.anchored_at.is_(None))
                                     .order_by(AuditCheckpoint.seq)).all()
        fresh = [c for c in waiting if c.seq > have]
        anchor_store.close_past_days(clock.today())
        anchor_store.append(clock.today(), [store_line(c) for c in fresh])
        now = clock.now()
        for checkpoint in waiting:  # those at or below ``have`` were copied by a run that died after it
            checkpoint.anchored_at = now
    return len(fresh)


def checkpoints_covering(record_ids: Iterable[int]) -> list[AuditCheckpoint]:
    """The stored checkpoints (statement, signature and certificate) that cover these records:
    those whose record id is at or after the largest given, the first of them first. Empty when
    no checkpoint reaches that far yet."""
    ids = list(record_ids)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(AuditCheckpoint).where(AuditCheckpoint.record_id >= max(ids))
                                   .order_by(AuditCheckpoint.seq)))
