"""Accounts: creating users with roles, the expert pool, and checking sign-in credentials."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import clock
from app.errors import Invalid
from app.extensions import db
from app.models import Domain, Expert, ExpertDomain, Organisation, Role, User, UserRole
from app.passwords import hash_password, needs_rehash, verify_password

MIN_PASSWORD = 8


def create_user(username: str, password: str, display_name: str, organisation_code: str,
                roles: list[str], *, specialties: str = "", title: str = "", domains: tuple[Domain, ...] = ()) -> User:
    errors = {}
    if not username or len(username) > 64 or not username.replace("_", "").replace(".", "").isalnum():
        errors["username"] = str(_l("Use letters, digits, dots and underscores."))
    elif db.session.scalar(sa.select(User.id).where(User.username == username)):
        errors["username"] = str(_l("This username is taken."))
    if len(password or "") < MIN_PASSWORD:
        errors["password"] = str(_l("Use at least %(n)d characters.", n=MIN_PASSWORD))
    org = db.session.scalar(sa.select(Organisation).where(Organisation.code == organisation_code))
    if org is None:
        errors["organisation"] = str(_l("No such organisation."))
    try:
        role_set = [Role(r) for r in roles]
    except ValueError:
        role_set = []
        errors["roles"] = str(_l("Unknown role."))
    if not role_set and "roles" not in errors:
        errors["roles"] = str(_l("Give the user at least one role."))
    if errors:
        raise Invalid(errors)
    user = User(username=username, display_name=display_name or username, password_hash=hash_password(password),
                organisation_id=org.id, role_rows=[UserRole(role=r) for r in role_set])
    db.session.add(user)
    db.session.flush()
    if Role.EXPERT in role_set:
        db.session.add(Expert(user_id=user.id, specialties=specialties, title=title,
                              domain_rows=[ExpertDomain(domain=d) for d in domains]))
        db.session.flush()
    return user


def authenticate(username: str, password: str, *, max_failures: int, lock_seconds: int,
                 now: datetime | None = None) -> User | None:
    """The user if the credentials are right and the account is not locked; counts failures."""
    now = now or clock.now()
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None or not user.active:
        return None
    locked = user.locked_until
    if locked is not None and (locked if locked.tzinfo else locked.replace(tzinfo=UTC)) > now:
        return None
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until, user.failed_logins = now + timedelta(seconds=lock_seconds), 0
        return None
    user.failed_logins, user.locked_until = 0, None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def revoke_sessions(user: User) -> None:
    """Every session cookie issued so far stops working (logout, password change)."""
    user.session_generation += 1
