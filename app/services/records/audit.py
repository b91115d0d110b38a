"""The append-only, hash-chained history of decisions, and its verification."""
from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from enum import Enum
from types import SimpleNamespace

import orjson
import sqlalchemy as sa

from app.database import Write, write, write_together
from app.extensions import db
from app.models import AuditHead, AuditRecord, User
from app.models.base import utcnow
from app.services.records.outbox import enqueue

GENESIS = "0" * 64


def jsonable(value):
    """Plain JSON values that survive a database round trip unchanged (for hashing)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):  # date, datetime
        return value.isoformat()
    return value


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


DIGEST_RULE = ("hash = SHA-256 (hex) of the UTF-8 JSON object {\"prev\": prev_hash, **fields} with sorted keys, "
               "no whitespace (separators \",\" and \":\") and non-ASCII characters as they are; \"at\" is the "
               "record's UTC time without offset in ISO format with microseconds. The first record's prev_hash is "
               + GENESIS + "; each record's prev_hash is the hash of the record before it in the whole chain. "
               "\"entered_by\" (the proxy who entered a leader's step on their behalf) is among the fields only "
               "when the record has one, so records written before delegation existed keep their digests.")
# One encoder for every digest (``json.dumps`` with these options builds a new one per call); what
# it encodes is plain JSON values, never circular, so it does not track the containers it is in.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), check_circular=False)


def canonical(body: dict) -> str:
    """The one canonical JSON text of what is hashed or signed."""
    return _CANONICAL.encode(body)


def fields_of(rec) -> dict:
    """What a record's digest covers besides the previous hash (plain JSON values); ``rec`` is an
    AuditRecord or a row with the same columns."""
    return _fields(rec.created_at, rec.entity_type, rec.entity_id, rec.trigger, rec.from_state, rec.to_state,
                   rec.actor_id, rec.actor_role, rec.opinion, rec.payload, getattr(rec, "entered_by_id", None))


def _fields(at, entity_type, entity_id, trigger, from_state, to_state, actor_id, actor_role, opinion, payload,
            entered_by_id) -> dict:
    fields = {"at": _utc_text(at), "type": entity_type, "id": entity_id, "trigger": trigger, "from": from_state,
              "to": to_state, "actor": actor_id, "role": actor_role, "opinion": opinion, "payload": payload}
    if entered_by_id is not None:  # only then: older records' digests stay what they were
        fields["entered_by"] = entered_by_id
    return fields


def digest_fields(prev_hash: str, fields: dict) -> str:
    """The digest of a record given as ``fields_of`` (``DIGEST_RULE``): also for records read
    back from an exported dossier, with no database."""
    return hashlib.sha256(canonical({"prev": prev_hash, **fields}).encode()).hexdigest()


def _sealed(prev_hash: str, fields: dict) -> str:
    """``digest_fields`` of fields just made by ``_fields`` (which has no "prev"): the dict gains
    the key instead of being copied."""
    fields["prev"] = prev_hash
    return hashlib.sha256(_CANONICAL.encode(fields).encode()).hexdigest()


# The append's statements, built once (each decision only binds them), on the tables: a record
# is written and never read back in the same transaction, so it needs no ORM object.
_HEAD, _RECORDS = AuditHead.__table__, AuditRecord.__table__
_READ_HEAD = sa.select(_HEAD.c.last_id, _HEAD.c.last_hash).where(_HEAD.c.id == 1)
_LOCK_HEAD = _READ_HEAD.with_for_update()
# An appended record moves the head by itself (trigger audit_records_move_head, migration 0020).
# The head, locked, as two columns that a step's compare-and-set UPDATE returns (``fire``): the
# step learns where the chain stands in its own statement, not in one more (NULL while the chain
# has no head row: ``record`` then makes it).
HEAD = tuple(sa.select(column).where(_HEAD.c.id == 1).with_for_update().scalar_subquery().label(f"head_{column.name}")
             for column in (_HEAD.c.last_id, _HEAD.c.last_hash))


def locked_head() -> sa.Row:
    """The chain's tip (``last_id``, ``last_hash``), locked until the end of the transaction
    (made on the first append)."""
    head = write(_LOCK_HEAD).one_or_none()
    if head is None:
        write(_HEAD.insert(), {"id": 1, "last_id": 0, "last_hash": GENESIS})
        head = write(_LOCK_HEAD).one()
    return head


def digest(prev_hash: str, rec: AuditRecord) -> str:
    return _sealed(prev_hash, fields_of(rec))


def record(*, entity_type: str, entity_id: int, trigger: str, actor: User | None, role: str,
           from_state: str | None = None, to_state: str | None = None, opinion: str = "",
           payload: dict | None = None, entered_by: User | None = None,
           head: tuple[int | None, str | None] | None = None, message: tuple[str, dict] | None = None,
           along: Sequence[Write] = ()) -> int:
    """Append one record and return its id. The head row is locked so concurrent appends form one
    chain, and moved to the record by the database's trigger on the insert; the record takes the
    next id after the head's, so the chain's order is the ids' order. ``entered_by``: the proxy
    who entered the ``actor``'s (a leader's) step on their behalf. ``head``: the head already
    locked in this transaction (``HEAD``, as a step's compare-and-set returns it). ``message``:
    the outbox work (kind, payload) the record causes, written with it (its payload gains the
    record's ``audit_id``). ``along``: the step's own writes that need no answer (an endorsement's
    time), made with the record (``database.write_together``: one statement on PostgreSQL)."""
    last_id, last_hash = head if head is not None and head[0] is not None else locked_head()
    rec = dict(id=last_id + 1, created_at=utcnow(), entity_type=entity_type, entity_id=entity_id, trigger=trigger,
               from_state=from_state, to_state=to_state, actor_id=actor.id if actor else None,
               actor_role=role, opinion=opinion, payload=jsonable(payload or {}), prev_hash=last_hash,
               entered_by_id=entered_by.id if entered_by else None)
    rec["hash"] = digest(last_hash, SimpleNamespace(**rec))
    if message is None:
        write_together(*along, (_RECORDS, rec))
    else:
        kind, work = message
        enqueue(kind, {**work, "audit_id": rec["id"]}, after=((_RECORDS, rec), *along))
    return rec["id"]


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


# What the verification reads, as plain rows of the table (no ORM objects or entities): the
# record's id, its links, then the content in ``_fields``'s order. The payload comes as its stored
# JSON text and is decoded here: the JSON type's result processing cost ~5 µs a row, decoding it
# here ~2 µs with ``json`` and ~0.5 µs with ``orjson`` (bench/audit_verify.py).
_T = AuditRecord.__table__.c
CHAIN_COLUMNS = (_T.id, _T.prev_hash, _T.hash, _T.created_at, _T.entity_type, _T.entity_id, _T.trigger,
                 _T.from_state, _T.to_state, _T.actor_id, _T.actor_role, _T.opinion,
                 sa.cast(_T.payload, sa.Text).label("payload"), _T.entered_by_id)
_BATCH = (sa.select(*CHAIN_COLUMNS).where(_T.id > sa.bindparam("after")).order_by(_T.id)
          .limit(sa.bindparam("size")))


def chain_batches(after: int = 0, batch_size: int = 20_000) -> Iterator[Sequence[sa.Row]]:
    """The records after id ``after`` in id order, ``batch_size`` rows at a time, read with ``CHAIN_COLUMNS``."""
    while rows := db.session.execute(_BATCH, {"after": after, "size": batch_size}).all():
        yield rows
        after = rows[-1].id


def _row_fields(row: sa.Row, loads: Callable[[str], object]) -> dict:
    _, _, _, at, entity_type, entity_id, trigger, from_state, to_state, actor_id, role, opinion, payload, \
        entered_by_id = row
    return _fields(at, entity_type, entity_id, trigger, from_state, to_state, actor_id, role, opinion,
                   None if payload is None else loads(payload), entered_by_id)


def row_digest(prev_hash: str, row: sa.Row) -> str:
    """The digest of a record read with ``CHAIN_COLUMNS`` (``DIGEST_RULE``)."""
    return _sealed(prev_hash, _row_fields(row, json.loads))


def _rule_digest(prev_hash: str, row: sa.Row) -> str | None:
    """``row_digest``, or None for a payload that is not JSON at all (SQLite stores any text)."""
    try:
        return row_digest(prev_hash, row)
    except ValueError:
        return None


def _quick_digest(prev_hash: str, row: sa.Row) -> str | None:
    """``row_digest`` with orjson reading and writing the JSON, about five times faster. orjson
    writes every string, integer, boolean, null, list and object as ``DIGEST_RULE`` does
    (each Unicode character and the key order checked by tests/services/test_audit.py), but some
    floats in another form (``1e-05`` as ``0.00001``), so a disagreement with the stored digest
    is settled by ``row_digest``. An agreement cannot be wrong: it means the stored digest is the
    SHA-256 of a JSON text of exactly the record's content. None when orjson refuses the values
    (an integer beyond 64 bits)."""
    try:
        fields = _row_fields(row, orjson.loads)
        fields["prev"] = prev_hash
        return hashlib.sha256(orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)).hexdigest()
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return None


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """The walk makes millions of short-lived acyclic objects; the cyclic collector's passes over
    them cost a third of the time (measured by bench/audit_verify.py), and it has nothing to find."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# Asked about every record in order with the hash recomputed from its content; returns
# (record id, problem) at the first disagreement, else None (the anchored verification).
Check = Callable[[int, str], "tuple[int, str] | None"]


def verify_chain(batch_size: int = 20_000, check: Check | None = None) -> ChainReport:
    """Walk the chain in id order; name the first record whose link or digest is wrong (or that
    ``check`` disputes)."""
    with no_cyclic_gc():
        return _walk(batch_size, check)


def _walk(batch_size: int, check: Check | None) -> ChainReport:
    prev, checked = GENESIS, 0
    for rows in chain_batches(batch_size=batch_size):
        for row in rows:
            if row.prev_hash != prev:
                return ChainReport(checked, row.id, "link to the previous record is broken")
            computed = _quick_digest(prev, row)
            if computed != row.hash and (computed := _rule_digest(prev, row)) != row.hash:
                return ChainReport(checked, row.id, "content does not match its digest")
            if check is not None and (disputed := check(row.id, computed)) is not None:
                return ChainReport(checked, *disputed)
            prev, checked = computed, checked + 1
    head = db.session.execute(_READ_HEAD).one_or_none()
    if head is not None and head.last_hash != prev:
        return ChainReport(checked, head.last_id, "the chain's head does not match its last record")
    return ChainReport(checked, None)


def history(entity_type: str, entity_id: int) -> list[AuditRecord]:
    return list(db.session.scalars(
        sa.select(AuditRecord).where(AuditRecord.entity_type == entity_type,
                                     AuditRecord.entity_id == entity_id).order_by(AuditRecord.id)))
