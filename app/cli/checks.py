"""`flask checks …`: the annual mid-term checks (中期检查)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.cli.common import acting_user, fail
from app.database import transaction
from app.errors import DomainError
from app.models import Role
from app.services.commands.checks import open_checks

checks_cli = AppGroup("checks", help="Annual mid-term checks (中期检查).")


@checks_cli.command("open")
@click.option("--year", type=int, required=True)
@click.option("--as", "username", help="The office reviewer acting (default: the first one).")
def checks_open(year: int, username: str | None) -> None:
    """Open YEAR's mid-term check for every project under construction (idempotent)."""
    try:
        with transaction():
            opened = open_checks(acting_user(username, Role.OFFICE_REVIEWER), year)
            ids = [c.project_id for c in opened]
    except DomainError as exc:
        fail(exc)
    click.echo(f"opened {len(ids)} mid-term checks for {year}")
