"""`flask` commands: thin adapters over the same services the web pages and the API call."""
from __future__ import annotations

import sys


import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from app.database import transaction
from app.errors import DomainError
from app.extensions import db
from app.models import Role, User, UserRole

demo_cli = AppGroup("demo", help="Demo data and a full simulated programme.")
checks_cli = AppGroup("checks", help="Annual mid-term checks (中期检查).")
workflow_cli = AppGroup("workflow", help="The workflow definitions.")
audit_cli = AppGroup("audit", help="The decision history.")
users_cli = AppGroup("users", help="User accounts.")


def register(app: Flask) -> None:
    from app.api.cli import token_cli

    users_cli.add_command(token_cli)
    for group in (demo_cli, checks_cli, workflow_cli, audit_cli, users_cli):
        app.cli.add_command(group)
    from app.documents.cli import register as register_documents; register_documents(app)  # noqa: E702
    from app.cli_calendar import calendar_cli; app.cli.add_command(calendar_cli)  # noqa: E702


def _fail(exc: DomainError) -> None:
    click.secho(f"✗ {exc}", fg="red", err=True)
    sys.exit(2)


def _actor(username: str | None, role: Role) -> User:
    """The named user, or the first active one holding ``role`` (decisions are never anonymous)."""
    query = sa.select(User).where(User.active)
    query = query.where(User.username == username) if username else query.join(UserRole).where(
        UserRole.role == role).order_by(User.id)
    user = db.session.scalar(query.limit(1))
    if user is None:
        raise click.ClickException(f"no active user {username or 'with role ' + role.value}")
    return user


@demo_cli.command("load")
def demo_load() -> None:
    """Load the real divisions, demo users for every role, a plan catalogue and a batch."""
    from app.services.demo import DEMO_PASSWORD, load_demo

    with transaction():
        logins = load_demo()
    click.echo(f"Demo data loaded. Every demo account's password: {DEMO_PASSWORD}")
    for username, display, roles in logins:
        click.echo(f"  {username:<20} {roles:<16} {display}")


@demo_cli.command("lifecycle")
@click.option("--count", default=60, show_default=True, help="How many applications to file.")
@click.option("--seed", default=2026, show_default=True)
def demo_lifecycle(count: int, seed: int) -> None:
    """Drive COUNT applications through every stage and print where they ended."""
    from app.services.demo_lifecycle import run_lifecycle

    report = run_lifecycle(count, seed)
    for kind, tally in report.states.items():
        click.echo(f"{kind}:")
        for state, n in sorted(tally.items(), key=lambda kv: str(kv[0])):
            label = state.zh if hasattr(state, "zh") else str(state)
            click.echo(f"  {str(state):<24} {label:<12} {n:>4}")
    click.echo(f"refused by the batch quota: {len(report.quota_refusals)}")
    for reason in dict.fromkeys(report.quota_refusals):
        click.echo(f"  “{reason}”")
    click.echo(f"demonstration list: {report.publication}")
    click.echo(f"{report.decisions} decisions in {report.seconds:.1f} s "
               f"({report.decisions / max(report.seconds, 1e-9):.0f} per second)")


@checks_cli.command("open")
@click.option("--year", type=int, required=True)
@click.option("--as", "username", help="The office reviewer acting (default: the first one).")
def checks_open(year: int, username: str | None) -> None:
    """Open YEAR's mid-term check for every project under construction (idempotent)."""
    from app.services.checks import open_checks

    try:
        with transaction():
            opened = open_checks(_actor(username, Role.OFFICE_REVIEWER), year)
            ids = [c.project_id for c in opened]
    except DomainError as exc:
        _fail(exc)
    click.echo(f"opened {len(ids)} mid-term checks for {year}")


@workflow_cli.command("diagram")
@click.argument("name")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
def workflow_diagram(name: str, lang: str) -> None:
    """Print the Mermaid diagram of the flow NAME."""
    from workflows import FLOWS
    from workflows.diagrams import mermaid

    if name not in FLOWS:
        raise click.BadParameter(f"known flows: {', '.join(FLOWS)}", param_hint="NAME")
    click.echo(mermaid(FLOWS[name], lang), nl=False)


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the hash chain of the decision history; name the first broken record."""
    from app.services.audit import verify_chain

    report = verify_chain()
    if report.ok:
        click.echo(f"audit chain intact: {report.checked} records")
        return
    click.secho(f"audit chain BROKEN at record {report.first_broken_id}: {report.problem} "
                f"({report.checked} records before it are intact)", fg="red", err=True)
    sys.exit(1)


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
    from app.services.users import create_user

    try:
        with transaction():
            user = create_user(username, password, display_name, organisation, list(roles),
                               specialties=specialties)
            uid = user.id
    except DomainError as exc:
        _fail(exc)
    click.echo(f"created user {username} (id {uid})")


@demo_cli.command("reference")
def demo_reference() -> None:
    """Load only the reference data (divisions, IT offices, provincial departments)."""
    from app.services.reference import load_reference_data

    with transaction():
        added = load_reference_data(current_app.config["REFERENCE_DATA_DIR"])
    click.echo(f"added {added['divisions']} divisions and {added['organisations']} organisations")


