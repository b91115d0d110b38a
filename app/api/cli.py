"""`flask users token …`: personal API tokens from the command line (the same service as the
browser's token page)."""
from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.database import transaction
from app.errors import DomainError
from app.extensions import db
from app.models import User
from app.services.commands import tokens

token_cli = AppGroup("token", help="Personal API tokens.")


def _user(username: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username}")
    return user


def _fail(exc: DomainError) -> None:
    click.secho(f"✗ {exc}", fg="red", err=True)
    sys.exit(2)


@token_cli.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for, e.g. 'provincial data exchange'.")
@click.option("--days", type=int, default=tokens.DEFAULT_DAYS, show_default=True, help="Lifetime in days.")
@click.option("--quiet", is_flag=True, help="Print only the secret (for scripts).")
def token_create(username: str, name: str, days: int, quiet: bool) -> None:
    """Create a token acting as USERNAME; the secret is printed once and never again."""
    try:
        with transaction():
            token, secret = tokens.create_token(_user(username), {"name": name, "expires_in_days": days})
            token_id, expires = token.id, token.expires_at
    except DomainError as exc:
        _fail(exc)
    if quiet:
        click.echo(secret)
        return
    click.echo(f"token {token_id} for {username}, valid until {expires:%Y-%m-%d}:")
    click.echo(secret)
    click.echo("Store it now: it cannot be shown again. Use it as 'Authorization: Bearer <token>'.")


@token_cli.command("list")
@click.argument("username")
def token_list(username: str) -> None:
    """List USERNAME's tokens (never their secrets)."""
    for token in tokens.list_tokens(_user(username)):
        status = "revoked" if token.revoked_at else ("active" if tokens.is_usable(token) else "expired")
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        click.echo(f"{token.id:>5}  {token.prefix}…  {status:<8} used {used:<16}  {token.name}")


@token_cli.command("revoke")
@click.argument("username")
@click.argument("token_id", type=int)
def token_revoke(username: str, token_id: int) -> None:
    """Revoke USERNAME's token TOKEN_ID."""
    try:
        with transaction():
            tokens.revoke_token(_user(username), token_id)
    except DomainError as exc:
        _fail(exc)
    click.echo(f"token {token_id} revoked")
