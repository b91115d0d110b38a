"""The Office's own time limits: an administrator's override of a waiting stage's default."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamp, utcnow
from app.models.user import User

MAX_DAYS = 365  # a longer limit is a typo, not a policy


class StepLimit(db.Model):
    """The time limit, in working days, of one (kind, state) instead of its steps' default."""

    __tablename__ = "step_limits"
    __table_args__ = (sa.UniqueConstraint("kind", "state"),
                      sa.CheckConstraint(f"days BETWEEN 1 AND {MAX_DAYS}", name="days_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    state: Mapped[str] = mapped_column(sa.String(48))
    days: Mapped[int]
    set_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    set_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)

    set_by: Mapped[User] = relationship()
