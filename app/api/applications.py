"""Applications (申报): list with the web list's filters, file, edit a draft, attachments,
detail, the agency's evaluation history, and the workflow (actions, timeline)."""
from __future__ import annotations

from flask import request, send_file
from flask_babel import lazy_gettext as _l
from flask_smorest.fields import Upload
from marshmallow import RAISE, Schema, fields, validate

from app.api.auth import actor, expected_version, json_body
from app.api.blueprint import (
    api_blueprint,
    documented_errors,
    multipart_request_body,
    refuse_unknown_parts,
)
from app.api.schemas import (
    AgencyEvaluationSchema,
    ApplicationDetailSchema,
    ApplicationListArgs,
    ApplicationSummarySchema,
    AttachmentSchema,
    DocumentSchema,
    draft_body,
    page_of,
)
from app.api.workflow import add_workflow_routes
from app.database import transaction
from app.errors import Invalid
from app.schemas import ApplicationDraftSchema
from app.services.commands import applications, attachments
from app.services.documents import issuing
from app.services.reads import applications as reads
from app.services.reads.projects import agency_history

ID = "<id:application_id>"
ATTACHMENT = "<id:attachment_id>"

bp = api_blueprint("applications", "/applications",
                   "Pilot applications: filing, attachments and every step from draft to 立项.")


class AttachmentUploadSchema(Schema):
    """The multipart body of an upload: ``refuse_unknown_parts`` refuses any other part; the
    attachment service checks these."""

    class Meta:
        unknown = RAISE

    kind = fields.String(required=True, validate=validate.OneOf(list(attachments.KINDS)))
    file = Upload(required=True, metadata={"description": "PDF, Word, Excel, JPEG, PNG or ZIP."})


@bp.route("")
@bp.arguments(ApplicationListArgs, location="query")
@bp.response(200, page_of(ApplicationSummarySchema))
@documented_errors(bp, 401, 422)
def list_applications(args):
    """List applications

    The applications the caller may see, newest first, with the web list's filters.
    """
    page, per_page = args.pop("page"), args.pop("per_page")
    return reads.list_applications(actor(), reads.ApplicationFilters(**args), page, per_page)


@bp.route("", methods=["POST"])
@bp.doc(requestBody={"required": True, "content": {"application/json": {"schema": ApplicationDraftSchema}}})
@bp.response(201, ApplicationDetailSchema)
@documented_errors(bp, 400, 401, 403, 422)
def create_application():
    """File a new application (draft)

    Applicants only; the application belongs to the caller's organisation.
    """
    data = json_body()
    with transaction():
        app_id = applications.create_application(actor(), data).id
    return reads.application_detail(actor(), app_id)


@bp.route("/" + ID)
@bp.response(200, ApplicationDetailSchema)
@documented_errors(bp, 401, 404)
def get_application(application_id: int):
    """One application

    With its endorsement route, attachments and, once approved, its project's id.
    """
    return reads.application_detail(actor(), application_id)


@bp.route("/" + ID, methods=["PUT"])
@bp.doc(requestBody={"required": True, "content": {"application/json": {"schema": draft_body()}}})
@bp.response(200, ApplicationDetailSchema)
@documented_errors(bp, 400, 401, 403, 404, 409, 422)
def update_application(application_id: int):
    """Edit a draft or returned application

    The whole draft plus `version`, the version last seen (409 if someone acted first).
    """
    data = json_body()
    with transaction():
        applications.update_application(actor(), application_id, data, expected_version(data))
    return reads.application_detail(actor(), application_id)


@bp.route(f"/{ID}/attachments")
@bp.response(200, AttachmentSchema(many=True))
@documented_errors(bp, 401, 404)
def list_attachments(application_id: int):
    """The application's attachments"""
    return attachments.list_attachments(actor(), application_id)


@bp.route(f"/{ID}/attachments", methods=["POST"])
@bp.doc(**multipart_request_body(AttachmentUploadSchema))
@bp.response(201, AttachmentSchema)
@documented_errors(bp, 400, 401, 403, 404, 409, 413, 422)
def upload_attachment(application_id: int):
    """Upload an attachment

    multipart/form-data with `kind` (construction_plan, budget, feasibility, other) and `file`.
    The type is judged from the bytes; the size limit is the server's UPLOAD_MAX_BYTES.
    Only the applicant, on a draft or returned application.
    """
    refuse_unknown_parts(AttachmentUploadSchema)
    upload = request.files.get("file")
    if upload is None:
        raise Invalid({"file": str(_l("Choose a file to upload."))})
    with transaction():
        return attachments.add_attachment(actor(), application_id, request.form.get("kind", ""),
                                          upload.filename, upload.stream)


@bp.route(f"/{ID}/attachments/{ATTACHMENT}")
@bp.doc(responses={"200": {"description": "The file, with its original name, as the type judged at upload.",
                           "content": {content_type: {"schema": {"type": "string", "format": "binary"}}
                                       for content_type in sorted(set(attachments.CONTENT_TYPES.values()))}}})
@documented_errors(bp, 401, 404)
def download_attachment(application_id: int, attachment_id: int):
    """Download an attachment

    The stored bytes with the content type judged at upload and the client's original name.
    """
    attachment, path = attachments.open_attachment(actor(), attachment_id, application_id)
    return send_file(path, mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.display_name, etag=attachment.sha256, conditional=True)


@bp.route(f"/{ID}/attachments/{ATTACHMENT}", methods=["DELETE"])
@bp.response(204)
@documented_errors(bp, 401, 403, 404, 409)
def delete_attachment(application_id: int, attachment_id: int):
    """Remove an attachment (draft or returned application; the history keeps the record)"""
    with transaction():
        attachments.remove_attachment(actor(), attachment_id, application_id)


@bp.route(f"/{ID}/agency-evaluations")
@bp.response(200, AgencyEvaluationSchema(many=True))
@documented_errors(bp, 401, 404)
def agency_evaluations(application_id: int):
    """The filing agency's evaluation history

    Every graded performance evaluation of the agency's earlier projects, newest first —
    what reviewers weigh beside a new application.
    """
    return agency_history(actor(), "application", application_id)


@bp.route(f"/{ID}/application-form", methods=["POST"])
@bp.response(200, DocumentSchema)
@documented_errors(bp, 401, 403, 404)
def issue_application_form(application_id: int):
    """Issue the application form · 申报书

    The applicant agency or the Information Office prints the numbered 申报书 of the application
    as it is now; while the application is unchanged the same document comes back. Download the
    PDF at /api/v1/documents/{id}.
    """
    with transaction():
        return issuing.issue_application_form(actor(), application_id)


add_workflow_routes(bp, "application")
