"""Divisions (the real administrative tree) and organisations (IT offices, departments)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import enum_column
from app.models.vocabulary import DivisionLevel, OrgKind


class Division(db.Model):
    __tablename__ = "divisions"

    code: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    level: Mapped[DivisionLevel] = mapped_column(enum_column(DivisionLevel, 16))
    parent_code: Mapped[str | None] = mapped_column(sa.ForeignKey("divisions.code"), index=True)
    longitude: Mapped[float | None]
    latitude: Mapped[float | None]

    parent: Mapped[Division | None] = relationship(remote_side=[code])

    @property
    def prefecture_code(self) -> str | None:
        if self.level == DivisionLevel.PREFECTURE:
            return self.code
        if self.level == DivisionLevel.COUNTY:
            return self.parent_code
        return None


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(128))
    short_name: Mapped[str | None] = mapped_column(sa.String(64))
    kind: Mapped[OrgKind] = mapped_column(enum_column(OrgKind, 16))
    division_code: Mapped[str] = mapped_column(sa.ForeignKey("divisions.code"), index=True)

    division: Mapped[Division] = relationship(lazy="joined", innerjoin=True)  # (see User.organisation)

    def __repr__(self) -> str:
        return f"<Organisation {self.code} {self.name}>"
