"""变更/延期申请: the agency asks, during construction, to change its project's budget, content,
construction period or contact, or for an extension; the Office reviews, the leader decides.

An approved change is applied in the deciding transaction: the project's (or, for the content
and the contact, the application's) row is updated by compare-and-set, and both values are
recorded — in the decision's audit payload and in an "apply_change" record in the project's
history. An extension moves ``ends_on``, the day the project's acceptance is due
(``limits.SET_DEADLINES``). At most one request of a project is open at a time: filing locks
the project's row, and a partial unique index holds it in the database as well.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import attributes

from app import clock, policies
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.i18n import short_locale
from app.models import Application, ChangeAttachment, ChangeRequest, Project, User
from app.schemas import ChangeRequestSchema, ChangeValuesSchema, load
from app.services.commands.attachments import attach_file, detach_file, storage_path
from app.services.engine.actions import verb
from app.services.engine.fire import fire, state_changed
from app.services.engine.loading import load_visible
from app.services.records import audit
from workflows.change_request import OPEN, ChangeRequestState, ChangeType
from workflows.project import ProjectState

# kind -> (Chinese, English)
ATTACHMENT_KINDS = {
    "change_form": ("变更申请表", "Change request form"),
    "evidence": ("证明材料", "Supporting evidence"),
    "budget": ("调整后预算表", "Revised budget sheet"),
    "other": ("其他材料", "Other material"),
}
# The values a change touches, in words (the history says "建设周期 2026-12-31 → 2027-06-30").
FIELD_LABELS = {
    "approved_budget": _l("Approved budget (10k yuan)"),
    "starts_on": _l("Construction start"),
    "ends_on": _l("Construction period"),
    "content": _l("Construction content"),
    "contact_name": _l("Contact"),
    "contact_phone": _l("Contact telephone"),
}
# Which proposed column sets which value, per type; the project's own columns, else the application's.
TARGETS = {
    ChangeType.BUDGET: (("new_budget", "approved_budget"),),
    ChangeType.SCOPE: (("new_content", "content"),),
    ChangeType.PERIOD: (("new_starts_on", "starts_on"), ("new_ends_on", "ends_on")),
    ChangeType.EXTENSION: (("new_ends_on", "ends_on"),),
    ChangeType.CONTACT: (("new_contact_name", "contact_name"), ("new_contact_phone", "contact_phone")),
}
PROJECT_COLUMNS = ("approved_budget", "starts_on", "ends_on")
EDITABLE = (ChangeRequestState.SUBMITTED, ChangeRequestState.RETURNED)


def _text(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def current_value(project: Project, column: str):
    return getattr(project if column in PROJECT_COLUMNS else project.application, column)


def proposed_values(change_type: ChangeType, fields: dict, project: Project) -> dict:
    """The proposed columns of a request of ``change_type``, checked against the project: only
    the type's own values are kept; a missing, unchanged or impossible value is Invalid."""
    errors: dict[str, str] = {}
    required = str(_l("This field is required."))
    values = {"new_budget": None, "new_starts_on": None, "new_ends_on": None, "new_content": "",
              "new_contact_name": "", "new_contact_phone": ""}
    for source, _column in TARGETS[change_type]:
        given = fields.get(source)
        if isinstance(given, str):
            given = given.strip()
        if given in (None, "") and not (change_type is ChangeType.PERIOD and source == "new_starts_on"):
            errors[source] = required
        values[source] = given if given not in (None, "") else values[source]
    if change_type is ChangeType.CONTACT and values["new_contact_name"] and len(values["new_contact_name"]) < 2:
        errors["new_contact_name"] = str(_l("Enter the new contact's name."))
    if change_type in (ChangeType.PERIOD, ChangeType.EXTENSION) and values["new_ends_on"]:
        start = values["new_starts_on"] or project.starts_on
        if values["new_ends_on"] <= start:
            errors["new_ends_on"] = str(_l("The construction must end after it starts (%(day)s).",
                                           day=start.isoformat()))
        elif change_type is ChangeType.EXTENSION and values["new_ends_on"] <= project.ends_on:
            errors["new_ends_on"] = str(_l("An extension moves the end later than %(day)s.",
                                           day=project.ends_on.isoformat()))
        elif values["new_ends_on"] < clock.today():
            errors["new_ends_on"] = str(_l("The new end of construction cannot be in the past."))
    if not errors and all(_same(values[s], current_value(project, c)) for s, c in TARGETS[change_type]):
        errors[TARGETS[change_type][-1][0]] = str(_l("This is the project's current value: nothing would change."))
    if errors:
        raise Invalid(errors)
    return values


