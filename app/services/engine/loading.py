"""Scoped loading: an item the actor may not see is indistinguishable from a missing one."""
from __future__ import annotations

import sqlalchemy as sa

from app.errors import NotFound
from app.extensions import db
from app.policies import visible_to


def load_visible(model, entity_id: int, actor, *, for_update: bool = False, options: tuple = ()):
    """The item, if the actor may see it; ``options``: what to load with it (in the same
    statement with ``joinedload``)."""
    query = sa.select(model).where(model.id == entity_id, visible_to(actor, model)).options(*options)
    if for_update:
        query = query.with_for_update()
    entity = db.session.scalars(query).unique().one_or_none()
    if entity is None:
        raise NotFound(f"{model.__tablename__} {entity_id}")
    return entity
