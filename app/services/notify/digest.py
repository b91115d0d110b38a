"""The daily digest: one mail per digest reader listing their notifications since the last one.

Run by the scheduled job "mail_digest" (``app.jobs.periodic``) in its transaction. Each reader's
window ends now and starts where their last digest ended (``User.last_digest_at``), so a missed
day is caught up by the next run and a second run the same Beijing day finds nothing to send.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.models import MailPreference, Notification, User
from app.models.base import as_utc
from app.services.records import outbox

FIRST_WINDOW = timedelta(days=1)  # a new digest reader's first digest looks back this far


def send_digests(now: datetime) -> int:
    """Queue one digest mail per reader who has something new; returns how many."""
    today = now.astimezone(clock.BEIJING).date()
    readers = db.session.scalars(sa.select(User).where(
        User.active, User.mail_preference == MailPreference.DIGEST, User.email.is_not(None), User.email != "")
        .order_by(User.id)).all()
    queued = 0
    for user in readers:
        last = as_utc(user.last_digest_at) if user.last_digest_at else None
        if last is not None and last.astimezone(clock.BEIJING).date() >= today:
            continue  # this reader's digest for today went out already
        since = last or now - FIRST_WINDOW
        news = db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.created_at > since, Notification.created_at <= now))
        if news:
            outbox.enqueue("mail", {"digest_user_id": user.id, "since": since.isoformat(), "until": now.isoformat()})
            queued += 1
        user.last_digest_at = now
    return queued