def _same(proposed, current) -> bool:
    if proposed in (None, ""):
        return True
    if isinstance(current, Decimal):
        return Decimal(str(proposed)) == current
    return proposed == current


def changes_of(cr: ChangeRequest) -> list[dict]:
    """What the request changes: [{field, old, new}] (old: the project's value now)."""
    out = []
    for source, column in TARGETS[cr.change_type]:
        new = getattr(cr, source)
        if new in (None, ""):
            continue
        out.append({"field": column, "old": _text(current_value(cr.project, column)), "new": _text(new)})
    return out


def change_words(changes: list[dict]) -> str:
    """"建设周期 2026-12-31 → 2027-06-30" (in the reader's language) for the history."""
    return "；".join(f"{FIELD_LABELS.get(c['field'], c['field'])} {_short(c['old'])} → {_short(c['new'])}"
                    for c in changes or ())


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:59] + "…"


# --- filing --------------------------------------------------------------------------------
def _lock_project(project: Project) -> None:
    """Take the project's row (FOR UPDATE on PostgreSQL; SQLite's writers queue on its one lock)."""
    db.session.execute(sa.select(Project.id).where(Project.id == project.id).with_for_update())


def open_request_of(project_id: int) -> ChangeRequest | None:
    return db.session.scalar(sa.select(ChangeRequest).where(ChangeRequest.project_id == project_id,
                                                            ChangeRequest.state.in_(OPEN)))


def file_change_request(actor: User, project_id: int, data: dict,
                        files: list[tuple[str, str | None, BinaryIO]] = ()) -> ChangeRequest:
    """File a change request for the actor's own project under construction, with its material
    (``files``: (kind, file name, stream)). Refused with a reason — nothing written — for a
    project not under construction or one that already has an open request."""
    fields = load(ChangeRequestSchema(), data)
    project = load_visible(Project, project_id, actor)
    policies.require("applicant_owns", actor, project)
    _lock_project(project)
    db.session.refresh(project)
    if project.state != ProjectState.UNDER_CONSTRUCTION:
        raise Conflict(str(_l("Changes can be requested only while the project is under construction "
                              "(it is now “%(stage)s”).", stage=project.state.label(_locale()))))
    if open_request_of(project.id) is not None:
        raise Conflict(str(_l("This project already has an open change request: wait for its decision "
                              "or withdraw it first.")))
    change_type = fields["change_type"]
    values = proposed_values(change_type, fields, project)
    for kind, _name, _stream in files:
        _check_kind(kind)
    cr = ChangeRequest(project_id=project.id, change_type=change_type, reason=fields["reason"].strip(),
                       created_by_id=actor.id, **values)
    db.session.add(cr)
    try:
        db.session.flush()
    except IntegrityError:  # the partial unique index: another request was filed at the same moment
        raise Conflict(str(_l("This project already has an open change request: wait for its decision "
                              "or withdraw it first."))) from None
    audit.record(entity_type="change_request", entity_id=cr.id, trigger="create", actor=actor,
                 role="applicant", to_state=cr.state.value, opinion=cr.reason,
                 payload={"project_id": project.id, "change_type": change_type.value, "changes": changes_of(cr)},
                 message=state_changed("change_request", cr.id, "create", None, cr.state.value, actor.id))
    for kind, name, stream in files:
        _attach(actor, cr, kind, name, stream)
    return cr


def _locale() -> str:
    try:
        return short_locale()
    except Exception:  # outside a request/app with babel: Chinese
        return "zh"


# --- material --------------------------------------------------------------------------------
def _check_kind(kind: str) -> None:
    if kind not in ATTACHMENT_KINDS:
        raise Invalid({"kind": str(_l("Choose the kind of attachment."))})


def _attach(actor: User, cr: ChangeRequest, kind: str, filename: str | None, stream: BinaryIO) -> ChangeAttachment:
    return attach_file(actor, "change_request", cr, ChangeAttachment, "change_request_id", kind, ATTACHMENT_KINDS,
                       filename, stream)


def add_change_attachment(actor: User, change_request_id: int, kind: str, filename: str | None,
                          stream: BinaryIO) -> ChangeAttachment:
    """Attach material to the actor's own request while it awaits review or revision."""
    cr = load_visible(ChangeRequest, change_request_id, actor)
    policies.require("applicant_owns", actor, cr)
    if cr.state not in EDITABLE:
        raise Conflict(str(_l("Material can be added only while the request awaits review or revision.")))
    return _attach(actor, cr, kind, filename, stream)


