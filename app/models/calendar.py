"""The Office's own entries in the working-day calendar: single days and confirmed years."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamp, enum_column, utcnow
from app.models.user import User
from workflows.engine import LabelledEnum


class DayKind(LabelledEnum):
    """What the Office says a date is, whatever its weekday (调休 included)."""

    HOLIDAY = ("holiday", "放假", "Holiday")
    WORKDAY = ("workday", "上班", "Working day")


class CalendarDay(db.Model):
    """One date the Office has entered; it overrides the library and the fallback rules."""

    __tablename__ = "calendar_days"
    __table_args__ = (sa.CheckConstraint("kind IN ('holiday', 'workday')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(unique=True)
    kind: Mapped[DayKind] = mapped_column(enum_column(DayKind, length=16))
    name: Mapped[str] = mapped_column(sa.String(64), default="")
    entered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    entered_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)

    entered_by: Mapped[User] = relationship()


class CalendarYear(db.Model):
    """A year whose schedule the Office has entered and vouches for (e.g. after the State
    Council's notice); its absence means the library or the fallback rules decide."""

    __tablename__ = "calendar_years"
    __table_args__ = (sa.CheckConstraint("year BETWEEN 1900 AND 2999", name="year_range"),)

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(sa.String(256), default="")
    confirmed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    confirmed_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)

    confirmed_by: Mapped[User] = relationship()
