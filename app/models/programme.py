"""The programme's frame: batches (申报批次) with their quota, the plan catalogue, counters."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import enum_column
from app.models.vocabulary import Domain, PilotCategory

PROGRAMME = "电子政务应用试点项目"


class Batch(db.Model):
    __tablename__ = "batches"
    __table_args__ = (sa.CheckConstraint("quota > 0", name="quota_positive"),
                      sa.CheckConstraint("closes_on >= opens_on", name="closes_after_opening"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    year: Mapped[int]
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    quota: Mapped[int] = mapped_column(default=50)

    def is_open_on(self, day: date) -> bool:
        return self.opens_on <= day <= self.closes_on

    @property
    def programme_title(self) -> str:
        """The batch as a document names it: "2026年度电子政务应用试点项目" (a name that already
        says 试点项目 as it is, any other followed by the programme's name)."""
        return self.name if self.name.endswith(PROGRAMME) else f"{self.name}{PROGRAMME}"


class PlanItem(db.Model):
    """An entry of the provincial plan (《规划》); pilots outside it need a leader's override."""

    __tablename__ = "plan_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(128))
    category: Mapped[PilotCategory] = mapped_column(enum_column(PilotCategory))
    domain: Mapped[Domain] = mapped_column(enum_column(Domain))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)


class Counter(db.Model):
    """Named integers changed only by conditional UPDATEs (quotas, document numbers)."""

    __tablename__ = "counters"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
