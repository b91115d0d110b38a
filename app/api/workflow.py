"""Workflow endpoints shared by every kind of item, generated from the flow definitions:

GET  /<kind>/{id}/actions            the steps the caller may take now (the web's buttons)
POST /<kind>/{id}/actions/{trigger}  one documented operation per trigger, body = the step's
                                     command schema + ``version``; runs actions.perform()
GET  /<kind>/{id}/timeline           the decision history (who, when, role, opinion)
"""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import RAISE, Schema, fields

from app.api.auth import actor, expected_version, json_body, writes_at_once
from app.api.blueprint import (
    documented_errors,
    multipart_request_body,
    refuse_unknown_parts,
)
from app.api.schemas import (
    DocumentSchema,
    EnumLabel,
    EnumValue,
    UtcDateTime,
    step_body,
)
from app.bounds import ascii_int
from app.database import transaction
from app.extensions import db
from app.i18n import short_locale
from app.kinds import MODEL_OF, flows_of
from app.models import MATERIAL_KINDS, Acceptance, JointOpinion, Project
from app.schemas import MATERIALS_PREFIX, file_parts, nested_fields
from app.services.commands import action, actions_for, perform, prepare_step
from app.services.documents import issuing
from app.services.engine.actions import triggers_of
from app.services.reads import history


# --- output -----------------------------------------------------------------------------------
class StepSchema(Schema):
    trigger = fields.String(required=True)
    label = fields.Method("_label", metadata={"type": "string"})
    zh = fields.String(required=True)
    en = fields.String(required=True)
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields",
                          metadata={"description": "Extra body fields besides opinion and version."})
    opinion_required = fields.Boolean(required=True)
    style = fields.String()
    on_behalf_of = fields.Function(lambda a: a.on_behalf.display_name if getattr(a, "on_behalf", None) else None,
                                   allow_none=True, metadata={"type": "string", "description":
                                   "A proxy's action: the leader on whose behalf it is entered (代录)."})

    def _label(self, step):
        return step.label(short_locale())


class AvailableActionsSchema(Schema):
    kind = fields.String(required=True)
    id = fields.Integer(required=True)
    state = EnumValue(required=True)
    state_label = EnumLabel("state")
    version = fields.Integer(required=True)
    actions = fields.List(fields.Nested(StepSchema), required=True)


class ItemRefSchema(Schema):
    kind = fields.String(required=True)
    id = fields.Integer(required=True)


class ActionResultSchema(Schema):
    kind = fields.String(required=True)
    id = fields.Integer(required=True)
    trigger = fields.String(required=True)
    state = EnumValue(required=True)
    state_label = EnumLabel("state")
    version = fields.Integer(required=True, metadata={"description": "The new version, for the next action."})
    created = fields.Nested(ItemRefSchema, allow_none=True, metadata={
        "description": "An item the action created (the project of 立项, an acceptance round, …)."})


class AuditEntrySchema(Schema):
    id = fields.Integer(required=True)
    at = UtcDateTime(attribute="created_at", required=True)
    trigger = fields.String(required=True)
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String(attribute="actor.display_name", allow_none=True)
    actor_role = fields.String(required=True)
    entered_by_id = fields.Integer(allow_none=True, metadata={
        "description": "The proxy (代理) who entered this leader's step on the leader's behalf (代录); null otherwise."})
    entered_by_name = fields.Function(lambda r: r.entered_by.display_name if r.entered_by_id else None,
                                      allow_none=True, metadata={"type": "string"})
    opinion = fields.String()
    payload = fields.Dict()


CREATED_KINDS = {Project: "project", Acceptance: "acceptance", JointOpinion: "joint_opinion"}


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def describe(kind: str, trigger: str) -> tuple[str, str]:
    """Summary and description of a trigger's operation, from the step's record."""
    flow = next(f for f in flows_of(kind) if trigger in f.triggers)  # the newest version that has it
    steps = [s for s in flow.steps if s.trigger == trigger]
    first = steps[0]
    moves = "; ".join(f"{', '.join(src.value for src in s.sources)} → {s.dest.value}"
                      + (f" (when {', '.join(s.guards)})" if s.guards else "") for s in steps)
    extra = ", ".join(action(kind, trigger).fields) or "none"
    description = (f"{first.en} ({first.zh}). Moves: {moves}. Policy: `{first.policy}` (403 with its reason "
                   f"otherwise). Opinion (意见) {'required' if first.opinion_required else 'optional'}; "
                   f"extra fields: {extra}. `version` is the version you last saw: 409 if the item moved on.")
    return f"{first.en} · {first.zh}", description


def _present(kind: str, entity_id: int, trigger: str, result) -> dict:
    entity = db.session.get(MODEL_OF[kind], entity_id)  # in the identity map: no query
    created = None
    created_kind = CREATED_KINDS.get(type(result))
    if created_kind and not (isinstance(result, MODEL_OF[kind]) and result.id == entity_id):
        created = {"kind": created_kind, "id": result.id}
    return {"kind": kind, "id": entity_id, "trigger": trigger, "state": entity.state,
            "version": entity.version, "created": created}


