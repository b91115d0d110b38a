"""Delegation (代理): a leader lets a proxy record their approval steps for a period."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamp, utcnow
from app.models.user import User


class Delegation(db.Model):
    """From ``starts_on`` to ``ends_on`` (Beijing dates, both included) ``proxy`` may enter the
    steps ``leader`` takes in the role "leader", on the leader's behalf, until revoked."""

    __tablename__ = "delegations"
    __table_args__ = (
        sa.CheckConstraint("starts_on <= ends_on", name="period_in_order"),
        sa.CheckConstraint("leader_id <> proxy_id", name="not_oneself"),
        sa.Index("ix_delegations_proxy", "proxy_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    proxy_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    leader: Mapped[User] = relationship(foreign_keys=[leader_id])
    proxy: Mapped[User] = relationship(foreign_keys=[proxy_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    def in_force(self, day: dt.date) -> bool:
        return self.revoked_at is None and self.starts_on <= day <= self.ends_on
