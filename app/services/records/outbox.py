"""The outbox: work a decision leaves for after its commit, and the bookkeeping of that work.

A service that needs something done once its decision stands (render a document, seal it,
notify people, send a mail) calls ``enqueue`` inside the deciding transaction. After the
commit the row's id is handed to the job queue (``app.jobs``); the job runs the handler
registered for the row's kind with ``@handles``. The row is the source of truth:

- a handler is idempotent: it finishes its work with ``finishing(message)``, which locks the
  row, skips work that is already done and marks the row done in the same transaction;
- a handler that raises leaves the row pending with its error and a back-off
  (``RETRY_DELAYS``); after the last attempt the row is *failed*, listed for an admin to retry;
- a row whose job was lost (a worker killed, Redis down) is found by ``handover_due`` and
  handed to the queue again.

A failed side effect never changes the decision that caused it.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.database import Write, write_together
from app.errors import NotFound
from app.extensions import db
from app.models import OutboxMessage, OutboxStatus
from app.models.base import as_utc

RETRY_DELAYS = (timedelta(seconds=10), timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
NEW_IDS = "pilotflow.outbox_ids"  # session.info key: rows written by the open transaction


@dataclass(frozen=True)
class Message:
    """What a handler gets: the row's id, kind and payload (never the live row)."""

    id: int
    kind: str
    payload: dict


Handler = Callable[[Message], None]
_HANDLERS: dict[str, Handler] = {}


class AlreadyDone(Exception):
    """The row was finished by an earlier run: the work must not happen twice."""


def handles(kind: str):
    """Register the decorated function as the handler of outbox rows of ``kind``."""
    def register(fn: Handler) -> Handler:
        if kind in _HANDLERS:
            raise RuntimeError(f"two handlers for outbox kind {kind!r}")
        _HANDLERS[kind] = fn
        return fn
    return register


def handler_for(kind: str) -> Handler | None:
    return _HANDLERS.get(kind)


def kinds() -> list[str]:
    return sorted(_HANDLERS)


_OUTBOX = OutboxMessage.__table__  # (a row is written, not read back: no ORM object)


def enqueue(kind: str, payload: dict, *, available_at: datetime | None = None, after: Sequence[Write] = ()) -> int:
    """Record work for after the commit (in the caller's transaction); returns the row's id.
    ``after``: the writes the work follows (a step's audit record and its own rows), made first
    and, where the database can, in the same statement (``database.write_together``)."""
    now = clock.now()  # handed over right after the commit (the sweeper's clock starts now)
    row = {"kind": kind, "payload": payload, "created_at": now, "status": OutboxStatus.PENDING, "attempts": 0,
           "last_error": "", "available_at": available_at or now, "handed_at": now, "delivered_at": None}
    outbox_id = write_together(*after, (_OUTBOX, row))
    db.session.info.setdefault(NEW_IDS, []).append(outbox_id)
    return outbox_id


def take_new_ids() -> list[int]:
    """The rows the transaction that just committed wrote (each asked once)."""
    return db.session.info.pop(NEW_IDS, [])


@sa.event.listens_for(Session, "after_rollback")
def _forget_new_ids(session: Session) -> None:
    session.info.pop(NEW_IDS, None)


def claim(outbox_id: int) -> Message | None:
    """A job starts on the row: its lease is renewed (the sweeper leaves it alone for
    ``JOB_STALE_SECONDS``); None when it is gone, done, failed or not yet due."""
    row = _lock(outbox_id)
    if row is None or row.status != OutboxStatus.PENDING or as_utc(row.available_at) > clock.now():
        return None
    row.handed_at = clock.now()
    return Message(row.id, row.kind, dict(row.payload))


def _lock(outbox_id: int) -> OutboxMessage | None:
    return db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.id == outbox_id)
                             .with_for_update().execution_options(populate_existing=True))


@contextmanager
def finishing(msg: Message) -> Iterator[None]:
    """Inside the caller's transaction: lock the row, raise ``AlreadyDone`` if another run
    finished it, and mark it done together with the work done in the block."""
    row = _lock(msg.id)
    if row is None or row.status == OutboxStatus.DONE:
        raise AlreadyDone(msg.id)
    yield
    row.status, row.delivered_at, row.last_error = OutboxStatus.DONE, clock.now(), ""


def finish(msg: Message) -> bool:
    """Mark the row done if the handler did not (its work had no database side); False if it
    was done already."""
    row = _lock(msg.id)
    if row is None or row.status == OutboxStatus.DONE:
        return False
    row.status, row.delivered_at, row.last_error = OutboxStatus.DONE, clock.now(), ""
    return True


def last_attempt(outbox_id: int) -> bool:
    """Whether a failure of the running attempt will be the row's last (it is then *failed*)."""
    attempts = db.session.scalar(sa.select(OutboxMessage.attempts).where(OutboxMessage.id == outbox_id))
    return attempts is not None and attempts + 1 >= MAX_ATTEMPTS


def record_failure(outbox_id: int, error: str) -> OutboxMessage | None:
    """Count a failed attempt: back off, or after the last attempt mark the row failed."""
    row = _lock(outbox_id)
    if row is None or row.status != OutboxStatus.PENDING:
        return row
    row.attempts += 1
    row.last_error = error[-4000:]
    if row.attempts >= MAX_ATTEMPTS:
        row.status = OutboxStatus.FAILED
    else:
        row.available_at = clock.now() + RETRY_DELAYS[row.attempts - 1]
        row.handed_at = None
    return row


def mark_handed(ids: list[int]) -> None:
    if ids:
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                           .values(handed_at=clock.now()).execution_options(synchronize_session=False))


def handover_due(stale: timedelta, limit: int = 500) -> list[int]:
    """Pending rows whose time has come and that no queue holds: never handed over, or handed
    over longer than ``stale`` ago (their job was lost)."""
    now = clock.now()
    return list(db.session.scalars(
        sa.select(OutboxMessage.id).where(
            OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.available_at <= now,
            sa.or_(OutboxMessage.handed_at.is_(None), OutboxMessage.handed_at < now - stale))
        .order_by(OutboxMessage.id).limit(limit)))


def retry(outbox_id: int) -> OutboxMessage:
    """An admin's retry of a failed row: pending again, attempts from zero."""
    row = _lock(outbox_id)
    if row is None:
        raise NotFound(f"job {outbox_id}")
    if row.status == OutboxStatus.FAILED:
        now = clock.now()  # handed over right after the commit, as a new row would be
        row.status, row.attempts, row.available_at, row.handed_at = OutboxStatus.PENDING, 0, now, now
        db.session.info.setdefault(NEW_IDS, []).append(row.id)
    return row


@dataclass(frozen=True)
class Counts:
    queued: int  # pending and due now
    scheduled: int  # pending, due later (a back-off)
    failed: int
    done: int


def counts() -> Counts:
    now = clock.now()
    rows = dict(db.session.execute(
        sa.select(sa.case((sa.and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.available_at > now),
                           "scheduled"), else_=OutboxMessage.status), sa.func.count(OutboxMessage.id))
        .group_by(sa.text("1"))).all())
    return Counts(rows.get(OutboxStatus.PENDING, 0), rows.get("scheduled", 0), rows.get(OutboxStatus.FAILED, 0),
                  rows.get(OutboxStatus.DONE, 0))


def listed(status: str, limit: int = 100) -> list[OutboxMessage]:
    """The rows of one status, newest first (the admin page and ``flask jobs list``)."""
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.status == status)
                                   .order_by(OutboxMessage.id.desc()).limit(limit)))
