"""`flask audit …`: the decision history."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.services.records.audit import verify_chain

audit_cli = AppGroup("audit", help="The decision history.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the hash chain of the decision history; name the first broken record."""
    report = verify_chain()
    if report.ok:
        click.echo(f"audit chain intact: {report.checked} records")
        return
    click.secho(f"audit chain BROKEN at record {report.first_broken_id}: {report.problem} "
                f"({report.checked} records before it are intact)", fg="red", err=True)
    sys.exit(1)
