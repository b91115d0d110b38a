"""`flask users …`: accounts, and `flask users token …` for personal API tokens (the same
service as the browser's token page)."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app import clock
from app.cli.common import acting_user, fail, user_named
from app.database import transaction
from app.errors import DomainError
from app.extensions import db
from app.models import Domain, Expert, Role, User
from app.services.commands import admin, tokens
from app.services.commands.users import create_user

users_cli = AppGroup("users", help="User accounts.")
token_cli = AppGroup("token", help="Personal API tokens.")
users_cli.add_command(token_cli)


@users_cli.command("create")
@click.argument("username")
@click.option("--name", "display_name", default="")
@click.option("--org", "organisation", required=True, help="Organisation code, e.g. XXB or IT530100.")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in Role]))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--specialties", default="")
def users_create(username, display_name, organisation, roles, password, specialties) -> None:
    """Create a user holding ROLEs in an organisation."""
    try:
        with transaction():
            user = create_user(username, password, display_name, organisation, list(roles),
                               specialties=specialties)
            uid = user.id
    except DomainError as exc:
        fail(exc)
    click.echo(f"created user {username} (id {uid})")


@token_cli.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for, e.g. 'provincial data exchange'.")
@click.option("--days", type=int, default=tokens.DEFAULT_DAYS, show_default=True, help="Lifetime in days.")
@click.option("--quiet", is_flag=True, help="Print only the secret (for scripts).")
def token_create(username: str, name: str, days: int, quiet: bool) -> None:
    """Create a token acting as USERNAME; the secret is printed once and never again."""
    try:
        with transaction():
            token, secret = tokens.create_token(user_named(username), {"name": name, "expires_in_days": days})
            token_id, expires = token.id, token.expires_at
    except DomainError as exc:
        fail(exc)
    if quiet:
        click.echo(secret)
        return
    click.echo(f"token {token_id} for {username}, valid until {clock.beijing(expires, '%Y-%m-%d')} (Beijing time):")
    click.echo(secret)
    click.echo("Store it now: it cannot be shown again. Use it as 'Authorization: Bearer <token>'.")


@token_cli.command("list")
@click.argument("username")
def token_list(username: str) -> None:
    """List USERNAME's tokens (never their secrets)."""
    for token in tokens.list_tokens(user_named(username)):
        status = "revoked" if token.revoked_at else ("active" if tokens.is_usable(token) else "expired")
        used = clock.beijing(token.last_used_at) if token.last_used_at else "never"
        click.echo(f"{token.id:>5}  {token.prefix}…  {status:<8} used {used:<16}  {token.name}")


@token_cli.command("revoke")
@click.argument("username")
@click.argument("token_id", type=int)
def token_revoke(username: str, token_id: int) -> None:
    """Revoke USERNAME's token TOKEN_ID."""
    try:
        with transaction():
            tokens.revoke_token(user_named(username), token_id)
    except DomainError as exc:
        fail(exc)
    click.echo(f"token {token_id} revoked")


@users_cli.command("expert-domains")
@click.argument("username")
@click.option("--domain", "domains", multiple=True, type=click.Choice([d.value for d in Domain]),
              help="A domain the expert is a specialist in (repeat it); none clears them.")
@click.option("--as", "as_user", default=None, help="The administrator making the change.")
def users_expert_domains(username: str, domains: tuple[str, ...], as_user: str | None) -> None:
    """Set the domains (示范领域) USERNAME, an expert, is a specialist in; the panel draw prefers them."""
    try:
        with transaction():
            admin_user = acting_user(as_user, Role.ADMIN)
            expert = expert_named(username)
            saved = admin.update_expert(admin_user, expert.id, {
                "specialties": expert.specialties, "title": expert.title, "active": expert.active,
                "domains": list(domains)})
            shown = ", ".join(f"{d.value} ({d.zh})" for d in saved.domains) or "none"
    except DomainError as exc:
        fail(exc)
    click.echo(f"{username}: {shown}")


def expert_named(username: str) -> Expert:
    expert = db.session.scalar(sa.select(Expert).join(User, User.id == Expert.user_id)
                               .where(User.username == username))
    if expert is None:
        raise click.ClickException(f"{username} is not in the expert pool")
    return expert
