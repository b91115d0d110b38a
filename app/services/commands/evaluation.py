"""绩效评估: periodic evaluations of accepted projects — self-evaluation, scores, grade."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import policies
from app.errors import Invalid
from app.extensions import db
from app.models import Evaluation, Project, User
from app.models.base import utcnow
from app.schemas import EvaluationScoreSchema, ReportSchema
from app.services.commands import materials
from app.services.documents import issuing
from app.services.engine.actions import verb
from app.services.engine.fire import fire
from app.services.engine.loading import load_visible
from app.services.engine.opening import open_each
from workflows.evaluation import WEIGHTS, grade_for
from workflows.project import ProjectState

EVALUATED_STATES = (ProjectState.EVALUATION, ProjectState.DEMONSTRATION)
# A period is named as the scheduler names it (``openings``): the year, its half, its quarter or
# its month — 2027, 2027H1, 2027Q3, 2027-05 — and a re-evaluation of one (复评) after it: 2027复评.
PERIOD = re.compile(r"[0-9]{4}(?:H[12]|Q[1-4]|-(?:0[1-9]|1[0-2]))?(?:复评)?")


def period_name(text: str | None) -> str:
    """The period as stored: full-width digits and lower case made plain (２０２７h1 is 2027H1),
    anything else refused, so that two periods never merely look alike."""
    period = unicodedata.normalize("NFKC", text or "").strip().upper()
    if not PERIOD.fullmatch(period):
        raise Invalid({"period": str(_l("Name the period, e.g. 2027 or 2027H1."))})
    return period


def open_evaluations(actor: User, period: str, project_ids: list[int] | None = None) -> list[Evaluation]:
    """Open the period's evaluation for accepted projects that have none for it yet."""
    policies.require("office_reviewer", actor)
    return _open_evaluations(actor, "office_reviewer", period, project_ids)


def open_evaluations_as_system(period: str, project_ids: list[int] | None = None) -> list[Evaluation]:
    """The scheduled opening (``openings``): no human policy, audited with no actor, role "system"."""
    return _open_evaluations(None, "system", period, project_ids)


def evaluations_to_open(actor: User, period: str) -> int:
    """How many projects opening the period's evaluations would touch now (what the Office confirms)."""
    policies.require("office_reviewer", actor)
    query = _due_for_evaluation(period_name(period), None)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def _due_for_evaluation(period: str, project_ids: list[int] | None) -> sa.Select:
    """Accepted projects (of ``project_ids``, if given) without an evaluation for ``period``."""
    have = sa.select(Evaluation.project_id).where(Evaluation.period == period)
    query = sa.select(Project).where(Project.state.in_(EVALUATED_STATES), Project.id.not_in(have))
    if project_ids is not None:
        query = query.where(Project.id.in_(project_ids))
    return query.order_by(Project.id)


def _open_evaluations(actor: User | None, role: str, period: str,
                      project_ids: list[int] | None) -> list[Evaluation]:
    period = period_name(period)
    return open_each(_due_for_evaluation(period, project_ids),
                     lambda project: Evaluation(project_id=project.id, organisation_id=project.organisation_id,
                                                period=period),
                     lambda project: {"project_id": project.id, "period": period},
                     kind="evaluation", actor=actor, role=role)


@verb("evaluation", "submit_self_evaluation", schema=ReportSchema)
def submit_self_evaluation(actor: User, evaluation_id: int, fields: dict,
                           expected_version: int | None = None) -> Evaluation:
    ev = load_visible(Evaluation, evaluation_id, actor)
    fire(ev, "submit_self_evaluation", actor, opinion=fields["opinion"], expected_version=expected_version,
         changes={"self_report": fields["report"]})
    materials.attach(actor, "evaluation", ev, "submit_self_evaluation", fields["materials"])
    return ev


@verb("evaluation", "score", schema=EvaluationScoreSchema)
def score_evaluation(actor: User, evaluation_id: int, fields: dict,
                     expected_version: int | None = None) -> Evaluation:
    """The office's scores; the weighted total proposes a grade that the leader confirms."""
    ev = load_visible(Evaluation, evaluation_id, actor)
    scores = {k: Decimal(fields[k]) for k in WEIGHTS}
    total = sum(scores[k] * w for k, w in WEIGHTS.items()).quantize(Decimal("0.01"))
    fire(ev, "score", actor, opinion=fields["opinion"], expected_version=expected_version,
         payload={**{k: str(v) for k, v in scores.items()}, "total": str(total)},
         changes={**scores, "total_score": total, "grade": grade_for(total)})
    return ev


@verb("evaluation", "confirm_grade")
def confirm_grade(actor: User, evaluation_id: int, fields: dict,
                  expected_version: int | None = None) -> Evaluation:
    ev = load_visible(Evaluation, evaluation_id, actor)
    fire(ev, "confirm_grade", actor, opinion=fields["opinion"], expected_version=expected_version,
         payload={"grade": ev.grade}, changes={"graded_at": utcnow()})
    issuing.reserve("evaluation_report", ev, actor)  # 绩效评估报告: rendered after commit
    return ev
