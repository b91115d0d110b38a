"""The stages' time limits (时限): administrators read every waiting stage's default, override
and effective limit, set a stage's own limit or clear it (back to the default), through the same
app.services.time.step_limits verbs and input schema as the admin page."""
from __future__ import annotations

from marshmallow import Schema, fields

from app.api.auth import actor, json_body
from app.api.blueprint import api_blueprint, documented_errors, json_request_body
from app.api.schemas import EnumLabel, UtcDateTime
from app.database import transaction
from app.services.time import step_limits

STAGE = "/<kind>/<state>"

bp = api_blueprint("time_limits", "/time-limits",
                   "The stages' time limits in working days (时限): the step records' defaults and the "
                   "Office's overrides. Only administrators read and change them (anyone else gets 403 "
                   "with the reason).")


class StageLimitSchema(Schema):
    kind = fields.String(required=True)
    state = fields.Function(lambda s: s.state.value, required=True)
    state_label = EnumLabel("state")
    default = fields.Integer(required=True, metadata={"description": "The step record's limit (working days)."})
    override = fields.Integer(allow_none=True, required=True, metadata={"description": "The Office's own, if set."})
    effective = fields.Integer(required=True, metadata={"description": "What deadlines count."})
    set_by = fields.String(allow_none=True)
    set_at = UtcDateTime(allow_none=True)


def _stage(kind: str, state: str):
    return next(s for s in step_limits.stage_limits(actor()) if (s.kind, s.state.value) == (kind, state))


@bp.route("")
@bp.response(200, StageLimitSchema(many=True))
@documented_errors(bp, 401, 403)
def list_limits():
    """Every stage's time limit · 各环节时限

    Each stage somebody waits in, in the flows' order, with its default, the Office's override
    and the effective limit.
    """
    return step_limits.stage_limits(actor())


@bp.route(STAGE, methods=["PUT"])
@bp.doc(**json_request_body(step_limits.StepLimitSchema))
@bp.response(200, StageLimitSchema)
@documented_errors(bp, 400, 401, 403, 404, 409, 422)
def set_limit(kind: str, state: str):
    """Set a stage's time limit · 设置环节时限

    `days`: a whole number of working days, 1 to 365; anything else is 422 and nothing is written.
    Audited. 404 for a stage without a time limit.
    """
    data = json_body()
    with transaction():
        step_limits.set_limit(actor(), kind, state, data)
    return _stage(kind, state)


@bp.route(STAGE, methods=["DELETE"])
@bp.response(204)
@documented_errors(bp, 401, 403, 404, 409)
def clear_limit(kind: str, state: str):
    """Restore a stage's default time limit · 恢复默认时限

    The step record's default applies again. Audited. 404 when the stage has no override.
    """
    with transaction():
        step_limits.clear_limit(actor(), kind, state)
