"""The unread-notification count every page shows (notifications are written by
``app.services.notify.deliver``)."""
from __future__ import annotations

import sqlalchemy as sa

from app.database import read
from app.models import Notification, User

# Built once: every page asks, and only the user changes.
_UNREAD = sa.select(sa.func.count(Notification.id)).where(Notification.user_id == sa.bindparam("user_id"),
                                                         Notification.read_at.is_(None))


def unread_count(user: User) -> int:
    return read(_UNREAD, {"user_id": user.id}).scalar() or 0
