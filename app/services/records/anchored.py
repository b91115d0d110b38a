"""Verifying the audit trail against the checkpoints kept outside the database.

The chain alone proves nothing to someone who can rewrite it whole (change an opinion, recompute
every later hash with the product's own digest, update the head). The checkpoints in the
outside store were signed by the Office seal when they were made, so each one pins the chain as
it was then: a record whose recomputed hash disagrees with the checkpoints is named, and so is
anything wrong with the store itself (missing, a day file truncated or removed, a line forged).
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

import sqlalchemy as sa

from app.documents import pki
from app.extensions import db
from app.models import AuditCheckpoint
from app.services.records import anchor_store
from app.services.records.audit import ChainReport, no_cyclic_gc, verify_chain
from app.services.records.checkpoints import fingerprints


@dataclass(frozen=True)
class AnchoredReport:
    chain: ChainReport          # the walk, disputed by the checkpoints where they disagree
    anchored: int               # checkpoints in the outside store whose signature is the seal's
    problems: tuple[str, ...]   # what is wrong with the store or the checkpoints themselves
    pending: int = 0            # checkpoints in the database not yet copied to the store

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems


@dataclass(frozen=True)
class _Trusted:
    seq: int
    statement: dict


def _store_checkpoints(store: anchor_store.Contents, seal: pki.SealCheck) -> tuple[list[_Trusted], list[str]]:
    """The store's lines whose signature is the Office seal's; the others are refused."""
    trusted, problems, seen = [], [], set()
    for line in store.lines:
        where = f"checkpoint {line['seq']} in {line['file']}"
        try:
            statement = json.loads(line["statement"])
            signature = base64.b64decode(line["signature"], validate=True)
        except (ValueError, TypeError, binascii.Error):
            problems.append(f"{where} cannot be read")
            continue
        why = seal.problem(line["statement"].encode(), signature, line["certificate"]) \
            or ("" if statement.get("seq") == line["seq"] else "its number is not the one it signed")
        if why:
            problems.append(f"{where} is refused: {why}")
        elif line["seq"] in seen:
            problems.append(f"{where} appears twice in the outside store")
        else:
            seen.add(line["seq"])
            trusted.append(_Trusted(line["seq"], statement))
    return trusted, problems


def _against_database(store: anchor_store.Contents) -> tuple[list[str], int]:
    """The database's copies against the store: removed lines, altered or removed rows."""
    problems = []
    lines = {line["seq"]: line for line in store.lines}
    missing_seqs = sorted(set(range(1, store.last_seq + 1)) - set(lines))
    rows = db.session.execute(sa.select(AuditCheckpoint.seq, AuditCheckpoint.statement, AuditCheckpoint.signature,
                                        AuditCheckpoint.anchored_at).order_by(AuditCheckpoint.seq)).all()
    pending = 0
    for row in rows:
        line = lines.get(row.seq)
        if line is None:
            if row.anchored_at is None and row.seq > store.last_seq:
                pending += 1
            elif row.seq not in missing_seqs:
                missing_seqs.append(row.seq)
        elif (line["statement"], line["signature"]) != (row.statement, row.signature):
            problems.append(f"checkpoint {row.seq} in the database differs from the outside store's")
    if missing_seqs:
        missing_seqs.sort()
        problems.insert(0, f"{len(missing_seqs)} checkpoint(s) from number {missing_seqs[0]} on are missing from the "
                           f"outside store: a day file was truncated or removed")
    in_database = {row.seq for row in rows}
    removed = [seq for seq in lines if seq not in in_database]
    if removed:
        problems.append(f"{len(removed)} checkpoint(s) from number {min(removed)} on are in the outside store "
                        f"but no longer in the database")
    if not store.exists and any(row.anchored_at is not None for row in rows):
        problems.insert(0, f"the outside store {anchor_store.directory()} is missing")
    return problems, pending


class _Expectations:
    """What the trusted checkpoints say about each record, asked in id order during the walk."""

    def __init__(self, trusted: list[_Trusted]):
        self.expected: dict[int, tuple[str, int]] = {}
        self.heads: dict[int, list[tuple[int, str]]] = {}
        for cp in sorted(trusted, key=lambda t: t.seq):
            for record_id, prefix in fingerprints(cp.statement):
                self.expected[record_id] = (prefix, cp.seq)
            if cp.statement["record_id"]:
                self.heads.setdefault(cp.statement["record_id"], []).append((cp.seq, cp.statement["head_hash"]))
        self.ids = sorted(self.expected)
        self.covered_to = self.ids[-1] if self.ids else 0
        self.next = 0

    def check(self, record_id: int, computed: str) -> tuple[int, str] | None:
        expected = self.expected.get(record_id)
        if expected is None:
            if self.next < len(self.ids) and self.ids[self.next] < record_id:
                return self.missing()
            if record_id <= self.covered_to:
                return record_id, "was not in the trail when the checkpoints around it were signed"
        else:
            if self.ids[self.next] != record_id:  # an expected record before this one is gone
                return self.missing()
            self.next += 1
            prefix, seq = expected
            if not computed.startswith(prefix):
                return record_id, f"differs from what checkpoint {seq} signed: changed after it was anchored"
        if record_id in self.heads:
            for seq, head_hash in self.heads[record_id]:
                if computed != head_hash:
                    return record_id, f"the chain up to this record does not match checkpoint {seq}'s signed head"
        return None

    def missing(self) -> tuple[int, str]:
        record_id = self.ids[self.next]
        return record_id, f"was in the trail when checkpoint {self.expected[record_id][1]} was signed and is gone"

    def remaining(self) -> tuple[int, str] | None:
        return self.missing() if self.next < len(self.ids) else None


def verify_anchored() -> AnchoredReport:
    """The chain's own verification, with every record checked against the checkpoints from the
    outside store (their signatures first), and the store checked against the database's copies."""
    with no_cyclic_gc():
        return _verify_anchored()


def _verify_anchored() -> AnchoredReport:
    store = anchor_store.read()
    trusted, refused = _store_checkpoints(store, pki.seal_check()) if store.lines else ([], [])
    compared, pending = _against_database(store)
    expectations = _Expectations(trusted)
    chain = verify_chain(check=expectations.check)
    if chain.ok and (gone := expectations.remaining()) is not None:
        chain = ChainReport(chain.checked, *gone)
    return AnchoredReport(chain, len(trusted), tuple(compared + store.problems + refused), pending)
