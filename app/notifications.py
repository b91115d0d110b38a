"""In-app notifications, delivered from the outbox after the deciding transaction commits."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.kinds import MODEL_OF
from app.models import Notification, OutboxMessage, Role, User, UserRole
from app.models.base import utcnow


def _owner_org(entity_type: str, entity_id: int) -> int | None:
    model = MODEL_OF.get(entity_type)
    entity = db.session.get(model, entity_id) if model else None
    if entity is None:
        return None
    return entity.organisation_id if hasattr(entity, "organisation_id") else entity.project.organisation_id


def recipients(payload: dict) -> list[int]:
    """The applicant agency's staff hear of every decision on their items (but not their own)."""
    org = _owner_org(payload["entity_type"], payload["entity_id"])
    if org is None:
        return []
    return list(db.session.scalars(
        sa.select(User.id).join(UserRole, UserRole.user_id == User.id)
        .where(User.organisation_id == org, UserRole.role == Role.APPLICANT, User.active,
               User.id != payload.get("actor_id"))))


def deliver_pending(limit: int = 500) -> int:
    """Turn undelivered outbox rows into notifications; returns how many rows were delivered."""
    session = db.session
    query = sa.select(OutboxMessage).where(OutboxMessage.delivered_at.is_(None)).order_by(OutboxMessage.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    messages = session.scalars(query.limit(limit)).all()
    for msg in messages:
        if msg.kind == "state_changed":
            for user_id in recipients(msg.payload):
                session.add(Notification(user_id=user_id, kind=msg.kind, entity_type=msg.payload["entity_type"],
                                         entity_id=msg.payload["entity_id"], params=msg.payload))
        msg.delivered_at = utcnow()
    session.commit()
    return len(messages)


def unread_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0
