"""`flask demonstration …`: the demonstration list's public notice (示范项目公示) — publishing the
candidates, filing an objection, and showing the list as the public sees it. Proposing,
withdrawing, answering and confirming are workflow steps: `flask workflow act project ID
select_demonstration`, `… demonstration_objection ID answer_objection`, `… demonstration_list ID
confirm_list`."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.cli.common import acting_user, fail
from app.database import transaction
from app.errors import DomainError
from app.models import Role
from app.services.commands import demonstration
from app.services.reads import projects as reads

demonstration_cli = AppGroup("demonstration", help="The demonstration list's public notice (示范项目公示).")


@demonstration_cli.command("publish")
@click.option("--as", "username", help="The leader acting (default: the first one).")
@click.option("--days", "notice_days", type=int, help="Working days of public notice (default: configured).")
@click.option("--opinion", default="")
def publish(username: str | None, notice_days: int | None, opinion: str) -> None:
    """Publish the candidates (拟推荐) as a draft list for public notice."""
    data = {"opinion": opinion, **({"notice_days": notice_days} if notice_days is not None else {})}
    try:
        with transaction():
            pub = demonstration.publish_demonstrations(acting_user(username, Role.LEADER), data)
            click.echo(f"list {pub.id}: {len(pub.project_ids)} candidates under public notice until "
                       f"{pub.notice_ends_on.isoformat()}")
    except DomainError as exc:
        fail(exc)


@demonstration_cli.command("object")
@click.option("--contact", required=True, help="Telephone or e-mail of the person objecting (required).")
@click.option("--text", required=True, help="The objection.")
@click.option("--project", "project_id", type=int, help="The project objected to (default: the whole list).")
@click.option("--name", default="")
def file_objection(contact: str, text: str, project_id: int | None, name: str) -> None:
    """File an objection (异议) to the list under public notice, as a member of the public would."""
    data = {"contact": contact, "text": text, "name": name,
            **({"project_id": project_id} if project_id is not None else {})}
    try:
        with transaction():
            objection = demonstration.file_objection(data)
            click.echo(f"objection {objection.id} filed against list {objection.publication_id}")
    except DomainError as exc:
        fail(exc)


@demonstration_cli.command("show")
def show() -> None:
    """The list the public notice page shows: the list under notice, else the last confirmed one."""
    publication, rows = reads.public_list()
    if publication is None:
        click.echo("no list published yet")
        return
    counts = reads.objection_counts(publication)
    click.echo(f"list {publication.id}: {publication.state.value}, notice until {publication.notice_ends_on}, "
               f"{len(rows)} projects, {sum(counts.values())} objections")
    for row in rows:
        click.echo(f"  {row.project_id}\t{row.name}\t{row.agency}\t{row.domain.zh}\t{row.grade.zh if row.grade else '-'}")
    covered = reads.domain_coverage(rows)
    click.echo(f"domains covered: {sum(1 for n in covered.values() if n)} of {len(covered)}")
