"""Batch endorsement (汇总上报): an IT office endorses several applications at once, each with
its place in the office's ranking — the endorsement desk's write, through the same service."""
from __future__ import annotations

from marshmallow import Schema, fields

from app.api.auth import actor, json_body
from app.api.blueprint import api_blueprint, documented_errors, json_request_body
from app.api.schemas import (
    ApplicationSummarySchema,
    EnumLabel,
    EnumValue,
    UtcDateTime,
    step_body,
)
from app.database import transaction
from app.schemas import BatchEndorsementSchema, RerankSchema
from app.services.commands import action, endorsement

bp = api_blueprint("endorsements", "/endorsements",
                   "Batch endorsement (汇总上报) by the IT offices (信息化主管部门) on the route.")


@bp.route("", methods=["POST"])
@bp.doc(**json_request_body(step_body("BatchEndorsementSchema", BatchEndorsementSchema,
                                      action("application", "endorse").opinion_required, versioned=False)))
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


class RankingEntrySchema(Schema):
    """One application the office endorsed, with its place in the office's ranking of its batch."""

    application_id = fields.Integer(required=True)
    number = fields.String(allow_none=True)
    name = fields.String(required=True)
    batch_id = fields.Integer(required=True)
    state = EnumValue(required=True)
    state_label = EnumLabel("state")
    ranking = fields.Integer(allow_none=True, metadata={
        "description": "The place in the office's ranking of the batch (1 = strongest); null when endorsed without one."})
    endorsed_at = UtcDateTime(required=True)
    re_rankable = fields.Boolean(required=True, metadata={
        "description": "True while the next level still reviews it (逐级上报 above or 初审): it can be re-ranked."})


def _entries() -> list[dict]:
    return [{"application_id": a.id, "number": a.number, "name": a.name, "batch_id": a.batch_id, "state": a.state,
             "ranking": e.ranking, "endorsed_at": e.endorsed_at, "re_rankable": a.state in endorsement.RERANK_STATES}
            for a, e in endorsement.office_ranking(actor())]


@bp.route("/ranking")
@bp.response(200, RankingEntrySchema(many=True))
@documented_errors(bp, 401, 403)
def office_ranking():
    """The office's ranking · 推荐排序

    The applications the caller's office endorsed, by batch (newest first) and place (unranked last).
    """
    return _entries()


@bp.route("/ranking", methods=["POST"])
@bp.doc(**json_request_body(RerankSchema))
@bp.response(200, RankingEntrySchema(many=True))
@documented_errors(bp, 400, 401, 403, 404, 409, 422)
def rerank():
    """Re-rank · 重新排序

    The office's endorsers give some of the applications their office endorsed, all of one batch,
    new places (all at once, so two can swap). Allowed while the next level still reviews them:
    in 逐级上报 at a higher office or in the province's 初审 (409 afterwards). A place another of the
    office's applications in that batch keeps is a 409 naming it. Each change is recorded in the
    application's history (step `rerank`). Answers the office's whole ranking.
    """
    data = json_body()
    with transaction():
        endorsement.rerank(actor(), data)
    return _entries()
