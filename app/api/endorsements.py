"""Batch endorsement (汇总上报): an IT office endorses several applications at once, each with
its place in the office's ranking — the endorsement desk's write, through the same service."""
from __future__ import annotations

from app.api.auth import actor, json_body
from app.api.blueprint import api_blueprint, documented_errors, json_request_body
from app.api.schemas import ApplicationSummarySchema
from app.database import transaction
from app.schemas import BatchEndorsementSchema
from app.services.commands import endorsement

bp = api_blueprint("endorsements", "/endorsements",
                   "Batch endorsement (汇总上报) by the IT offices (信息化主管部门) on the route.")


@bp.route("", methods=["POST"])
@bp.doc(**json_request_body(BatchEndorsementSchema))
@bp.response(200, ApplicationSummarySchema(many=True))
@documented_errors(bp, 400, 401, 403, 404, 409, 422)
def endorse_many():
    """Endorse several applications at once · 汇总上报

    The office's endorsers only (403 with the reason otherwise). One opinion (意见) for all;
    each item names an application awaiting this office's endorsement, its `ranking` among the
    office's recommendations (1 = strongest; no two alike) and the `version` last seen. All or
    nothing: one stale version (409), one application not awaiting this office (403) or not
    visible (404), and none is endorsed. Answers the applications as they are now, in the order sent.
    """
    data = json_body()
    with transaction():
        return endorsement.endorse_many(actor(), data)
