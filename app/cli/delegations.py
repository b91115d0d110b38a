"""`flask delegation …`: a leader designates a proxy (代理) for a period, lists and revokes."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.cli.common import acting_user, fail
from app.database import transaction
from app.errors import DomainError
from app.services.commands import delegations

delegation_cli = AppGroup("delegation", help="Delegation (代理): a proxy enters a leader's approval steps.")


@delegation_cli.command("designate")
@click.option("--as", "username", required=True, help="The leader who designates the proxy.")
@click.option("--proxy", required=True, help="The proxy's user name (an Office reviewer, not a leader).")
@click.option("--from", "starts_on", required=True, help="First day, a Beijing date YYYY-MM-DD (not in the past).")
@click.option("--until", "ends_on", required=True, help="Last day, included (YYYY-MM-DD).")
def designate(username: str, proxy: str, starts_on: str, ends_on: str) -> None:
    """Designate PROXY to enter the leader's approval steps from --from to --until."""
    actor = acting_user(username)
    try:
        with transaction():
            d = delegations.designate(actor, {"proxy": proxy, "starts_on": starts_on, "ends_on": ends_on})
            line = f"delegation {d.id}: {d.proxy.display_name} for {d.leader.display_name}, {d.starts_on} – {d.ends_on}"
    except DomainError as exc:
        fail(exc)
    click.echo(line)


@delegation_cli.command("revoke")
@click.argument("delegation_id", metavar="ID", type=int)
@click.option("--as", "username", required=True, help="The leader who gave it, or an administrator.")
def revoke(delegation_id: int, username: str) -> None:
    """Revoke delegation ID now."""
    actor = acting_user(username)
    try:
        with transaction():
            delegations.revoke(actor, delegation_id)
    except DomainError as exc:
        fail(exc)
    click.echo(f"delegation {delegation_id}: revoked")


@delegation_cli.command("list")
@click.option("--as", "username", required=True, help="A leader (theirs), a proxy (held) or an admin (all).")
def list_delegations(username: str) -> None:
    """The delegations given or held by the user (an admin: all), with their status."""
    actor = acting_user(username)
    for row in delegations.delegations_for(actor):
        d = row.delegation
        click.echo(f"{d.id:>4} {d.leader.display_name} → {d.proxy.display_name}  {d.starts_on} – {d.ends_on}  "
                   f"{row.status}")


@delegation_cli.command("entered")
@click.option("--as", "username", required=True, help="The leader.")
def entered(username: str) -> None:
    """Everything a proxy entered on the leader's behalf, newest first."""
    actor = acting_user(username)
    page = delegations.entered_on_behalf(actor, per_page=100)
    for rec in page.items:
        click.echo(f"{rec.id:>6} {rec.entity_type} {rec.entity_id} {rec.trigger}  "
                   f"entered by {rec.entered_by.display_name}")
