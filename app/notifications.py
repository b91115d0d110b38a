"""In-app notifications, written by a job from the outbox after the deciding transaction commits."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.kinds import MODEL_OF
from app.models import Notification, Role, User, UserRole


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


def notify_decision(payload: dict) -> int:
    """In-app notifications for a decision (the outbox's "state_changed" row); returns how many."""
    users = recipients(payload)
    for user_id in users:
        db.session.add(Notification(user_id=user_id, kind="state_changed", entity_type=payload["entity_type"],
                                    entity_id=payload["entity_id"], params=payload))
    return len(users)


def unread_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0
