"""Projects (立项 onwards): list, detail, the agency's evaluation history, follow-on funding
requests, and the workflow."""
from __future__ import annotations

from app.api.auth import actor, json_body
from app.api.blueprint import api_blueprint, documented_errors, json_request_body
from app.api.schemas import (
    AgencyEvaluationSchema,
    FiledFundingRequestSchema,
    ProjectListArgs,
    ProjectSchema,
    page_of,
)
from app.api.workflow import add_workflow_routes
from app.database import transaction
from app.schemas import FundingRequestSchema
from app.services.commands import projects
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


@bp.route(f"/{ID}/funding-requests", methods=["POST"])
@bp.doc(**json_request_body(FundingRequestSchema))
@bp.response(201, FiledFundingRequestSchema)
@documented_errors(bp, 400, 401, 403, 404, 409, 422)
def request_funding(project_id: int):
    """Request follow-on funding · 后续资金申请

    The applicant agency, for its project once it has passed acceptance (409 before); the
    amount in 万元 and its purpose. Reviewers weigh it beside the agency's evaluation history.
    """
    data = json_body()
    with transaction():
        return projects.request_follow_on_funding(actor(), project_id, data)


add_workflow_routes(bp, "project")
