"""The append-only, hash-chained decision history, the outbox and in-app notifications."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamp, utcnow
from app.models.user import User


class AuditRecord(db.Model):
    """One decision: who, in which role, when, what moved, and the written opinion (意见)."""

    __tablename__ = "audit_records"
    __table_args__ = (sa.Index("ix_audit_records_entity", "entity_type", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    entity_type: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[int]
    trigger: Mapped[str] = mapped_column(sa.String(48))
    from_state: Mapped[str | None] = mapped_column(sa.String(32))
    to_state: Mapped[str | None] = mapped_column(sa.String(32))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(sa.String(24))
    opinion: Mapped[str] = mapped_column(sa.Text, default="")
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # A step a proxy (代理) entered on the leader's behalf: ``actor`` is the leader whose
    # decision it is, ``entered_by`` the proxy who recorded it (covered by the hash when set).
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])


class AuditHead(db.Model):
    """The chain's tip; locking this single row serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(sa.String(64))


class AuditCheckpoint(db.Model):
    """A statement of the chain's head — sequence number, last record, head hash, time — signed
    by the Office seal, kept here and copied to the write-once store outside the database
    (``services/records/checkpoints.py``). ``statement`` is the signed text, verbatim."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    record_id: Mapped[int] = mapped_column(index=True)
    head_hash: Mapped[str] = mapped_column(sa.String(64))
    made_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    reason: Mapped[str] = mapped_column(sa.String(16))
    statement: Mapped[str] = mapped_column(sa.Text)
    signature: Mapped[str] = mapped_column(sa.Text)
    certificate_pem: Mapped[str] = mapped_column(sa.Text)
    anchored_at: Mapped[datetime | None] = mapped_column(Timestamp)  # copied to the outside store


class OutboxStatus:
    PENDING, DONE, FAILED = "pending", "done", "failed"


class OutboxMessage(db.Model):
    """A side effect recorded in the deciding transaction and performed after it commits by a
    job (rendering a document, sealing it, notifying, mailing, a scheduled run). The row is the
    source of truth: the queue only carries its id, so a lost job is found again here."""

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_status_available", "status", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(48))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    available_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)  # not before (back-off)
    handed_at: Mapped[datetime | None] = mapped_column(Timestamp)  # last given to the queue
    delivered_at: Mapped[datetime | None] = mapped_column(Timestamp, index=True)  # done


class ScheduledRun(db.Model):
    """One run of a scheduled job for one period (a day, a year): the unique key makes a run
    happen once however many workers tick, and a missed period is caught up after downtime."""

    __tablename__ = "scheduled_runs"
    __table_args__ = (sa.UniqueConstraint("name", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(48))
    period: Mapped[str] = mapped_column(sa.String(16))
    started_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    outbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox.id"))


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(48))
    entity_type: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[int]
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(Timestamp)


class Alert(db.Model):
    """A reminder (due soon) or an escalation (overdue) sent for one stage episode of an item:
    the unique key makes the daily scan send each at most once however often it runs."""

    __tablename__ = "alerts"
    __table_args__ = (sa.UniqueConstraint("kind", "entity_type", "entity_id", "episode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    entity_type: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[int]
    episode: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
