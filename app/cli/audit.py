"""`flask audit …`: the decision history, and its checkpoints anchored outside the database."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.database import transaction
from app.documents.pki import NoAuthority
from app.services.records import anchor_store, checkpoints
from app.services.records.anchored import verify_anchored

audit_cli = AppGroup("audit", help="The decision history.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the hash chain of the decision history against the signed checkpoints kept in the
    outside store; name the first record where they disagree and exit 1 on any problem."""
    try:
        report = verify_anchored()
    except NoAuthority as exc:
        raise click.ClickException(f"cannot check the checkpoints' signatures: {exc}") from None
    for problem in report.problems:
        click.secho(f"✗ {problem}", fg="red", err=True)
    if report.pending:
        click.secho(f"{report.pending} checkpoint(s) not yet copied to the outside store", fg="yellow", err=True)
    chain = report.chain
    if chain.ok:
        click.echo(f"audit chain intact: {chain.checked} records; {report.anchored} checkpoint(s) from "
                   f"{anchor_store.directory()} agree")
    else:
        click.secho(f"audit chain BROKEN at record {chain.first_broken_id}: {chain.problem} "
                    f"({chain.checked} records before it are intact)", fg="red", err=True)
    if not report.ok:
        sys.exit(1)


@audit_cli.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the chain's head with the Office seal now and copy it to the outside store."""
    try:
        with transaction():
            made = checkpoints.make("manual")
            seq, record_id, head = made.seq, made.record_id, made.head_hash
    except NoAuthority as exc:
        raise click.ClickException(str(exc)) from None
    with transaction():
        copied = checkpoints.publish()
    click.echo(f"checkpoint {seq}: record {record_id}, head {head}; {copied} copied to {anchor_store.directory()}")