def material_editable(actor: User, cr: ChangeRequest) -> bool:
    """Whether the actor may add or remove the request's material now (what the page offers)."""
    return cr.state in EDITABLE and bool(policies.check("applicant_owns", actor, cr))


def _visible_attachment(actor: User, change_request_id: int,
                        attachment_id: int) -> tuple[ChangeRequest, ChangeAttachment]:
    """The request and its attachment, if the actor may see the request (else 404)."""
    cr = load_visible(ChangeRequest, change_request_id, actor)
    attachment = db.session.get(ChangeAttachment, attachment_id)
    if attachment is None or attachment.change_request_id != cr.id:
        raise NotFound(f"change attachments {attachment_id}")
    return cr, attachment


def remove_change_attachment(actor: User, change_request_id: int, attachment_id: int) -> ChangeAttachment:
    """Take a file off the actor's own request while it awaits review or revision (the history
    keeps its name and digest)."""
    cr, attachment = _visible_attachment(actor, change_request_id, attachment_id)
    policies.require("applicant_owns", actor, cr)
    if cr.state not in EDITABLE:
        raise Conflict(str(_l("Material can be removed only while the request awaits review or revision.")))
    return detach_file(actor, "change_request", cr, attachment)


def open_change_attachment(actor: User, change_request_id: int, attachment_id: int) -> tuple[ChangeAttachment, Path]:
    """An attachment and where its bytes are, if the actor may see its request (else 404)."""
    _cr, attachment = _visible_attachment(actor, change_request_id, attachment_id)
    path = storage_path(attachment.sha256)
    if not path.is_file():
        raise NotFound(f"change attachments {attachment_id} (file missing)")
    return attachment, path


# --- the steps that write more than an opinion -------------------------------------------------
@verb("change_request", "resubmit", schema=ChangeValuesSchema)
def resubmit(actor: User, change_request_id: int, fields: dict,
             expected_version: int | None = None) -> ChangeRequest:
    """The agency revises the returned request's values and reason (its type stays)."""
    cr = load_visible(ChangeRequest, change_request_id, actor)
    policies.require("applicant_owns", actor, cr)
    values = proposed_values(cr.change_type, fields, cr.project)
    fire(cr, "resubmit", actor, opinion=fields["opinion"], expected_version=expected_version,
         changes={**values, "reason": fields["reason"].strip()})
    return cr


@verb("change_request", "approve")
def approve(actor: User, change_request_id: int, fields: dict,
            expected_version: int | None = None) -> ChangeRequest:
    """批准变更: the change is applied to the project in this transaction, both values recorded."""
    cr = load_visible(ChangeRequest, change_request_id, actor)
    changes = changes_of(cr)
    moved = fire(cr, "approve", actor, opinion=fields["opinion"], expected_version=expected_version,
                 payload={"change_type": cr.change_type.value, "changes": changes})
    _apply(cr)
    project = cr.project
    audit.record(entity_type="project", entity_id=project.id, trigger="apply_change", actor=actor, role="leader",
                 from_state=project.state.value, to_state=project.state.value, opinion=fields["opinion"],
                 payload={"change_request_id": cr.id, "change_type": cr.change_type.value, "changes": changes,
                          "decision_audit_id": moved.audit_id})
    return cr


def _apply(cr: ChangeRequest) -> None:
    """Write the approved values by compare-and-set: the project still under construction and
    unchanged since it was read (its version), the application unchanged (its version)."""
    targets = [(column, getattr(cr, source)) for source, column in TARGETS[cr.change_type]
               if getattr(cr, source) not in (None, "")]
    project = cr.project
    on_project = {c: v for c, v in targets if c in PROJECT_COLUMNS}
    on_application = {c: v for c, v in targets if c not in PROJECT_COLUMNS}
    if on_project:
        _compare_and_set(Project, project, on_project, Project.state == ProjectState.UNDER_CONSTRUCTION)
    if on_application:
        _compare_and_set(Application, project.application, on_application)


def _compare_and_set(model, entity, values: dict, *conditions) -> None:
    values = {**values, "version": entity.version + 1}
    result = db.session.execute(sa.update(model).where(model.id == entity.id, model.version == entity.version,
                                                       *conditions).values(**values)
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(str(_l("Someone else acted on this item first; reload it and try again.")))
    for key, value in values.items():
        attributes.set_committed_value(entity, key, value)
