"""Follow-on funding requests (后续资金申请): list, one request with the project's evaluation
history, attachments, and the workflow (the Office's review, the leader's grade override and
decision). Filing is on the project: ``POST /projects/{id}/funding-requests``."""
from __future__ import annotations

from flask import request, send_file
from flask_babel import lazy_gettext as _l
from flask_smorest.fields import Upload
from marshmallow import RAISE, Schema, fields, validate

from app.api.auth import actor
from app.api.blueprint import (
    api_blueprint,
    documented_errors,
    multipart_request_body,
    refuse_unknown_parts,
)
from app.api.schemas import (
    AgencyEvaluationSchema,
    EvaluationSchema,
    FiledFundingRequestSchema,
    FundingAttachmentSchema,
    FundingRequestListArgs,
    page_of,
)
from app.api.workflow import add_workflow_routes
from app.database import transaction
from app.errors import Invalid
from app.services.commands import funding
from app.services.commands.attachments import CONTENT_TYPES
from app.services.reads import funding as reads

ID = "<id:request_id>"
ATTACHMENT = "<id:attachment_id>"

bp = api_blueprint("funding_requests", "/funding-requests",
                   "Follow-on funding requests (后续资金申请): the Office's review and the leader's decision.")


class FundingAttachmentUploadSchema(Schema):
    """The multipart body of an upload: ``refuse_unknown_parts`` refuses any other part."""

    class Meta:
        unknown = RAISE

    kind = fields.String(required=True, validate=validate.OneOf(list(funding.ATTACHMENT_KINDS)))
    file = Upload(required=True, metadata={"description": "PDF, Word, Excel, JPEG, PNG or ZIP."})


class FundingReviewSchema(FiledFundingRequestSchema):
    """A request with what its reviewers weigh: the project's evaluations and the agency's grades."""

    evaluations = fields.List(fields.Nested(EvaluationSchema), required=True,
                              metadata={"description": "The project's whole evaluation history, newest first."})
    agency_evaluations = fields.List(fields.Nested(AgencyEvaluationSchema), required=True, attribute="agency",
                                     metadata={"description": "Every graded evaluation of the agency's projects."})
    blocking_grade = fields.Function(lambda r: r.blocking.value if r.blocking else None, metadata={
        "type": "string", "nullable": True,
        "description": "The project's latest grade when it blocks approval under the Office's rule "
                       "(FUNDING_BLOCKING_GRADES), else null."})


@bp.route("")
@bp.arguments(FundingRequestListArgs, location="query")
@bp.response(200, page_of(FiledFundingRequestSchema))
@documented_errors(bp, 401, 422)
def list_requests(args):
    """List follow-on funding requests

    An agency sees its own; the Office (reviewers, leaders, administrators) all of them; others
    none. Newest first, each with its `deadline`; `level` filters by time-limit level.
    """
    return reads.list_funding_requests(actor(), **args)


@bp.route("/" + ID)
@bp.response(200, FundingReviewSchema)
@documented_errors(bp, 401, 404)
def get_request(request_id: int):
    """One funding request, with the project's evaluations and the agency's grades"""
    return reads.funding_review(actor(), request_id)


@bp.route(f"/{ID}/attachments", methods=["POST"])
@bp.doc(**multipart_request_body(FundingAttachmentUploadSchema))
@bp.response(201, FundingAttachmentSchema)
@documented_errors(bp, 400, 401, 403, 404, 409, 413, 422)
def upload_attachment(request_id: int):
    """Upload an attachment

    multipart/form-data with `kind` (funding_plan, budget, results_report, other) and `file`;
    the same types and size limit as an application's attachments. Only the agency, while the
    request awaits review or is returned (409 otherwise).
    """
    refuse_unknown_parts(FundingAttachmentUploadSchema)
    upload = request.files.get("file")
    if upload is None:
        raise Invalid({"file": str(_l("Choose a file to upload."))})
    with transaction():
        return funding.add_funding_attachment(actor(), request_id, request.form.get("kind", ""),
                                              upload.filename, upload.stream)


@bp.route(f"/{ID}/attachments/{ATTACHMENT}")
@bp.doc(responses={"200": {"description": "The file, with its original name, as the type judged at upload.",
                           "content": {content_type: {"schema": {"type": "string", "format": "binary"}}
                                       for content_type in sorted(set(CONTENT_TYPES.values()))}}})
@documented_errors(bp, 401, 404)
def download_attachment(request_id: int, attachment_id: int):
    """Download an attachment"""
    attachment, path = funding.open_funding_attachment(actor(), attachment_id, request_id)
    return send_file(path, mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.display_name, etag=attachment.sha256, conditional=True)


@bp.route(f"/{ID}/attachments/{ATTACHMENT}", methods=["DELETE"])
@bp.response(204)
@documented_errors(bp, 401, 403, 404, 409)
def delete_attachment(request_id: int, attachment_id: int):
    """Remove an attachment

    Only the agency, while the request awaits review or is returned for revision (else 409); the
    history keeps the file's name and digest.
    """
    with transaction():
        funding.remove_funding_attachment(actor(), attachment_id, request_id)


add_workflow_routes(bp, "funding_request")
