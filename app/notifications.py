"""The unread-notification count every page shows (notifications are written by
``app.services.notify.deliver``)."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Notification, User


def unread_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0
