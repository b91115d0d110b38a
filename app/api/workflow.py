"""Workflow endpoints shared by every kind of item, generated from the flow definitions:

GET  /<kind>/{id}/actions            the steps the caller may take now (the web's buttons)
POST /<kind>/{id}/actions/{trigger}  one documented operation per trigger, body = the step's
                                     command schema + ``version``; runs actions.perform()
GET  /<kind>/{id}/timeline           the decision history (who, when, role, opinion)
"""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.api.auth import actor, expected_version, json_body
from app.api.blueprint import documented_errors
from app.api.schemas import (
    DocumentSchema,
    EnumLabel,
    EnumValue,
    UtcDateTime,
    action_body,
)
from app.database import transaction
from app.extensions import db
from app.i18n import short_locale
from app.kinds import MODEL_OF, flows_of
from app.models import Acceptance, JointOpinion, Project
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


def _action_view(bp: Blueprint, kind: str, trigger: str):
    def view(entity_id: int):
        body = json_body()
        version = expected_version(body)
        prepared = prepare_step(actor(), kind, entity_id, trigger, body)  # e.g. a signature: before the transaction
        with transaction():
            result = perform(actor(), kind, entity_id, trigger, body, version, prepared)
            return _present(kind, entity_id, trigger, result)

    view.__name__ = f"{kind}_{trigger}"
    summary, description = describe(kind, trigger)
    body = action_body(f"{_camel(kind)}{_camel(trigger)}Schema", action(kind, trigger).schema)
    view = bp.doc(summary=summary, description=description,
                  requestBody={"required": True, "content": {"application/json": {"schema": body}}})(view)
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
        report); download each at /api/v1/documents/{id}.
        """
        return issuing.documents_of(actor(), kind, entity_id)

    for trigger in triggers_of(kind):  # every version's: a case may follow an older one
        bp.route(f"/<id:entity_id>/actions/{trigger}", methods=["POST"],
                 endpoint=f"act_{trigger}")(_action_view(bp, kind, trigger))