def multipart_body(name: str, body: type[Schema]) -> type[Schema]:
    """The multipart form of a step that takes files: its fields as text parts, ``version``,
    and one file part ``materials.<kind>`` per material kind (the required ones required);
    any other part is refused (``refuse_unknown_parts``)."""
    required = body._declared_fields["materials"].required_kinds
    parts = {n: f for n, f in body._declared_fields.items() if n != "materials"}
    for kind, (zh, en) in MATERIAL_KINDS.items():
        parts[f"{MATERIALS_PREFIX}{kind}"] = Upload(required=kind in required, metadata={
            "description": f"{en} ({zh}): PDF, Word, Excel, JPEG, PNG or ZIP; the part may repeat."
                           + (" Required." if kind in required else "")})
    return type(name, (Schema,), {**parts, "Meta": type("Meta", (), {"unknown": RAISE})})


def multipart_data() -> dict:
    """A multipart step body as the services' plain data: the text parts (``version`` an
    integer when it is one), the files as typed materials."""
    body = nested_fields(request.form.items(multi=True))
    version = ascii_int(body.get("version"))
    if version is not None:
        body["version"] = version
    parts = file_parts(request.files.items(multi=True))
    return {**body, "materials": parts} if parts else body


def _action_view(bp: Blueprint, kind: str, trigger: str):
    found = action(kind, trigger)
    documented = step_body(f"{_camel(kind)}{_camel(trigger)}Schema", found.schema, found.opinion_required)
    uploads = multipart_body(f"{_camel(kind)}{_camel(trigger)}Upload", documented) if found.multipart else None

    def view(entity_id: int):
        if uploads is not None and request.mimetype == "multipart/form-data":
            refuse_unknown_parts(uploads)
            body = multipart_data()
        else:
            body = json_body()
        version = expected_version(body)
        prepared = prepare_step(actor(), kind, entity_id, trigger, body)  # e.g. a signature: before the transaction
        with transaction():
            result = perform(actor(), kind, entity_id, trigger, body, version, prepared)
            return _present(kind, entity_id, trigger, result)

    view.__name__ = f"{kind}_{trigger}"
    if found.prepare is None and not found.multipart:
        view = writes_at_once(view)
    summary, description = describe(kind, trigger)
    content = {"application/json": {"schema": documented}}
    if uploads is not None:
        content.update(multipart_request_body(uploads)["requestBody"]["content"])
        description += (" Files go in a multipart/form-data body, one part `materials.<kind>` per file"
                        + (f" (required: {', '.join(found.schema._declared_fields['materials'].required_kinds)})"
                           if found.schema._declared_fields["materials"].required_kinds else "")
                        + "; the JSON body cannot carry them.")
    view = bp.doc(summary=summary, description=description,
                  requestBody={"required": True, "content": content})(view)
    view = documented_errors(bp, 400, 401, 403, 404, 409, 422)(view)
    return bp.response(200, ActionResultSchema)(view)


def add_workflow_routes(bp: Blueprint, kind: str) -> None:
    @bp.route("/<id:entity_id>/actions", endpoint="available_actions")
    @bp.response(200, AvailableActionsSchema)
    @documented_errors(bp, 401, 404)
    def available_actions(entity_id: int):
        """What the caller may do now

        The steps whose policy allows the caller and whose guards hold — exactly the buttons
        the web page shows. Each names the extra fields its body takes.
        """
        entity, steps = actions_for(actor(), kind, entity_id)
        return {"kind": kind, "id": entity.id, "state": entity.state, "version": entity.version,
                "actions": steps}

    @bp.route("/<id:entity_id>/timeline", endpoint="timeline")
    @bp.response(200, AuditEntrySchema(many=True))
    @documented_errors(bp, 401, 404)
    def timeline(entity_id: int):
        """The decision history

        Every decision in order: who, when, in which role, from which stage to which, and the
        written opinion (意见). The history is append-only.
        """
        return history.timeline(actor(), kind, entity_id)

    @bp.route("/<id:entity_id>/documents", endpoint="documents")
    @bp.response(200, DocumentSchema(many=True))
    @documented_errors(bp, 401, 404)
    def issued_documents(entity_id: int):
        """Documents issued for it

        Numbered PDFs (application form, approval, check and acceptance reports, evaluation
        report, follow-on funding decision; an application's also the 汇总上报表 that list it, for
        those who may read them); download each at /api/v1/documents/{id}.
        """
        return issuing.documents_of(actor(), kind, entity_id)

    for trigger in triggers_of(kind):  # every version's: a case may follow an older one
        bp.route(f"/<id:entity_id>/actions/{trigger}", methods=["POST"],
                 endpoint=f"act_{trigger}")(_action_view(bp, kind, trigger))
