"""A user's own mail settings: address, language of mails, immediate / daily digest / none."""
from __future__ import annotations

from app import clock
from app.models import MailPreference, User
from app.schemas import MailSettingsSchema, load


def update_mail_settings(actor: User, data: dict) -> User:
    """Validate everything first: nothing is written on bad input."""
    fields_ = load(MailSettingsSchema(), data)
    actor.email = (fields_.get("email") or "").strip() or None
    actor.locale = fields_["locale"]
    if fields_["mail_preference"] == MailPreference.DIGEST and actor.mail_preference != MailPreference.DIGEST:
        actor.last_digest_at = clock.now()  # the first digest starts from here: nothing is mailed twice
    actor.mail_preference = fields_["mail_preference"]
    return actor
