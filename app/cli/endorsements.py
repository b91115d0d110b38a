"""`flask endorsements …`: an IT office's ranking of the applications it endorsed (推荐排序) and
re-ranking (重新排序), through the same service as the ranking page and the API."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.bounds import ascii_int
from app.cli.common import acting_user, fail
from app.database import transaction
from app.errors import DomainError
from app.services.commands import endorsement

endorsements_cli = AppGroup("endorsements", help="An IT office's ranking of its endorsed applications.")


def _places(_ctx, param, values: tuple[str, ...]) -> list[dict]:
    items = []
    for value in values:
        app_id, _, ranking = value.partition("=")
        app_id, ranking = ascii_int(app_id.strip()), ascii_int(ranking.strip())
        if app_id is None or ranking is None:
            raise click.BadParameter(f"'{value}' is not APPLICATION_ID=RANK", param=param)
        items.append({"id": app_id, "ranking": ranking})
    return items


def _show(actor) -> None:
    for app, e in endorsement.office_ranking(actor):
        place = str(e.ranking) if e.ranking else "—"
        movable = " (re-rankable)" if app.state in endorsement.RERANK_STATES else ""
        click.echo(f"batch {app.batch_id}  #{place:<4} {app.id:>6} {app.number or ''} {app.name} · "
                   f"{app.state.zh} ({app.state.value}){movable}")


@endorsements_cli.command("ranking")
@click.option("--as", "username", required=True, help="An endorser of the office.")
def ranking(username: str) -> None:
    """List the office's endorsed applications by batch and place."""
    try:
        _show(acting_user(username))
    except DomainError as exc:
        fail(exc)


@endorsements_cli.command("rerank")
@click.option("--as", "username", required=True, help="An endorser of the office.")
@click.option("--place", "items", multiple=True, required=True, metavar="APPLICATION_ID=RANK", callback=_places,
              help="A new place; repeat it (all at once, so two applications can swap).")
@click.option("--opinion", default="", help="Why the ranking changes (recorded with each change).")
def rerank(username: str, items: list[dict], opinion: str) -> None:
    """Give endorsed applications of one batch new places while the next level still reviews them."""
    actor = acting_user(username)
    try:
        with transaction():
            endorsement.rerank(actor, {"opinion": opinion, "items": items})
        _show(actor)
    except DomainError as exc:
        fail(exc)
