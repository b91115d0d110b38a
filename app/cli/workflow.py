"""`flask workflow …`: the workflow definitions."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from workflows import FLOWS
from workflows.diagrams import mermaid

workflow_cli = AppGroup("workflow", help="The workflow definitions.")


@workflow_cli.command("diagram")
@click.argument("name")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
def workflow_diagram(name: str, lang: str) -> None:
    """Print the Mermaid diagram of the flow NAME."""
    if name not in FLOWS:
        raise click.BadParameter(f"known flows: {', '.join(FLOWS)}", param_hint="NAME")
    click.echo(mermaid(FLOWS[name], lang), nl=False)
