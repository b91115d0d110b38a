"""The province's review: the plan-gate override, 领导审批's approval and the joint 复审 opinions.
(初审's and the other plain decisions need only an opinion: the generic verb takes them.)"""
from __future__ import annotations

from typing import Callable

from app.extensions import db
from app.models import Application, JointOpinion, User
from app.schemas import JointOpinionSchema
from app.services.engine.actions import verb
from app.services.engine.fire import fire
from app.services.engine.loading import load_visible
from workflows.application import ApplicationState


def next_re_review_round(app: Application) -> Callable[[ApplicationState], dict]:
    """Each entry into 复审 (after leader approval or a revision) starts a fresh round of opinions."""
    return lambda to: {"re_review_round": app.re_review_round + 1} if to == ApplicationState.RE_REVIEW else {}


@verb("application", "leader_approve")
def leader_approve(actor: User, application_id: int, fields: dict,
                   expected_version: int | None = None) -> Application:
    app = load_visible(Application, application_id, actor)
    fire(app, "leader_approve", actor, opinion=fields["opinion"], expected_version=expected_version,
         changes=next_re_review_round(app))
    return app


@verb("application", "override_plan_gate")
def override_plan_gate(actor: User, application_id: int, fields: dict,
                       expected_version: int | None = None) -> Application:
    """A leader lets an off-plan pilot through, with a written reason that stays on record."""
    app = load_visible(Application, application_id, actor)
    fire(app, "override_plan_gate", actor, opinion=fields["opinion"], expected_version=expected_version,
         changes={"plan_overridden_by_id": actor.id})
    return app


@verb("application", "record_joint_opinion", schema=JointOpinionSchema)
def record_joint_opinion(actor: User, application_id: int, fields: dict,
                         expected_version: int | None = None) -> JointOpinion:
    app = load_visible(Application, application_id, actor)
    fire(app, "record_joint_opinion", actor, opinion=fields["opinion"],
         payload={"recommendation": fields["recommendation"], "round": app.re_review_round},
         expected_version=expected_version)
    opinion = JointOpinion(application_id=app.id, round=app.re_review_round,
                           organisation_id=actor.organisation_id, reviewer_id=actor.id,
                           recommendation=fields["recommendation"], opinion=fields["opinion"])
    db.session.add(opinion)
    db.session.flush()
    return opinion
