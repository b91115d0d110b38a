"""What every command group shares: naming the acting user, and reporting a domain error."""
from __future__ import annotations

import re
import sys
from typing import NoReturn

import click
import sqlalchemy as sa

from app.errors import DomainError, Invalid
from app.extensions import db
from app.models import Role, User, UserRole


def fail(exc: DomainError) -> NoReturn:
    """Print the domain error's message (a policy's reason; per-field messages each on their own
    line, so a refused file names each bad line) and exit 2."""
    messages = [f"{k}: {v}" if re.fullmatch(r"[a-z_][a-z0-9_.]*", k) else str(v) for k, v in exc.errors.items()] \
        if isinstance(exc, Invalid) and len(exc.errors) > 1 else [str(exc)]
    for message in messages:
        click.secho(f"✗ {message}", fg="red", err=True)
    sys.exit(2)


def user_named(username: str) -> User:
    """The account called ``username``, active or not (tokens and certificates are managed for both)."""
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username}")
    return user


def acting_user(username: str | None, role: Role | None = None) -> User:
    """The named active user, or the first active one holding ``role`` (decisions are never anonymous)."""
    if not username and role is None:
        raise click.UsageError("say who acts: --as USERNAME")
    query = sa.select(User).where(User.active)
    query = query.where(User.username == username) if username else query.join(UserRole).where(
        UserRole.role == role).order_by(User.id)
    user = db.session.scalar(query.limit(1))
    if user is None:
        raise click.ClickException(f"no active user {username or 'with role ' + role.value}")
    return user
