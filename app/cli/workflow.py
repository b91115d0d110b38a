"""`flask workflow …`: the workflow definitions, and taking any step of them from the shell."""
from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import click
from flask.cli import AppGroup

from app.cli.common import acting_user, fail
from app.database import transaction
from app.errors import DomainError
from app.kinds import MODEL_OF
from app.schemas import FilePart, nested_fields
from app.services.commands import action, perform, prepare_step
from app.services.engine import versions
from app.services.engine.loading import load_visible
from workflows import FLOWS
from workflows.diagrams import mermaid
from workflows.registry import VERSIONS, current_version

workflow_cli = AppGroup("workflow", help="The workflow definitions.")


@workflow_cli.command("diagram")
@click.argument("name")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
@click.option("--version", "version", type=int, help="A version of the flow (default: the current one).")
def workflow_diagram(name: str, lang: str, version: int | None) -> None:
    """Print the Mermaid diagram of the flow NAME."""
    if name not in FLOWS:
        raise click.BadParameter(f"known flows: {', '.join(FLOWS)}", param_hint="NAME")
    version = version or current_version(name)
    if version not in VERSIONS[name]:
        raise click.BadParameter(f"{name} has versions {', '.join(map(str, sorted(VERSIONS[name])))}",
                                 param_hint="--version")
    click.echo(mermaid(VERSIONS[name][version], lang), nl=False)


@workflow_cli.command("versions")
def workflow_versions() -> None:
    """List each flow's versions and how many cases follow each (the current one marked *)."""
    for row in versions.version_counts():
        mark = "*" if row.current else " "
        click.echo(f"{row.kind:<16} v{row.version}{mark} {row.cases:>6} cases   "
                   f"{row.states} states, {row.steps} steps")


@workflow_cli.command("migrate")
@click.argument("kind", metavar="KIND", type=click.Choice(list(MODEL_OF)))
@click.argument("entity_id", metavar="ID", type=int)
@click.option("--as", "username", required=True, help="The administrator who decides it.")
@click.option("--reason", default="", help="Why the case moves to the current version (recorded).")
@click.option("--version", "expected_version", type=int,
              help="Only if the item is still at this version (otherwise: a conflict).")
def workflow_migrate(kind: str, entity_id: int, username: str, reason: str, expected_version: int | None) -> None:
    """Move the KIND case ID to its flow's current version (only if its stage exists there)."""
    actor = acting_user(username)
    try:
        with transaction():
            entity = versions.migrate_case(actor, kind, entity_id, {"opinion": reason}, expected_version)
            flow_version, state = entity.flow_version, entity.state
    except DomainError as exc:
        fail(exc)
    click.echo(f"{kind} {entity_id}: now follows version {flow_version} ({state.zh} · {state.value})")


@workflow_cli.command("steps")
@click.argument("kind", metavar="KIND", type=click.Choice(list(FLOWS)))
def workflow_steps(kind: str) -> None:
    """List the steps of KIND's flow: trigger, labels, role and policy, time limit, fields, moves."""
    steps = FLOWS[kind].steps
    for trigger in dict.fromkeys(s.trigger for s in steps):
        same = [s for s in steps if s.trigger == trigger]
        first = same[0]
        needs = ["opinion" if first.opinion_required else "opinion optional", *action(kind, trigger).fields]
        limit = "optional" if first.optional else (f"{first.days} working days" if first.days else "no time limit")
        click.echo(f"{trigger:<24} {first.zh} · {first.en}")
        click.echo(f"    role {first.role} (policy {first.policy}); {limit}; fields: {', '.join(needs)}")
        for s in same:
            guards = f"  if {', '.join(s.guards)}" if s.guards else ""
            click.echo(f"    {', '.join(f'{x.zh} ({x.value})' for x in s.sources)} → {s.dest.zh} ({s.dest.value}){guards}")


def _name_value_pairs(_ctx, param, values: tuple[str, ...]) -> list[tuple[str, str]]:
    pairs = []
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"'{item}' is not NAME=VALUE", param=param)
        pairs.append((name.strip(), value))
    return pairs


@workflow_cli.command("act")
@click.argument("kind", metavar="KIND", type=click.Choice(list(MODEL_OF)))
@click.argument("entity_id", metavar="ID", type=int)
@click.argument("trigger")
@click.option("--as", "username", required=True, help="Who takes the step (their policy decides).")
@click.option("--opinion", default="", help="The written opinion (意见).")
@click.option("--field", "fields", multiple=True, metavar="NAME=VALUE", callback=_name_value_pairs,
              help="A field of the step; repeat it; dotted names nest (scores.quality.score=20).")
@click.option("--file", "files", multiple=True, metavar="KIND=PATH", callback=_name_value_pairs,
              help="A material handed in with the step (progress_report, rectification_report, completion_report, "
                   "financial_audit, test_report, user_report); repeat it.")
@click.option("--version", "expected_version", type=int,
              help="Act only if the item is still at this version (otherwise: a conflict).")
def workflow_act(kind: str, entity_id: int, trigger: str, username: str, opinion: str,
                 fields: list[tuple[str, str]], files: list[tuple[str, str]], expected_version: int | None) -> None:
    """Take step TRIGGER on the KIND item ID as the web's button or the API would
    (KIND: application, project, midterm_check, acceptance, evaluation)."""
    data = nested_fields([*fields, ("opinion", opinion)])
    actor = acting_user(username)
    with ExitStack() as opened:
        if files:
            try:
                data["materials"] = [FilePart(k, Path(p).name, opened.enter_context(open(p, "rb"))) for k, p in files]
            except OSError as exc:
                raise click.BadParameter(f"cannot read {exc.filename}: {exc.strerror}", param_hint="--file") from None
        entity, before, after, version, number = _act(actor, kind, entity_id, trigger, data, expected_version)
    # Both stages by their names, the stored codes after them for scripts.
    click.echo(f"{kind} {entity_id}{' ' + number if number else ''}: {before.zh} → {after.zh} "
               f"({before.value} → {after.value})")
    click.echo(f"version {version}")


def _act(actor, kind: str, entity_id: int, trigger: str, data: dict, expected_version: int | None):
    try:
        prepared = prepare_step(actor, kind, entity_id, trigger, data)  # e.g. a signature: before the transaction
        with transaction():
            # perform() returns whatever the verb makes (approve_project: the new Project),
            # so the item itself is held here to show where it moved.
            entity = load_visible(MODEL_OF[kind], entity_id, actor)
            before = entity.state
            perform(actor, kind, entity_id, trigger, data, expected_version, prepared)
            after, version = entity.state, entity.version
            number = getattr(entity, "number", None)  # an application's human number
    except DomainError as exc:
        fail(exc)
    return entity, before, after, version, number
