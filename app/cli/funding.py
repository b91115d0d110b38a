"""`flask funding …`: follow-on funding requests (后续资金申请). Filing and attachments here; the
Office's review and the leader's decision are steps: `flask workflow act funding_request ID …`."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.cli.common import acting_user, fail
from app.database import transaction
from app.errors import DomainError
from app.services.commands import funding

funding_cli = AppGroup("funding", help="Follow-on funding requests (后续资金申请).")

KIND_CHOICE = click.Choice(sorted(funding.ATTACHMENT_KINDS))


def _attachment(value: str) -> tuple[str, Path]:
    kind, sep, path = value.partition("=")
    if not sep or kind not in funding.ATTACHMENT_KINDS:
        raise click.BadParameter(f"write KIND=PATH with KIND one of {', '.join(sorted(funding.ATTACHMENT_KINDS))}")
    if not Path(path).is_file():
        raise click.BadParameter(f"no file {path}")
    return kind, Path(path)


@funding_cli.command("file")
@click.argument("project_id", type=int)
@click.option("--as", "username", required=True, help="The agency's applicant filing the request.")
@click.option("--amount", required=True, help="万元 (10k yuan), more than 0.")
@click.option("--purpose", required=True)
@click.option("--attach", "attachments", multiple=True, metavar="KIND=PATH",
              help="An attachment (funding_plan, budget, results_report, other); repeatable.")
def file_request(project_id: int, username: str, amount: str, purpose: str, attachments: tuple[str, ...]) -> None:
    """File a follow-on funding request for PROJECT_ID (it then waits for the Office's review)."""
    files = [_attachment(a) for a in attachments]
    handles = [path.open("rb") for _kind, path in files]
    try:
        with transaction():
            request = funding.file_funding_request(
                acting_user(username), project_id, {"amount": amount, "purpose": purpose},
                [(kind, path.name, fh) for (kind, path), fh in zip(files, handles)])
            request_id, state = request.id, request.state
    except DomainError as exc:
        fail(exc)
    finally:
        for fh in handles:
            fh.close()
    click.echo(f"funding request {request_id} filed: {state.zh} ({state.en})")


@funding_cli.command("attach")
@click.argument("request_id", type=int)
@click.argument("kind", type=KIND_CHOICE)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "username", required=True, help="The agency's applicant.")
def attach(request_id: int, kind: str, path: Path, username: str) -> None:
    """Add the file PATH of KIND to funding request REQUEST_ID (while it awaits review or is returned)."""
    try:
        with path.open("rb") as fh, transaction():
            attachment_id = funding.add_funding_attachment(acting_user(username), request_id, kind, path.name, fh).id
    except DomainError as exc:
        fail(exc)
    click.echo(f"attachment {attachment_id} added to funding request {request_id}")
