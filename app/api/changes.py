"""Change requests (变更/延期申请): list, one request, filing, material, and the workflow."""
from __future__ import annotations

from flask import request, send_file
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields

from app.api.auth import actor, json_body
from app.api.blueprint import (
    api_blueprint,
    documented_errors,
    json_request_body,
    multipart_request_body,
    refuse_unknown_parts,
)
from app.api.schemas import (
    ID_RANGE,
    DecimalString,
    EnumLabel,
    EnumValue,
    LevelArgs,
    PageArgs,
    SizeText,
    TimeLimitFields,
    UtcDateTime,
    _choices,
    page_of,
)
from app.api.workflow import add_workflow_routes
from app.database import transaction
from app.errors import Invalid
from app.schemas import ChangeRequestSchema, load
from app.services.commands import changes
from app.services.commands.attachments import CONTENT_TYPES
from app.services.reads import changes as reads
from workflows.change_request import ChangeRequestState, ChangeType

ID = "<id:entity_id>"

bp = api_blueprint("change_requests", "/change-requests",
                   "Change requests (变更/延期申请) of projects under construction: budget, content, "
                   "construction period, extension, contact.")


class ChangeAttachmentSchema(Schema):
    id = fields.Integer(required=True)
    change_request_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    display_name = fields.String(required=True)
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "In bytes."})
    size_text = SizeText()
    content_type = fields.String(required=True)
    uploaded_at = UtcDateTime(required=True)


class ChangeSchema(Schema):
    field = fields.String(required=True, metadata={"description": "approved_budget, starts_on, ends_on, content, "
                                                                   "contact_name or contact_phone."})
    old = fields.String(required=True)
    new = fields.String(required=True)


class ChangeRequestOutSchema(TimeLimitFields):
    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    change_type = EnumValue(required=True)
    change_type_label = EnumLabel("change_type")
    reason = fields.String(required=True)
    new_budget = DecimalString(allow_none=True)
    new_starts_on = fields.Date(allow_none=True)
    new_ends_on = fields.Date(allow_none=True)
    new_content = fields.String()
    new_contact_name = fields.String()
    new_contact_phone = fields.String()
    state = EnumValue(required=True)
    state_label = EnumLabel("state")
    version = fields.Integer(required=True)
    flow_version = fields.Integer(required=True)
    created_at = UtcDateTime(required=True)
    stage_entered_at = UtcDateTime(required=True)
    attachments = fields.List(fields.Nested(ChangeAttachmentSchema), dump_only=True)
    changes = fields.Method("_changes", metadata={"description": "What the request changes: the value before "
                                                                 "(as recorded at the decision once approved) and the new one."})

    def _changes(self, obj) -> list[dict]:
        return reads.what_changes(obj)


class ChangeRequestListArgs(PageArgs, LevelArgs):
    project_id = fields.Integer(validate=ID_RANGE)
    state = fields.String(validate=_choices(ChangeRequestState))
    change_type = fields.String(validate=_choices(ChangeType))


class FileChangeRequestSchema(ChangeRequestSchema):
    """The body of filing: the project, then the request (app.schemas.ChangeRequestSchema)."""

    project_id = fields.Integer(required=True, validate=ID_RANGE)


class ProjectRefSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    project_id = fields.Integer(required=True, validate=ID_RANGE,
                                error_messages={"required": _l("This field is required.")})


class ChangeAttachmentUploadSchema(Schema):
    kind = fields.String(required=True, metadata={"description": ", ".join(changes.ATTACHMENT_KINDS)})
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


@bp.route("")
@bp.arguments(ChangeRequestListArgs, location="query")
@bp.response(200, page_of(ChangeRequestOutSchema))
@documented_errors(bp, 401, 403, 422)
def list_change_requests(args):
    """List change requests

    The change requests the caller may see (the agency its own, an IT office its area, the
    Office all), newest first; filter by project, stage, type and time-limit level.
    """
    return reads.list_change_requests(actor(), **args)


@bp.route("", methods=["POST"])
@bp.doc(**json_request_body(FileChangeRequestSchema))
@bp.response(201, ChangeRequestOutSchema)
@documented_errors(bp, 400, 401, 403, 404, 409, 422)
def file_change_request():
    """File a change request · 申请变更

    The applicant agency, for its own project under construction (409 otherwise, or while the
    project has another open request). `change_type` is budget (`new_budget`), scope
    (`new_content`), period (`new_ends_on`, optionally `new_starts_on`), extension
    (`new_ends_on`, later than the project's end) or contact (`new_contact_name`,
    `new_contact_phone`); `reason` is required. Attach material with the attachments operation.
    """
    data = json_body()
    project_id = load(ProjectRefSchema(), data)["project_id"]
    with transaction():
        cr = changes.file_change_request(actor(), project_id, data)
    return reads.change_request_detail(actor(), cr.id)


@bp.route("/" + ID)
@bp.response(200, ChangeRequestOutSchema)
@documented_errors(bp, 401, 404)
def get_change_request(entity_id: int):
    """One change request"""
    return reads.change_request_detail(actor(), entity_id)


@bp.route(f"/{ID}/attachments", methods=["POST"])
@bp.doc(**multipart_request_body(ChangeAttachmentUploadSchema))
@bp.response(201, ChangeAttachmentSchema)
@documented_errors(bp, 400, 401, 403, 404, 409, 413, 422)
def upload_change_attachment(entity_id: int):
    """Attach material

    multipart/form-data with `kind` (change_form, evidence, budget, other) and `file`; the same
    types and size limit as an application's attachments. Only the agency, while the request
    awaits review or revision.
    """
    refuse_unknown_parts(ChangeAttachmentUploadSchema)
    upload = request.files.get("file")
    if upload is None:
        raise Invalid({"file": str(_l("Choose a file to upload."))})
    with transaction():
        return changes.add_change_attachment(actor(), entity_id, request.form.get("kind", ""),
                                             upload.filename, upload.stream)


@bp.route(f"/{ID}/attachments/<id:attachment_id>")
@bp.doc(responses={"200": {"description": "The file, with its original name, as the type judged at upload.",
                           "content": {content_type: {"schema": {"type": "string", "format": "binary"}}
                                       for content_type in sorted(set(CONTENT_TYPES.values()))}}})
@documented_errors(bp, 401, 404)
def download_change_attachment(entity_id: int, attachment_id: int):
    """Download material"""
    item, path = changes.open_change_attachment(actor(), entity_id, attachment_id)
    return send_file(path, mimetype=item.content_type, as_attachment=True, download_name=item.display_name)


@bp.route(f"/{ID}/attachments/<id:attachment_id>", methods=["DELETE"])
@bp.response(204)
@documented_errors(bp, 401, 403, 404, 409)
def delete_change_attachment(entity_id: int, attachment_id: int):
    """Remove material

    Only the agency, while the request awaits review or revision (else 409); the history keeps
    the file's name and digest.
    """
    with transaction():
        changes.remove_change_attachment(actor(), entity_id, attachment_id)


add_workflow_routes(bp, "change_request")
