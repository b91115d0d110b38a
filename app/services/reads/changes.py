"""Change requests (变更/延期申请): the list with time limits, one request, a project's requests."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import AuditRecord, ChangeRequest, Project, User
from app.policies import require, visible_to
from app.services.commands.changes import changes_of
from app.services.engine.loading import load_visible
from app.services.reads.paging import Page, Timed, timed_page
from app.services.time import limits


def _with_project():
    return joinedload(ChangeRequest.project, innerjoin=True).joinedload(Project.organisation, innerjoin=True)


def list_change_requests(actor: User, project_id: int | None = None, state: str | None = None,
                         change_type: str | None = None, page: int = 1, per_page: int = 20,
                         level: str | None = None) -> Page[ChangeRequest]:
    require("change_request_list", actor)
    query = sa.select(ChangeRequest).where(visible_to(actor, ChangeRequest)).options(_with_project())
    if project_id:
        query = query.where(ChangeRequest.project_id == project_id)
    if state:
        query = query.where(ChangeRequest.state == state)
    if change_type:
        query = query.where(ChangeRequest.change_type == change_type)
    return timed_page(query, (ChangeRequest.id.desc(),), Timed.of("change_request"), page, per_page, level)


def change_request_detail(actor: User, change_request_id: int) -> ChangeRequest:
    cr = load_visible(ChangeRequest, change_request_id, actor)
    limits.attach_statuses("change_request", [cr])
    return cr


def of_project(actor: User, project_id: int) -> list[ChangeRequest]:
    """A project's change requests the actor may see, newest first (the project page)."""
    return list(db.session.scalars(
        sa.select(ChangeRequest).where(ChangeRequest.project_id == project_id, visible_to(actor, ChangeRequest))
        .options(selectinload(ChangeRequest.attachments)).order_by(ChangeRequest.id.desc())))


def what_changes(cr: ChangeRequest) -> list[dict]:
    """[{field, old, new}]: once approved, as the decision recorded them (the project holds the
    new values now); before, against the project's values now."""
    if cr.state.value == "approved":
        payload = db.session.scalar(sa.select(AuditRecord.payload).where(
            AuditRecord.entity_type == "change_request", AuditRecord.entity_id == cr.id,
            AuditRecord.trigger == "approve").order_by(AuditRecord.id.desc()).limit(1))
        if payload and payload.get("changes") is not None:
            return payload["changes"]
    return changes_of(cr)
