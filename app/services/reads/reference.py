"""Reference data every signed-in user may read: organisations, batches, the plan catalogue, filter choices."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sqlalchemy as sa

from app.database import read
from app.errors import NotFound
from app.extensions import db
from app.models import Batch, Division, Organisation, PlanItem
from app.models.vocabulary import DivisionLevel
from app.services.reads.paging import Page, paginate


def list_organisations(kind: str | None = None, division_code: str | None = None, q: str | None = None,
                       page: int = 1, per_page: int = 20) -> Page[Organisation]:
    query = sa.select(Organisation)
    if kind:
        query = query.where(Organisation.kind == kind)
    if division_code:
        query = query.where(Organisation.division_code == division_code)
    if q and q.strip():
        pattern = f"%{q.strip()}%"
        query = query.where(sa.or_(Organisation.name.ilike(pattern), Organisation.code.ilike(pattern)))
    return paginate(query, (Organisation.code, Organisation.id), page, per_page)


def get_organisation(organisation_id: int) -> Organisation:
    return _get(Organisation, organisation_id)


def list_batches(year: int | None = None, page: int = 1, per_page: int = 20) -> Page[Batch]:
    query = sa.select(Batch)
    if year:
        query = query.where(Batch.year == year)
    return paginate(query, (Batch.year.desc(), Batch.id.desc()), page, per_page)


def get_batch(batch_id: int) -> Batch:
    return _get(Batch, batch_id)


def list_plan_items(active: bool | None = True, category: str | None = None, domain: str | None = None,
                    page: int = 1, per_page: int = 20) -> Page[PlanItem]:
    query = sa.select(PlanItem)
    if active is not None:
        query = query.where(PlanItem.active.is_(active))
    if category:
        query = query.where(PlanItem.category == category)
    if domain:
        query = query.where(PlanItem.domain == domain)
    return paginate(query, (PlanItem.code, PlanItem.id), page, per_page)


def get_plan_item(item_id: int) -> PlanItem:
    return _get(PlanItem, item_id)


def _get(model, entity_id: int):
    entity = db.session.get(model, entity_id)
    if entity is None:
        raise NotFound(f"{model.__tablename__} {entity_id}")
    return entity


@dataclass
class FilterOptions:
    batches: list
    years: list
    prefectures: list

    @cached_property
    def plan_items(self) -> list:
        """The plan's active items (the application form's choice): read when first asked, so a
        list page, which does not show them, does not read them."""
        return list(db.session.scalars(sa.select(PlanItem).where(PlanItem.active).order_by(PlanItem.code)))


# Rows, not objects: a choice needs only these columns, and every list page asks (a third of a
# millisecond saved per page). Built once, so each request only binds and runs them.
_BATCH_CHOICES = sa.select(Batch.id, Batch.name, Batch.year).order_by(Batch.year.desc(), Batch.id.desc())
_PREFECTURE_CHOICES = (sa.select(Division.code, Division.name).where(Division.level == DivisionLevel.PREFECTURE)
                       .order_by(Division.code))


def filter_options() -> FilterOptions:
    """Choices for the list filters and the application form (batches, years, prefectures, plan):
    rows with the attributes ``id``, ``name``, ``year`` (batches) and ``code``, ``name`` (prefectures)."""
    batches = read(_BATCH_CHOICES).all()
    prefectures = read(_PREFECTURE_CHOICES).all()
    return FilterOptions(batches, sorted({b.year for b in batches}, reverse=True), prefectures)
