"""Issued documents (申报书, 立项批复, 验收报告…): download and verification."""
from __future__ import annotations

from io import BytesIO

from flask import send_file
from flask_smorest.fields import Upload
from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from app.api.auth import actor
from app.api.blueprint import api_blueprint, documented_errors, refuse_unknown_parts
from app.api.errors import error_response
from app.api.schemas import UtcDateTime
from app.documents.verify import ROLES, UNKNOWN_SIGNER, role_of
from app.services.documents import dossier_check, issuing


class DocumentDownloadArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    version = fields.Integer(validate=validate.Range(min=1, max=1000), metadata={
        "description": "1-based version (rendered, then one per signature); the current one by default."})


class VerifyNumberArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    number = fields.String(required=True, validate=validate.Length(min=1, max=48))


class IssuedMatchSchema(Schema):
    number = fields.String(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    issued_at = UtcDateTime(required=True)
    position = fields.Integer(required=True)
    versions = fields.Integer(required=True)
    finalised = fields.Boolean(required=True)
    is_current = fields.Boolean(required=True)


def _beijing(sig) -> str | None:
    return issuing.local_time(sig.signed_at).isoformat() if sig.signed_at else None


class SignatureReportSchema(Schema):
    role = fields.Function(role_of, required=True, metadata={
        "type": "string", "enum": [*ROLES.values(), UNKNOWN_SIGNER],
        "description": "chair (专家组组长), expert (专家), office (省信息办, the Office's seal) — or unknown: "
                       "a role is believed only from a signature the deployment trusts."})
    signer_name = fields.String(required=True)
    signed_at = UtcDateTime(allow_none=True)
    signed_at_beijing = fields.Function(_beijing, metadata={
        "type": "string", "format": "date-time", "nullable": True,
        "description": "The signing time in Beijing time (+08:00)."})
    intact = fields.Boolean(required=True)
    trusted = fields.Boolean(required=True)
    bottom_line = fields.Boolean(required=True)
    covers_entire_file = fields.Boolean(required=True)
    modification_level = fields.String(required=True)
    locks_document = fields.Boolean(required=True)
    problem = fields.String()


class SealReportSchema(Schema):
    valid = fields.Boolean(required=True)
    covers_data = fields.Boolean(required=True, metadata={"description": "The signature covers this manifest."})
    intact = fields.Boolean(required=True)
    trusted = fields.Boolean(required=True, metadata={"description": "Issued by the deployment CA."})
    signer = fields.String(required=True)
    signed_at = UtcDateTime(allow_none=True)
    problem = fields.String()


class MemberCheckSchema(Schema):
    path = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "intact, altered, missing or added"})
    expected_sha256 = fields.String()
    actual_sha256 = fields.String()


class DocumentCheckSchema(Schema):
    path = fields.String(required=True)
    number = fields.String(required=True)
    verdict = fields.String(required=True)
    problems = fields.List(fields.String())


class DossierCheckSchema(Schema):
    project = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "The project's metadata from the manifest (项目编号, 题名, …)."})
    created_at = fields.String(metadata={"description": "When the dossier was sealed (Beijing time)."})
    seal = fields.Nested(SealReportSchema, required=True)
    members = fields.List(fields.Nested(MemberCheckSchema), required=True)
    documents = fields.List(fields.Nested(DocumentCheckSchema), required=True)
    audit_checked = fields.Integer(required=True)
    audit_failed = fields.List(fields.Integer())


class VerificationSchema(Schema):
    verdict = fields.String(required=True, metadata={
        "description": "authentic (issued and sealed), superseded, unsigned (issued, no signature), altered, untrusted "
        "(signed by someone the deployment does not know), not_issued, unreadable or not_found"})
    ok = fields.Boolean(required=True)
    sha256 = fields.String(allow_none=True)
    match = fields.Nested(IssuedMatchSchema, allow_none=True)
    signatures = fields.List(fields.Nested(SignatureReportSchema))
    problems = fields.List(fields.String())
    dossier = fields.Nested(DossierCheckSchema, metadata={
        "description": "Only for a dossier ZIP: its seal, every member, each document's verdict and the audit "
                       "records. `verdict` is then authentic (intact) or altered."})


bp = api_blueprint("documents", "/documents", "Issued PDF documents: download and verify authenticity.")
PDF_RESPONSE = {"200": {"description": "The PDF.",
                        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}


class VerifyFile(Schema):
    class Meta:
        unknown = RAISE  # any other part is refused (``refuse_unknown_parts``)

    file = Upload(required=True, metadata={"description": "The PDF or project dossier ZIP to check."})


@bp.route("/<id:document_id>")
@bp.arguments(DocumentDownloadArgs, location="query")
@bp.doc(responses=PDF_RESPONSE)
@documented_errors(bp, 401, 404, 409, 422)
def download(args, document_id: int):
    """Download a document

    If the caller may see the item it belongs to (the same rule as that item's page). A
    document numbered by a decision is rendered by a job moments later: until then the answer
    is 409 with a `Retry-After` header and the message that it is still being generated.
    """
    try:
        opened = issuing.open_document(actor(), document_id, args.get("version"))
    except issuing.StillRendering as pending:
        return error_response(409, str(pending), headers={"Retry-After": "2"})
    return send_file(BytesIO(opened.data), mimetype="application/pdf", as_attachment=True,
                     download_name=opened.filename)


@bp.route("/verify")
@bp.arguments(VerifyNumberArgs, location="query")
@bp.response(200, VerificationSchema)
@documented_errors(bp, 401, 422)
def verify_number(args):
    """Verify a document by its number

    The verdict on the file the system holds for that number now.
    """
    return issuing.verify_number(args["number"])


@bp.route("/verify", methods=["POST"])
@bp.arguments(VerifyFile, location="files")
@bp.response(200, VerificationSchema)
@documented_errors(bp, 401, 422)
def verify_file(files):
    """Verify a PDF file or a project dossier

    A PDF: each signature (validity and coverage of the whole file), and whether the system
    issued exactly these bytes; a file that is not a PDF, is truncated or cannot be read is
    refused (422) with the reason. A ZIP is checked as a project dossier: the Office's seal on
    its manifest, every member against the manifest (`dossier.members` names each file altered,
    added or missing), each document's own signatures and the audit records; a ZIP that
    cannot be read as a dossier (not one, too large once unpacked, too many members) is 422
    with the reason.
    """
    refuse_unknown_parts(VerifyFile)
    return dossier_check.verify_upload(files["file"].stream)
