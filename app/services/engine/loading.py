"""Scoped loading: an item the actor may not see is indistinguishable from a missing one."""
from __future__ import annotations

import sqlalchemy as sa

from app.errors import NotFound
from app.extensions import db
from app.kept import Kept
from app.policies import scope_key, visible_to

# (model, scope, for update, options) → the statement. What ``visible_to`` reads of an actor is
# their scope (tests/test_policies.py holds it to that), so each scope's statement is built once
# and a request only binds the id: every detail page and every step loads its item this way.
STATEMENTS = Kept("pilotflow.visible_loads", 512)


def load_visible(model, entity_id: int, actor, *, for_update: bool = False, options: tuple = ()):
    """The item, if the actor may see it; ``options``: what to load with it (in the same
    statement with ``joinedload``), a constant of the caller's module (the statement is kept by it)."""
    key = (model, scope_key(actor), for_update, options)
    query = STATEMENTS.get(key, lambda: _statement(model, actor, for_update, options))
    entity = db.session.scalars(query, {"entity_id": entity_id}).unique().one_or_none()
    if entity is None:
        raise NotFound(f"{model.__tablename__} {entity_id}")
    return entity


def _statement(model, actor, for_update: bool, options: tuple) -> sa.Select:
    query = (sa.select(model).where(model.id == sa.bindparam("entity_id"), visible_to(actor, model))
             .options(*options))
    return query.with_for_update() if for_update else query
