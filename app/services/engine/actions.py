"""Perform any workflow action by name: the web's generic action form and the API's
"perform an action" endpoint both come here, so each trigger has exactly one verb."""
from __future__ import annotations

from typing import Callable

from flask_babel import lazy_gettext as _l

from app.errors import Invalid
from app.models import User
from app.services.commands import acceptance
from app.services.commands import applications
from app.services.commands import checks
from app.services.commands import demonstration
from app.services.commands import endorsement as escalation
from app.services.commands import evaluation
from app.services.commands import projects
from app.services.commands import review
from app.services.engine.loading import load_visible
from app.services.engine.fire import KINDS, MODEL_OF, available_steps

Verb = Callable[..., object]  # (actor, entity_id, data, expected_version) -> entity

VERBS: dict[str, dict[str, Verb]] = {
    "application": {
        "submit": lambda actor, i, data, v: applications.submit_application(actor, i, v),
        "withdraw": applications.withdraw_application,
        "resubmit": applications.resubmit_application,
        "endorse": escalation.endorse,
        "return_to_applicant": escalation.return_to_applicant,
        "override_plan_gate": review.override_plan_gate,
        "record_joint_opinion": review.record_joint_opinion,
        "approve_project": projects.approve_project,
        **{t: (lambda t: lambda actor, i, data, v: review.decide(actor, i, t, data, v))(t)
           for t in review.PLAIN_STEPS},
    },
    "project": {
        "request_acceptance": projects.request_acceptance,
        "terminate": projects.terminate_project,
        "close": projects.close_project,
        "select_demonstration": demonstration.select_demonstration,
        "complete_acceptance": projects.complete_acceptance,
    },
    "midterm_check": {
        "submit_progress_report": checks.submit_progress_report,
        "pass_check": checks.pass_check,
        "order_rectification": checks.order_rectification,
        "submit_rectification": checks.submit_rectification,
        "terminate_project": checks.terminate_from_check,
    },
    "acceptance": {
        "form_panel": acceptance.form_panel,
        "submit_scores": acceptance.submit_scores,
        "conclude": acceptance.conclude,
        "sign_report": acceptance.sign_report,
        "seal_report": acceptance.seal_report,
        "request_reacceptance": acceptance.request_reacceptance,
    },
    "evaluation": {
        "submit_self_evaluation": evaluation.submit_self_evaluation,
        "score": evaluation.score_evaluation,
        **{t: (lambda t: lambda actor, i, data, v: evaluation.plain_evaluation_step(actor, i, t, data, v))(t)
           for t in ("confirm_grade", "return_self_evaluation", "rescore")},
    },
}



def perform(actor: User, kind: str, entity_id: int, trigger: str, data: dict | None = None,
            expected_version: int | None = None):
    """Run the verb behind ``trigger`` on the ``kind`` item ``entity_id``."""
    verb = VERBS.get(kind, {}).get(trigger)
    if verb is None:
        raise Invalid({"trigger": str(_l("Unknown action '%(trigger)s'.", trigger=trigger))})
    return verb(actor, entity_id, data or {}, expected_version)


def actions_for(actor: User, kind: str, entity_id: int):
    """(entity, the steps this actor may take on it now) — what the buttons and the API show."""
    model = MODEL_OF.get(kind)
    if model is None:
        raise Invalid({"kind": str(_l("Unknown kind of item."))})
    entity = load_visible(model, entity_id, actor)
    return entity, available_steps(entity, actor)


def missing_verbs() -> dict[str, list[str]]:
    """Triggers of each flow that have no verb (empty when every action can be performed)."""
    gaps = {kind: sorted(set(KINDS[model].flow.triggers) - set(VERBS[kind])) for kind, model in MODEL_OF.items()}
    return {kind: triggers for kind, triggers in gaps.items() if triggers}


__all__ = ["VERBS", "perform", "actions_for"]
