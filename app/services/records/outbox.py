"""Outbox rows: side effects recorded in the deciding transaction, performed after commit."""
from __future__ import annotations

from app.extensions import db
from app.models import OutboxMessage


def enqueue(kind: str, payload: dict) -> OutboxMessage:
    msg = OutboxMessage(kind=kind, payload=payload)
    db.session.add(msg)
    return msg
