"""催办: a supervisor urges those now handling an item, with a note.

Who may: an Office leader, or an IT office above the level handling the item (policy
``supervisor_of_handlers``, judged against the handlers ``audience`` derives from the flow).
The urge is recorded in the item's history (trigger "urge", no state change) and notifies the
handlers, in-app and by mail per their preference. Once per item per supervisor per Beijing day.
"""
from __future__ import annotations

from datetime import datetime, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import clock, policies
from app.errors import Conflict, NotFound
from app.extensions import db
from app.kinds import MODEL_OF
from app.models import AuditRecord, Role, User
from app.schemas import UrgeSchema, load
from app.services.engine.loading import load_visible
from app.services.notify.audience import handling
from app.services.notify.deliver import URGE, notify
from app.services.records import audit

POLICY = "supervisor_of_handlers"


def _urged_today(actor: User, kind: str, entity_id: int) -> bool:
    start = datetime.combine(clock.today(), time(0), tzinfo=clock.BEIJING)
    return db.session.scalar(sa.select(AuditRecord.id).where(
        AuditRecord.entity_type == kind, AuditRecord.entity_id == entity_id, AuditRecord.trigger == "urge",
        AuditRecord.actor_id == actor.id, AuditRecord.created_at >= start).limit(1)) is not None


def may_urge(actor: User, kind: str, entity) -> policies.Decision:
    """Whether the actor may urge the item now (the page asks before showing the form)."""
    return policies.check(POLICY, actor, handling(kind, entity))


def urge(actor: User, kind: str, entity_id: int, data: dict) -> AuditRecord:
    """Urge the item's handlers; returns the history record."""
    fields_ = load(UrgeSchema(), data)
    model = MODEL_OF.get(kind)
    if model is None:
        raise NotFound(kind)
    entity = load_visible(model, entity_id, actor, for_update=True)
    subject = handling(kind, entity)
    policies.require(POLICY, actor, subject)
    if _urged_today(actor, kind, entity.id):
        raise Conflict(str(_l("You have already urged this item today; the handlers have your note.")))
    note, state = fields_["note"].strip(), entity.state.value
    people = [u for u in db.session.scalars(sa.select(User).where(User.id.in_(subject.handler_ids))
                                            .order_by(User.id))]
    audit_id = audit.record(entity_type=kind, entity_id=entity.id, trigger="urge", actor=actor,
                            role="leader" if actor.has_role(Role.LEADER) else "endorser", from_state=state,
                            to_state=state, opinion=note, payload={"urged": [u.display_name for u in people]})
    notify(people, URGE, kind, entity.id, {"trigger": "urge", "to": state, "actor_id": actor.id,
                                          "audit_id": audit_id, "note": note})
    return db.session.get(AuditRecord, audit_id)
