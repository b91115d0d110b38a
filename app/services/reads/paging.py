"""The one paginate and its Page, attach() (a many-to-one in one query) and Detail (an entity with extras)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db

T = TypeVar("T")
MAX_PER_PAGE = 100


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paginate(query, order_by, page: int = 1, per_page: int = 20) -> Page:
    """One COUNT and one page SELECT, whatever the page size (no per-row queries)."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.order_by(*order_by).limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(items), total or 0, page, per_page)


def attach(items, relationship: str, model, key: str) -> None:
    """Fill a many-to-one relationship of ``items`` with one query (instead of one per row)."""
    ids = {getattr(i, key) for i in items} - {None}
    if not ids:
        return
    by_id = {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(ids)))}
    for item in items:
        set_committed_value(item, relationship, by_id.get(getattr(item, key)))


class Detail:
    """An entity with a few related read-only facts, reading through to the entity itself."""

    def __init__(self, entity, **extra):
        self.entity = entity
        self.__dict__.update(extra)

    def __getattr__(self, name):
        return getattr(self.entity, name)
