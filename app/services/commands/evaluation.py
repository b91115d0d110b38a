"""绩效评估: periodic evaluations of accepted projects — self-evaluation, scores, grade."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import policies
from app.errors import Conflict, Denied, Invalid
from app.extensions import db
from app.models import Evaluation, Project, User
from app.models.base import utcnow
from app.schemas import EvaluationScoreSchema, OpinionSchema, ReportSchema, load
from app.services.records import audit
from app.services.documents import issuing as documents
from app.services.engine.loading import load_visible
from app.services.engine.fire import fire
from workflows.evaluation import Grade
from workflows.project import ProjectState

# Results weigh half, operation & maintenance 30 %, follow-on promotion 20 %.
WEIGHTS = {"results_score": Decimal("0.5"), "operation_score": Decimal("0.3"), "promotion_score": Decimal("0.2")}
GRADE_FLOORS = ((Decimal(90), Grade.EXCELLENT), (Decimal(75), Grade.GOOD), (Decimal(60), Grade.QUALIFIED))
EVALUATED_STATES = (ProjectState.EVALUATION, ProjectState.DEMONSTRATION)


def grade_for(total: Decimal) -> Grade:
    return next((g for floor, g in GRADE_FLOORS if total >= floor), Grade.UNQUALIFIED)


def open_evaluations(actor: User, period: str, project_ids: list[int] | None = None) -> list[Evaluation]:
    """Open the period's evaluation for accepted projects that have none for it yet."""
    decision = policies.check("office_reviewer", actor)
    if not decision:
        raise Denied(decision.reason)
    period = (period or "").strip()
    if not 4 <= len(period) <= 16:
        raise Invalid({"period": str(_l("Name the period, e.g. 2027 or 2027H1."))})
    have = sa.select(Evaluation.project_id).where(Evaluation.period == period)
    query = sa.select(Project).where(Project.state.in_(EVALUATED_STATES), Project.id.not_in(have))
    if project_ids is not None:
        query = query.where(Project.id.in_(project_ids))
    opened = []
    for project in db.session.scalars(query.order_by(Project.id)):
        ev = Evaluation(project_id=project.id, organisation_id=project.organisation_id, period=period)
        db.session.add(ev)
        db.session.flush()
        audit.record(entity_type="evaluation", entity_id=ev.id, trigger="open", actor=actor,
                     role="office_reviewer", to_state=ev.state.value,
                     payload={"project_id": project.id, "period": period})
        opened.append(ev)
    return opened


def submit_self_evaluation(actor: User, evaluation_id: int, data: dict,
                           expected_version: int | None = None) -> Evaluation:
    fields = load(ReportSchema(), data)
    ev = load_visible(Evaluation, evaluation_id, actor)
    fire(ev, "submit_self_evaluation", actor, opinion=fields["opinion"], expected_version=expected_version)
    ev.self_report = fields["report"]
    return ev


def score_evaluation(actor: User, evaluation_id: int, data: dict,
                     expected_version: int | None = None) -> Evaluation:
    fields = load(EvaluationScoreSchema(), data)
    ev = load_visible(Evaluation, evaluation_id, actor)
    scores = {k: Decimal(fields[k]) for k in WEIGHTS}
    for key, value in scores.items():
        setattr(ev, key, value)
    ev.total_score = sum(scores[k] * w for k, w in WEIGHTS.items()).quantize(Decimal("0.01"))
    ev.grade = grade_for(ev.total_score)  # proposed; the leader confirms it
    fire(ev, "score", actor, opinion=fields["opinion"], expected_version=expected_version,
         payload={**{k: str(v) for k, v in scores.items()}, "total": str(ev.total_score)})
    return ev


def plain_evaluation_step(actor: User, evaluation_id: int, trigger: str, data: dict,
                          expected_version: int | None = None) -> Evaluation:
    """confirm_grade, return_self_evaluation, rescore: decisions with nothing but an opinion."""
    if trigger not in ("confirm_grade", "return_self_evaluation", "rescore"):
        raise Invalid({"trigger": str(_l("Unknown action '%(trigger)s'.", trigger=trigger))})
    ev = load_visible(Evaluation, evaluation_id, actor)
    if trigger == "confirm_grade" and ev.grade is None:
        raise Conflict(str(_l("The evaluation has no scores yet.")))
    fire(ev, trigger, actor, opinion=load(OpinionSchema(), data)["opinion"],
         expected_version=expected_version, payload={"grade": ev.grade} if trigger == "confirm_grade" else None)
    if trigger == "confirm_grade":
        ev.graded_at = utcnow()
        documents.reserve("evaluation_report", ev, actor)  # 绩效评估报告: rendered after commit
    return ev
