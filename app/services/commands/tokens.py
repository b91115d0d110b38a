"""Personal API tokens: create (the secret is shown once), list, revoke, authenticate.

Only a SHA-256 of the secret is stored; a token acts exactly as its user, so the API is
scoped by the same policies as that user's web pages.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate
from sqlalchemy.orm import joinedload

from app.errors import Conflict, Denied, Invalid, NotFound
from app.extensions import db
from app.models import ApiToken, User
from app.models.base import as_utc, utcnow
from app.schemas import load

SECRET_PREFIX = "pf_"
DEFAULT_DAYS = 90
MAX_DAYS = 730
# Writing last_used_at on every request would turn each read into a write; once a minute is enough.
TOUCH_EVERY = timedelta(minutes=1)


class TokenRequestSchema(Schema):
    """What a user gives to create a token (the web form, the CLI)."""

    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(min=1, max=64),
                         error_messages={"required": str(_l("This field is required."))})
    expires_in_days = fields.Integer(load_default=DEFAULT_DAYS, validate=validate.Range(
        min=1, max=MAX_DAYS, error=str(_l("A token lives 1 to 730 days."))))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(actor: User, data: dict) -> tuple[ApiToken, str]:
    """A new token for ``actor``; returns it with its secret, which is never shown again."""
    if actor is None or not actor.active:
        raise Denied(str(_l("Please sign in with an active account.")))
    fields_ = load(TokenRequestSchema(), data)
    name = fields_["name"].strip()
    if not name:
        raise Invalid({"name": str(_l("This field is required."))})
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=actor.id, name=name, prefix=secret[:12], token_hash=digest(secret),
                     expires_at=utcnow() + timedelta(days=fields_["expires_in_days"]))
    db.session.add(token)
    db.session.flush()
    return token, secret


def list_tokens(actor: User) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == actor.id)
                                   .order_by(ApiToken.id.desc())))


def revoke_token(actor: User, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens (another user's token looks missing)."""
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.id == token_id,
                                                        ApiToken.user_id == actor.id))
    if token is None:
        raise NotFound(f"api_tokens {token_id}")
    if token.revoked_at is not None:
        raise Conflict(str(_l("This token is already revoked.")))
    token.revoked_at = utcnow()
    db.session.flush()
    return token


def revoke_all(user: User) -> int:
    """Revoke every token of ``user`` still in force (a deactivated account's: reactivating it
    later does not bring them back). In the caller's transaction; how many were revoked."""
    result = db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                .values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount


def is_usable(token: ApiToken | sa.Row, now: datetime | None = None) -> bool:
    now = now or utcnow()
    expires = as_utc(token.expires_at)
    return token.revoked_at is None and (expires is None or expires > now)


# One statement for the token's user (with the organisation and its division, and the roles) and
# the token's own columns that a request checks. It is rooted at the user, not at an ApiToken
# entity above it: that extra level of joined loading cost ~0.2 ms per API request. Built once,
# so that each API request only binds the digest.
_BY_SECRET = (sa.select(User, ApiToken.id, ApiToken.last_used_at, ApiToken.expires_at, ApiToken.revoked_at)
              .join(ApiToken, ApiToken.user_id == User.id)
              .where(ApiToken.token_hash == sa.bindparam("token_hash"))
              .options(joinedload(User.role_rows)))


def well_formed(secret: str | None) -> bool:
    """Whether ``secret`` looks like one of our tokens (checked before any database work)."""
    return bool(secret) and secret.startswith(SECRET_PREFIX) and len(secret) <= 128


def usable_token(secret: str | None, now: datetime | None = None) -> sa.Row | None:
    """The unrevoked, unexpired token with this secret whose user is active, else None (reads
    only): a row of the token's ``User``, ``id``, ``last_used_at``, ``expires_at`` and ``revoked_at``."""
    if not well_formed(secret):
        return None
    now = now or utcnow()
    token = db.session.execute(_BY_SECRET, {"token_hash": digest(secret)}).unique().one_or_none()
    if token is None or not is_usable(token, now) or not token.User.active:
        return None
    return token


def authenticate(secret: str | None, now: datetime | None = None) -> User | None:
    """The active user owning this unrevoked, unexpired token, else None (reads only: the
    last-used time is written by ``touch``)."""
    token = usable_token(secret, now)
    return token.User if token is not None else None


def touch_due(token: ApiToken | sa.Row, now: datetime | None = None) -> bool:
    """Whether the token's last-used time is more than ``TOUCH_EVERY`` old."""
    last = as_utc(token.last_used_at)
    return last is None or (now or utcnow()) - last >= TOUCH_EVERY


def touch(token_id: int, now: datetime | None = None) -> bool:
    """Record the token's use at ``now`` unless it was recorded less than ``TOUCH_EVERY`` before:
    one conditional UPDATE, so concurrent requests write it at most once a minute. In the
    caller's transaction; True when it wrote."""
    now = now or utcnow()
    result = db.session.execute(
        sa.update(ApiToken).where(ApiToken.id == token_id,
                                  sa.or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - TOUCH_EVERY))
        .values(last_used_at=now).execution_options(synchronize_session=False))
    return result.rowcount == 1
