"""The province's review: 初审, the plan-gate override, 领导审批, and the joint 复审."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.errors import Invalid
from app.extensions import db
from app.models import Application, JointOpinion, User
from app.schemas import JointOpinionSchema, OpinionSchema, load
from app.services.engine.loading import load_visible
from app.services.engine.fire import fire
from workflows.application import ApplicationState

# Steps that need nothing beyond the opinion: one generic verb serves them all.
PLAIN_STEPS = frozenset({
    "pass_initial_review", "return_for_revision", "refuse", "leader_approve", "leader_return",
    "leader_reject", "re_review_approve", "re_review_return", "re_review_reject",
})


def decide(actor: User, application_id: int, trigger: str, data: dict,
           expected_version: int | None = None) -> Application:
    """Take one of the reviewers' plain decisions on an application, with the written opinion."""
    if trigger not in PLAIN_STEPS:
        raise Invalid({"trigger": str(_l("Unknown action '%(trigger)s'.", trigger=trigger))})
    app = load_visible(Application, application_id, actor)
    fire(app, trigger, actor, opinion=load(OpinionSchema(), data)["opinion"],
         expected_version=expected_version)
    resume_re_review(app)
    return app


def override_plan_gate(actor: User, application_id: int, data: dict,
                       expected_version: int | None = None) -> Application:
    """A leader lets an off-plan pilot through, with a written reason that stays on record."""
    app = load_visible(Application, application_id, actor)
    fire(app, "override_plan_gate", actor, opinion=load(OpinionSchema(), data)["opinion"],
         expected_version=expected_version)
    app.plan_overridden_by_id = actor.id
    return app


def record_joint_opinion(actor: User, application_id: int, data: dict,
                         expected_version: int | None = None) -> JointOpinion:
    fields = load(JointOpinionSchema(), data)
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


def resume_re_review(app: Application) -> None:
    """Each entry into 复审 (after leader approval or a revision) starts a fresh round of opinions."""
    if app.state == ApplicationState.RE_REVIEW:
        app.re_review_round += 1
