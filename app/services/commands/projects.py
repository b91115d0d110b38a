"""立项 and the project's life: approval within the batch quota and acceptance requests
(follow-on funding requests are their own flow: ``funding``). (Termination, closure and completing acceptance need only an
opinion: the generic verb takes them.)"""
from __future__ import annotations

import calendar
from datetime import date

from app import clock
from app.errors import Conflict
from app.extensions import db
from app.models import Acceptance, Application, Project, User
from app.schemas import (
    AcceptanceRequestSchema,
    ProjectApprovalSchema,
)
from app.services.commands import materials
from app.services.documents import issuing
from app.services.engine.actions import verb
from app.services.engine.fire import fire
from app.services.engine.guards import message, quota_key
from app.services.engine.loading import load_visible
from app.services.records import counters


def add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@verb("application", "approve_project", schema=ProjectApprovalSchema)
def approve_project(actor: User, application_id: int, fields: dict,
                    expected_version: int | None = None) -> Project:
    """批准立项: the quota is taken by a conditional UPDATE, so concurrent approvals can
    never overshoot it; the project gets a gapless code per batch year."""
    app = load_visible(Application, application_id, actor)
    fire(app, "approve_project", actor, opinion=fields["opinion"],
         payload={k: fields[k] for k in ("approved_budget", "construction_months")},
         expected_version=expected_version)
    if counters.take(quota_key(app.batch_id), limit=app.batch.quota) is None:
        raise Conflict(message("batch_quota_left"))
    seq = counters.take(f"project_code:{app.batch.year}")
    starts = fields["starts_on"] or clock.today()
    project = Project(application_id=app.id, code=f"YNDZ-{app.batch.year}-{seq:03d}",
                      batch_id=app.batch_id, organisation_id=app.organisation_id,
                      division_code=app.division_code, prefecture_code=app.prefecture_code,
                      name=app.name, approved_budget=fields["approved_budget"], starts_on=starts,
                      ends_on=add_months(starts, fields["construction_months"]))
    db.session.add(project)
    db.session.flush()
    issuing.reserve("project_approval", project, actor)  # numbered now, rendered after commit
    return project


@verb("project", "request_acceptance", schema=AcceptanceRequestSchema)
def request_acceptance(actor: User, project_id: int, fields: dict,
                       expected_version: int | None = None) -> Acceptance:
    project = load_visible(Project, project_id, actor)
    fire(project, "request_acceptance", actor, opinion=fields["opinion"], expected_version=expected_version)
    acceptance = Acceptance(project_id=project.id, round=1, summary=fields["summary"])
    db.session.add(acceptance)
    db.session.flush()
    materials.attach(actor, "acceptance", acceptance, "request_acceptance", fields["materials"])
    return acceptance

