"""Mid-term checks (中期检查), acceptance rounds with their expert panels and scores (验收),
and performance evaluations (绩效评估): lists, details, opening, and the workflow."""
from __future__ import annotations

from flask import send_file

from app.api.auth import actor, json_body
from app.api.blueprint import api_blueprint, documented_errors
from app.api.schemas import (
    AcceptanceDetailSchema,
    AcceptanceListArgs,
    AcceptanceSchema,
    EvaluationListArgs,
    EvaluationSchema,
    MaterialSchema,
    MidtermCheckListArgs,
    MidtermCheckSchema,
    OpenChecksSchema,
    OpenEvaluationsSchema,
    page_of,
)
from app.api.workflow import add_workflow_routes
from app.database import transaction
from app.schemas import load
from app.services.commands import checks, evaluation, materials
from app.services.commands.attachments import CONTENT_TYPES
from app.services.reads import projects as reads

ID = "<id:entity_id>"

checks_bp = api_blueprint("midterm_checks", "/midterm-checks",
                          "Yearly mid-term checks of projects under construction.")
acceptances = api_blueprint("acceptances", "/acceptances",
                            "Acceptance rounds: the expert panel, scores, conclusion, signatures.")
evaluations = api_blueprint("evaluations", "/evaluations",
                            "Periodic performance evaluations and their grades.")


@checks_bp.route("")
@checks_bp.arguments(MidtermCheckListArgs, location="query")
@checks_bp.response(200, page_of(MidtermCheckSchema))
@documented_errors(checks_bp, 401, 422)
def list_checks(args):
    """List mid-term checks

    The checks of the projects the caller may see, newest first. With `level` (on_time, due_soon, overdue) only the rows at that time-limit level (黄牌/红牌);
    every row has its `deadline`.
    """
    return reads.list_midterm_checks(actor(), **args)


@checks_bp.route("", methods=["POST"])
@checks_bp.doc(requestBody={"required": True, "content": {"application/json": {"schema": OpenChecksSchema}}})
@checks_bp.response(201, MidtermCheckSchema(many=True))
@documented_errors(checks_bp, 400, 401, 403, 422)
def open_checks():
    """Open a year's checks

    Opens the year's check for every project under construction that has none (office
    reviewers; idempotent). Returns the checks opened now.
    """
    data = load(OpenChecksSchema(), json_body())
    with transaction():
        return checks.open_checks(actor(), data["year"])


@checks_bp.route("/" + ID)
@checks_bp.response(200, MidtermCheckSchema)
@documented_errors(checks_bp, 401, 404)
def get_check(entity_id: int):
    """One mid-term check"""
    return reads.midterm_check_detail(actor(), entity_id)


@acceptances.route("")
@acceptances.arguments(AcceptanceListArgs, location="query")
@acceptances.response(200, page_of(AcceptanceSchema))
@documented_errors(acceptances, 401, 422)
def list_acceptances(args):
    """List acceptance rounds

    Experts see the rounds of the panels they sit on; agencies their own projects'. With `level` (on_time, due_soon, overdue) only the rows at that time-limit level (黄牌/红牌);
    every row has its `deadline`.
    """
    return reads.list_acceptances(actor(), **args)


@acceptances.route("/" + ID)
@acceptances.response(200, AcceptanceDetailSchema)
@documented_errors(acceptances, 401, 404)
def get_acceptance(entity_id: int):
    """One acceptance round, with its panel and scores"""
    return reads.acceptance_detail(actor(), entity_id)


@evaluations.route("")
@evaluations.arguments(EvaluationListArgs, location="query")
@evaluations.response(200, page_of(EvaluationSchema))
@documented_errors(evaluations, 401, 422)
def list_evaluations(args):
    """List performance evaluations

    Newest first. With `level` (on_time, due_soon, overdue) only the rows at that time-limit level (黄牌/红牌);
    every row has its `deadline`.
    """
    return reads.list_evaluations(actor(), **args)


@evaluations.route("", methods=["POST"])
@evaluations.doc(requestBody={"required": True,
                              "content": {"application/json": {"schema": OpenEvaluationsSchema}}})
@evaluations.response(201, EvaluationSchema(many=True))
@documented_errors(evaluations, 400, 401, 403, 422)
def open_evaluations():
    """Open a period's evaluations

    For every accepted project without one for the period (or only the listed projects).
    Office reviewers only. Returns the evaluations opened now.
    """
    data = load(OpenEvaluationsSchema(), json_body())
    with transaction():
        return evaluation.open_evaluations(actor(), data["period"], data["project_ids"])


@evaluations.route("/" + ID)
@evaluations.response(200, EvaluationSchema)
@documented_errors(evaluations, 401, 404)
def get_evaluation(entity_id: int):
    """One evaluation"""
    return reads.evaluation_detail(actor(), entity_id)


add_workflow_routes(checks_bp, "midterm_check")
add_workflow_routes(acceptances, "acceptance")
add_workflow_routes(evaluations, "evaluation")


def _add_materials_route(bp, kind: str) -> None:
    @bp.route(f"/{ID}/materials", endpoint="materials")
    @bp.response(200, MaterialSchema(many=True))
    @documented_errors(bp, 401, 404)
    def list_materials(entity_id: int):
        """Its materials

        The files handed in with its steps (进展报告, 整改报告, 竣工报告, 财务审计报告, 测试报告, 用户使用报告),
        for whoever may see it (a panel expert: only their own panels' acceptance rounds).
        """
        return materials.list_materials(actor(), kind, entity_id)


for _bp, _kind in ((checks_bp, "midterm_check"), (acceptances, "acceptance"), (evaluations, "evaluation")):
    _add_materials_route(_bp, _kind)

materials_bp = api_blueprint("materials", "/materials", "Materials handed in with the projects' stages.")


@materials_bp.route("/<id:material_id>")
@materials_bp.doc(responses={"200": {"description": "The file, with its original name, as the type judged at upload.",
                                     "content": {t: {"schema": {"type": "string", "format": "binary"}}
                                                 for t in sorted(set(CONTENT_TYPES.values()))}}})
@documented_errors(materials_bp, 401, 404)
def download_material(material_id: int):
    """Download a material

    The stored bytes with the content type judged at upload and the client's original name;
    404 for whoever may not see its stage (a panel expert: only their own panels).
    """
    material, path = materials.open_material(actor(), material_id)
    return send_file(path, mimetype=material.content_type, as_attachment=True,
                     download_name=material.display_name, etag=material.sha256, conditional=True)


BLUEPRINTS = [checks_bp, acceptances, evaluations, materials_bp]
