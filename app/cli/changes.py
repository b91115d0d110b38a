"""`flask changes …`: change requests (变更/延期申请) — filing with material, attaching, listing.
Their steps (review, return, resubmit, approve, reject, withdraw) are `flask workflow act
change_request ID TRIGGER`."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.cli.common import acting_user, fail
from app.database import transaction
from app.errors import DomainError
from app.schemas import nested_fields
from app.services.commands import changes
from app.services.reads import changes as reads
from workflows.change_request import ChangeType

changes_cli = AppGroup("changes", help="Change requests (变更/延期申请) of projects under construction.")


def _material(specs: tuple[str, ...]) -> list[tuple[str, str, object]]:
    """KIND=PATH pairs as (kind, file name, open stream)."""
    out = []
    for spec in specs:
        kind, _, path = spec.partition("=")
        if not path:
            raise click.BadParameter(f"{spec!r}: give KIND=PATH", param_hint="--attach")
        out.append((kind, Path(path).name, click.open_file(path, "rb")))
    return out


@changes_cli.command("file")
@click.argument("project_id", type=int)
@click.option("--as", "username", required=True, help="The applicant agency's user filing it.")
@click.option("--type", "change_type", required=True, type=click.Choice([t.value for t in ChangeType]))
@click.option("--reason", required=True)
@click.option("--field", "pairs", multiple=True, metavar="NAME=VALUE",
              help="A new value: new_budget, new_starts_on, new_ends_on, new_content, new_contact_name, "
                   "new_contact_phone.")
@click.option("--attach", "attach", multiple=True, metavar="KIND=PATH",
              help=f"Material to attach ({', '.join(changes.ATTACHMENT_KINDS)}).")
def file_request(project_id: int, username: str, change_type: str, reason: str, pairs: tuple[str, ...],
                 attach: tuple[str, ...]) -> None:
    """File a change request for PROJECT_ID (the same service as the web form and the API)."""
    data = {**nested_fields(p.partition("=")[::2] for p in pairs), "change_type": change_type, "reason": reason}
    files = _material(attach)
    try:
        with transaction():
            cr = changes.file_change_request(acting_user(username), project_id, data, files)
            cr_id, state = cr.id, cr.state.value
    except DomainError as exc:
        fail(exc)
    finally:
        for _kind, _name, stream in files:
            stream.close()
    click.echo(f"change request {cr_id} filed for project {project_id}: {state}")


@changes_cli.command("attach")
@click.argument("change_request_id", type=int)
@click.argument("kind", type=click.Choice(list(changes.ATTACHMENT_KINDS)))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "username", required=True)
def attach_material(change_request_id: int, kind: str, path: Path, username: str) -> None:
    """Attach the file at PATH to a change request awaiting review or revision."""
    try:
        with transaction(), path.open("rb") as stream:
            attachment = changes.add_change_attachment(acting_user(username), change_request_id, kind,
                                                       path.name, stream)
            attachment_id = attachment.id
    except DomainError as exc:
        fail(exc)
    click.echo(f"attachment {attachment_id} added to change request {change_request_id}")


@changes_cli.command("list")
@click.option("--as", "username", required=True)
@click.option("--project", "project_id", type=int)
@click.option("--state")
def list_requests(username: str, project_id: int | None, state: str | None) -> None:
    """The change requests USERNAME may see, newest first (first 100)."""
    try:
        page = reads.list_change_requests(acting_user(username), project_id=project_id, state=state, per_page=100)
    except DomainError as exc:
        fail(exc)
    for cr in page.items:
        click.echo(f"{cr.id}\t{cr.project.code}\t{cr.change_type.value}\t{cr.state.value}\t"
                   f"{changes.change_words(reads.what_changes(cr))}")
