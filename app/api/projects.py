"""Projects (立项 onwards): list, detail, the agency's evaluation history, follow-on funding
requests, and the workflow."""
from __future__ import annotations

from io import BytesIO

from flask import send_file

from app.api.auth import actor, json_body
from app.api.blueprint import api_blueprint, documented_errors, json_request_body
from app.api.errors import error_response
from app.api.schemas import (
    AgencyEvaluationSchema,
    DossierExportSchema,
    FiledFundingRequestSchema,
    ProjectListArgs,
    ProjectSchema,
    page_of,
)
from app.api.workflow import add_workflow_routes
from app.database import transaction
from app.schemas import FundingRequestSchema
from app.services.commands import funding
from app.services.documents import dossier_exports as exports
from app.services.reads import projects as reads

ID = "<id:project_id>"

bp = api_blueprint("projects", "/projects",
                   "Approved projects: construction, acceptance, evaluation, demonstration.")


@bp.route("")
@bp.arguments(ProjectListArgs, location="query")
@bp.response(200, page_of(ProjectSchema))
@documented_errors(bp, 401, 422)
def list_projects(args):
    """List projects

    The projects the caller may see, newest first. A project's deadline is its most pressing
    open check, acceptance or evaluation's. With `level` (on_time, due_soon, overdue) only the rows at that time-limit level (黄牌/红牌);
    every row has its `deadline`.
    """
    return reads.list_projects(actor(), **args)


@bp.route("/" + ID)
@bp.response(200, ProjectSchema)
@documented_errors(bp, 401, 404)
def get_project(project_id: int):
    """One project"""
    return reads.project_detail(actor(), project_id)


@bp.route(f"/{ID}/agency-evaluations")
@bp.response(200, AgencyEvaluationSchema(many=True))
@documented_errors(bp, 401, 404)
def agency_evaluations(project_id: int):
    """The agency's evaluation history

    Every graded evaluation of the agency's projects, newest first — shown beside a
    follow-on funding request.
    """
    return reads.agency_history(actor(), "project", project_id)


ZIP_RESPONSE = {"200": {"description": "The dossier: a ZIP archive whose manifest is sealed by the Office.",
                        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}}
RETRY = {"Retry-After": str(exports.RETRY_AFTER)}


def _zip(open_):
    try:
        with transaction():
            opened = open_()
    except exports.StillBuilding as pending:
        return error_response(409, str(pending), headers=RETRY)
    return send_file(BytesIO(opened.data), mimetype="application/zip", as_attachment=True,
                     download_name=opened.filename)


@bp.route(f"/{ID}/dossier", methods=["POST"])
@bp.response(202, DossierExportSchema, description="The export: being built, or a ready one still current.")
@documented_errors(bp, 401, 403, 404)
def request_dossier(project_id: int):
    """Build the project's dossier (一项目一档)

    One ZIP archive: every issued document of the project and its application, mid-term
    checks, acceptances and evaluations in its final version; every attachment; the complete
    history as PDF and JSON; the audit records with their hashes and the digest rule; a
    manifest (`manifest.xml`, after DA/T 48-2009) of every file with its SHA-256 and size,
    sealed with the Office's detached CMS signature (`manifest.xml.p7s`), and the CA
    certificate to check it offline. A job builds and seals it: the answer is 202 with the
    export (`Location`: its status) — the one being built if there is one, a ready one if the
    project has not changed since (then `status` is already `ready`), else a new one. Poll
    `links.self`, then download `links.download` (or `GET …/dossier` for the latest). For the
    Office's reviewers and leaders and the applicant agency for its own project (403 for others
    who see the project; 404 for a project the caller may not see).
    """
    with transaction():
        export_id = exports.request(actor(), project_id).id
    with transaction():  # after the commit: without a queue its job has run already
        found = exports.status(actor(), project_id, export_id)
    return found, 202, {"Location": DossierExportSchema().dump(found)["links"]["self"]}


@bp.route(f"/{ID}/dossier")
@bp.doc(responses=ZIP_RESPONSE)
@documented_errors(bp, 401, 403, 404, 409)
def dossier(project_id: int):
    """Download the project's latest dossier

    The archive of the latest export requested with `POST …/dossier`, if it is ready and still
    current. 404 when none was requested; 409 with `Retry-After` while it is being built; 409
    without it when it failed or the project has changed since (request it again).
    """
    return _zip(lambda: exports.open_latest(actor(), project_id))


@bp.route(f"/{ID}/dossier/exports/<id:export_id>")
@bp.response(200, DossierExportSchema)
@documented_errors(bp, 401, 403, 404)
def dossier_export(project_id: int, export_id: int):
    """One dossier export's status

    pending, ready or failed, and whether a ready archive is still current.
    """
    with transaction():
        return exports.status(actor(), project_id, export_id)


@bp.route(f"/{ID}/dossier/exports/<id:export_id>/file")
@bp.doc(responses=ZIP_RESPONSE)
@documented_errors(bp, 401, 403, 404, 409)
def dossier_export_file(project_id: int, export_id: int):
    """Download one dossier export

    Its archive once ready, even if the project has changed since; 409 with `Retry-After`
    while it is being built, 409 without it when it failed.
    """
    return _zip(lambda: exports.open_export(actor(), project_id, export_id))


@bp.route(f"/{ID}/funding-requests", methods=["POST"])
@bp.doc(**json_request_body(FundingRequestSchema))
@bp.response(201, FiledFundingRequestSchema)
@documented_errors(bp, 400, 401, 403, 404, 409, 422)
def request_funding(project_id: int):
    """Request follow-on funding · 后续资金申请

    The applicant agency, for its project once it has passed acceptance (409 before); the
    amount in 万元 (more than 0, else 422 on `amount`, nothing written) and its purpose. The
    request then waits for the Office's review (`funding_request` flow: see
    `/funding-requests`); add attachments with `POST /funding-requests/{id}/attachments`.
    Reviewers weigh it beside the project's evaluations and the agency's grades.
    """
    data = json_body()
    with transaction():
        return funding.file_funding_request(actor(), project_id, data)


add_workflow_routes(bp, "project")
