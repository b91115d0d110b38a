"""The decision history of any item, and readable titles of the items records and notifications name."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.i18n import short_locale
from app.kinds import MODEL_OF
from app.models import AuditRecord, User
from app.services.engine.loading import load_visible
from app.services.reads.paging import attach
from app.services.records.audit import history


def timeline(actor: User, kind: str, entity_id: int) -> list[AuditRecord]:
    """The decision history of an item the actor may see (its actors loaded in one query)."""
    load_visible(MODEL_OF[kind], entity_id, actor)
    records = history(kind, entity_id)
    attach(records, "actor", User, "actor_id")
    attach(records, "entered_by", User, "entered_by_id")  # a proxy's entries (代录): no query without one
    return records


def of_items(model, items: dict[str, list]):
    """A WHERE clause: rows of ``model`` (audit records, issued documents) about any of the
    items, given as {kind: [entities]}."""
    return sa.or_(sa.false(), *(sa.and_(model.entity_type == kind, model.entity_id.in_([e.id for e in entities]))
                                for kind, entities in items.items() if entities))


def items_timeline(items: dict[str, list]) -> list[AuditRecord]:
    """Every history entry of several items (a project with its checks, acceptance rounds and
    evaluations) in the order they were written, their actors loaded in one query. The caller
    scopes the items."""
    records = list(db.session.scalars(sa.select(AuditRecord).where(of_items(AuditRecord, items))
                                      .order_by(AuditRecord.id)))
    attach(records, "actor", User, "actor_id")
    attach(records, "entered_by", User, "entered_by_id")  # a proxy's entries (代录): no query without one
    return records


def entered_by(records: list[AuditRecord], state) -> AuditRecord | None:
    """The history entry that moved the item into ``state`` last (for a returned application:
    who returned it, when, and why), or None."""
    value = getattr(state, "value", state)
    return next((r for r in reversed(records) if r.to_state == value and r.from_state != value), None)


def title_of(kind: str, entity) -> str:
    """What a person calls the item: an application by its number and name (a draft, which has
    no number yet, by its name), a project by its name, a stage of a project with its year,
    round or period."""
    if kind == "application":
        return f"{entity.number} {entity.name}" if entity.number else entity.name
    if kind == "project":
        return entity.name
    if kind == "midterm_check":
        return f"{entity.project.name} · {entity.year}"
    if kind == "acceptance":
        return f"{entity.project.name} · #{entity.round}"
    if kind == "evaluation":
        return f"{entity.project.name} · {entity.period}"
    if kind == "change_request":
        return f"{entity.project.name} · {entity.change_type.label(short_locale())}"
    if kind == "funding_request":
        return f"{entity.project.name} · #{entity.id}"
    if kind == "demonstration_list":
        return str(_l("Demonstration list no. %(n)d", n=entity.id))
    if kind == "demonstration_objection":
        return str(_l("Objection no. %(n)d to demonstration list no. %(list)d", n=entity.id,
                      list=entity.publication_id))
    return f"#{entity.id}"


def titles(records) -> dict[tuple[str, int], str]:
    """(entity_type, id) → a readable title for audit records and notifications."""
    wanted: dict[str, set[int]] = {}
    for r in records:
        wanted.setdefault(r.entity_type, set()).add(r.entity_id)
    found: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        model = MODEL_OF.get(kind)
        if model is None:
            continue
        for entity in db.session.scalars(sa.select(model).where(model.id.in_(ids))):
            found[(kind, entity.id)] = title_of(kind, entity)
    return found
