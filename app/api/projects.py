"""Projects (立项 onwards): list, detail, the agency's evaluation history, and the workflow."""
from __future__ import annotations

from app.api.auth import actor
from app.api.blueprint import api_blueprint, documented_errors
from app.api.schemas import (
    AgencyEvaluationSchema,
    ProjectListArgs,
    ProjectSchema,
    page_of,
)
from app.api.workflow import add_workflow_routes
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

    The projects the caller may see, newest first.
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


add_workflow_routes(bp, "project")
