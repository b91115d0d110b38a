"""Delegation (代理) and workflow versions, through the same services and input schemas as the
delegation page and the admin's workflow-versions page."""
from __future__ import annotations

from marshmallow import Schema, fields

from app.api.auth import actor, json_body
from app.api.blueprint import api_blueprint, documented_errors, json_request_body
from app.api.schemas import PageArgs, UtcDateTime, page_of
from app.api.workflow import AuditEntrySchema
from app.database import transaction
from app.schemas import CaseMigrationSchema, DelegationSchema
from app.services.commands import delegations
from app.services.engine import versions

bp = api_blueprint("delegations", "/delegations",
                   "Delegation (代理): a leader designates a proxy (an Office reviewer) for a period of Beijing "
                   "dates; while it is in force the proxy may enter the leader's approval steps (every step "
                   "taken in the role `leader`) through the ordinary action operations, and nothing else. "
                   "Revocable by the leader or an admin; audited.")
versions_bp = api_blueprint("workflow_versions", "/workflow-versions",
                            "Workflow versions: each case follows the version of its flow it started under; an "
                            "admin moves a case to the current version when its stage exists there.")


class DelegationOutSchema(Schema):
    id = fields.Integer(required=True)
    leader_id = fields.Integer(required=True)
    leader_name = fields.String(attribute="leader.display_name", required=True)
    proxy_id = fields.Integer(required=True)
    proxy_name = fields.String(attribute="proxy.display_name", required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    revoked_at = UtcDateTime(allow_none=True)
    version = fields.Integer(required=True)
    status = fields.Function(lambda d: delegations.status_of(d), required=True, metadata={
        "type": "string", "enum": ["in_force", "future", "ended", "revoked"]})


@bp.route("")
@bp.response(200, DelegationOutSchema(many=True))
@documented_errors(bp, 401)
def list_delegations():
    """My delegations · 代理

    A leader's delegations given, a proxy's held; an admin sees all. Latest period first.
    """
    return [row.delegation for row in delegations.delegations_for(actor())]


@bp.route("", methods=["POST"])
@bp.doc(**json_request_body(DelegationSchema))
@bp.response(201, DelegationOutSchema)
@documented_errors(bp, 400, 401, 403, 409, 422)
def designate():
    """Designate a proxy · 指定代理人

    A leader only (403 otherwise). `proxy`: the user name of an active Office reviewer who is not a
    leader; `starts_on` ≤ `ends_on`, Beijing dates, starting today or within a year and lasting at
    most a year (366 days; 422 otherwise). 409 when the proxy already acts for a leader during
    part of the period. Audited.
    """
    data = json_body()
    with transaction():
        return delegations.designate(actor(), data)


@bp.route("/<id:delegation_id>/revoke", methods=["POST"])
@bp.response(200, DelegationOutSchema)
@documented_errors(bp, 401, 403, 404, 409)
def revoke(delegation_id: int):
    """Revoke a delegation · 撤销代理

    The leader who gave it, or an admin (403 for its proxy); 404 for anyone else. 409 when it is
    already revoked. Audited.
    """
    with transaction():
        return delegations.revoke(actor(), delegation_id)


@bp.route("/entered")
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(AuditEntrySchema))
@documented_errors(bp, 401, 422)
def entered(args):
    """Entered on my behalf · 代录记录

    Every step a proxy entered on the caller's behalf, newest first.
    """
    return delegations.entered_on_behalf(actor(), args["page"], args["per_page"])


class VersionCountSchema(Schema):
    kind = fields.String(required=True)
    version = fields.Integer(required=True)
    current = fields.Boolean(required=True)
    cases = fields.Integer(required=True)
    states = fields.Integer(required=True)
    steps = fields.Integer(required=True)


class MigratedSchema(Schema):
    kind = fields.String(required=True)
    id = fields.Integer(required=True)
    flow_version = fields.Integer(required=True)
    version = fields.Integer(required=True)


@versions_bp.route("")
@versions_bp.response(200, VersionCountSchema(many=True))
@documented_errors(versions_bp, 401, 403)
def list_versions():
    """Flow versions and their cases · 流程版本

    Admins only. Every loadable version of every flow, with how many cases follow it.
    """
    return versions.versions_overview(actor())


@versions_bp.route("/<kind>/<id:entity_id>/migrate", methods=["POST"])
@versions_bp.doc(**json_request_body(CaseMigrationSchema))
@versions_bp.response(200, MigratedSchema)
@documented_errors(versions_bp, 400, 401, 403, 404, 409, 422)
def migrate(kind: str, entity_id: int):
    """Move a case to the current version · 迁移至当前版本

    Admins only (403). 409 when the case already follows the current version, or its stage does not
    exist in it (then nothing is written). `opinion`: the reason, recorded in the history.
    """
    data = json_body()
    with transaction():
        entity = versions.migrate_case(actor(), kind, entity_id, data)
        return {"kind": kind, "id": entity.id, "flow_version": entity.flow_version, "version": entity.version}
