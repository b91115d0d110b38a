"""示范项目: selecting well-evaluated projects within the configured bounds, publishing the list."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app import policies
from app.errors import Conflict
from app.extensions import db
from app.models import DemonstrationPublication, Evaluation, Project, User
from app.models.base import utcnow
from app.schemas import OpinionSchema, load
from app.services.engine.actions import verb
from app.services.engine.fire import fire
from app.services.engine.guards import DEMONSTRATION_KEY, message
from app.services.engine.loading import load_visible
from app.services.records import audit, counters
from workflows.evaluation import EvaluationState, Grade
from workflows.project import ProjectState


def shortlist() -> list[tuple[Project, Evaluation]]:
    """Projects in evaluation whose latest graded evaluation is excellent or good, best first."""
    latest = (sa.select(Evaluation.project_id, sa.func.max(Evaluation.id).label("eid"))
              .where(Evaluation.state == EvaluationState.GRADED).group_by(Evaluation.project_id).subquery())
    rows = db.session.execute(
        sa.select(Project, Evaluation).options(joinedload(Project.organisation))
        .join(latest, latest.c.project_id == Project.id)
        .join(Evaluation, Evaluation.id == latest.c.eid)
        .where(Project.state == ProjectState.EVALUATION, Evaluation.grade.in_((Grade.EXCELLENT, Grade.GOOD)))
        .order_by(Evaluation.total_score.desc(), Project.id)).all()
    return [(p, e) for p, e in rows]


@verb("project", "select_demonstration")
def select_demonstration(actor: User, project_id: int, fields: dict,
                         expected_version: int | None = None) -> Project:
    project = load_visible(Project, project_id, actor)
    fire(project, "select_demonstration", actor, opinion=fields["opinion"],
         expected_version=expected_version, changes={"demonstration_selected_at": utcnow()})
    if counters.take(DEMONSTRATION_KEY, limit=current_app.config["DEMONSTRATION_MAX"]) is None:
        raise Conflict(message("demonstration_places_left"))
    return project


def publish_demonstrations(actor: User, data: dict) -> DemonstrationPublication:
    """Publish the list once it holds at least the configured minimum of projects."""
    policies.require("leader", actor)
    opinion = load(OpinionSchema(), data)["opinion"]
    ids = list(db.session.scalars(sa.select(Project.id).where(Project.state == ProjectState.DEMONSTRATION)
                                  .order_by(Project.id)))
    low, high = current_app.config["DEMONSTRATION_MIN"], current_app.config["DEMONSTRATION_MAX"]
    if not low <= len(ids) <= high:
        raise Conflict(str(_l("The list must hold %(low)d to %(high)d projects; it holds %(n)d.",
                              low=low, high=high, n=len(ids))))
    publication = DemonstrationPublication(published_by_id=actor.id, project_ids=ids)
    db.session.add(publication)
    db.session.flush()
    audit.record(entity_type="demonstration_list", entity_id=publication.id, trigger="publish", actor=actor,
                 role="leader", opinion=opinion, payload={"projects": ids})
    return publication
