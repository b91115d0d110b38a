"""`flask` commands: thin adapters over the same services the web pages and the API call.

One module per command group; ``register`` adds them all to the app."""
from __future__ import annotations

from flask import Flask

from app.cli.audit import audit_cli
from app.cli.calendar import calendar_cli
from app.cli.changes import changes_cli
from app.cli.checks import checks_cli
from app.cli.delegations import delegation_cli
from app.cli.demo import demo_cli
from app.cli.demonstration import demonstration_cli
from app.cli.documents import documents_cli, pki_cli
from app.cli.endorsements import endorsements_cli
from app.cli.funding import funding_cli
from app.cli.jobs import jobs_cli, worker_command
from app.cli.users import users_cli
from app.cli.workflow import workflow_cli

GROUPS = (demo_cli, demonstration_cli, checks_cli, workflow_cli, audit_cli, users_cli, pki_cli, documents_cli,
          calendar_cli, jobs_cli, worker_command(), changes_cli, delegation_cli, funding_cli, endorsements_cli)


def register(app: Flask) -> None:
    for group in GROUPS:
        app.cli.add_command(group)
