"""The reader's own notifications: marking them read."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Notification, User
from app.models.base import utcnow


def mark_notifications_read(actor: User) -> int:
    """Mark all of the actor's unread notifications as read; returns how many."""
    result = db.session.execute(sa.update(Notification).where(
        Notification.user_id == actor.id, Notification.read_at.is_(None)).values(read_at=utcnow())
        .execution_options(synchronize_session=False))
    return result.rowcount or 0
