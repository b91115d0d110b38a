"""The one code path that changes a workflow state.

fire(): policy (deny by default, with a reason) → guards → compare-and-set on (state, version)
→ audit record → outbox row. The caller owns the transaction; a lost race is a Conflict.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import object_session

from app import policies
from app.errors import Conflict, Denied, Invalid
from app.models import Acceptance, Application, Evaluation, MidtermCheck, Project, User
from app.models.base import utcnow
from app.services.records import audit
from app.services.engine import guards
from app.services.records.outbox import enqueue
from workflows import Flow, NoStep, Step
from workflows.acceptance import ACCEPTANCE
from workflows.application import APPLICATION
from workflows.evaluation import EVALUATION
from workflows.midterm_check import MIDTERM_CHECK
from workflows.project import PROJECT


@dataclass(frozen=True)
class Kind:
    name: str
    flow: Flow
    guards: Callable[..., guards.Guards]


KINDS: dict[type, Kind] = {
    Application: Kind("application", APPLICATION, guards.application_guards),
    Project: Kind("project", PROJECT, guards.project_guards),
    MidtermCheck: Kind("midterm_check", MIDTERM_CHECK, guards.no_guards),
    Acceptance: Kind("acceptance", ACCEPTANCE, guards.acceptance_guards),
    Evaluation: Kind("evaluation", EVALUATION, guards.no_guards),
}


# kind name ("application", "midterm_check", …) -> model, in the lifecycle's order
MODEL_OF: dict[str, type] = {k.name: model for model, k in KINDS.items()}


def kind_of(entity: object) -> Kind:
    return KINDS[type(entity)]


@dataclass(frozen=True)
class Moved:
    step: Step
    from_state: object
    to_state: object
    audit_id: int


def acting_role(actor: User, step: Step) -> str:
    """The role in which the actor took the step (recorded in the history)."""
    by_policy = {"applicant_owns": "applicant", "endorser_of_current_level": "endorser",
                 "office_reviewer": "office_reviewer", "leader": "leader",
                 "joint_reviewer_pending": "joint_reviewer", "panel_member_yet_to_score": "expert",
                 "panel_member_yet_to_sign": "expert", "panel_chair": "expert"}
    return by_policy.get(step.policy, "admin")


def fire(entity, trigger: str, actor: User, *, opinion: str = "", payload: dict | None = None,
         expected_version: int | None = None, changes: dict | None = None) -> Moved:
    """Move ``entity`` by ``trigger``; ``changes`` are columns written in the same
    compare-and-set UPDATE (data the database requires of the new state)."""
    kind = kind_of(entity)
    try:
        step = kind.flow.step_for(trigger)
    except KeyError:
        raise Invalid({"trigger": str(_l("Unknown action '%(trigger)s'.", trigger=trigger))}) from None
    decision = policies.check(step.policy, actor, entity)
    if not decision:
        raise Denied(decision.reason)
    opinion = (opinion or "").strip()
    if step.opinion_required and not opinion:
        raise Invalid({"opinion": str(_l("Please write your opinion (意见)."))})
    if expected_version is not None and entity.version != expected_version:
        raise Conflict(str(_l("Someone else acted on this item first; reload it and try again.")))
    old_state, old_version = entity.state, entity.version
    try:
        new_state = kind.flow.fire(old_state, trigger, kind.guards(entity, actor))
    except NoStep as exc:
        if not exc.failed_guards:
            raise Conflict(str(_l("This action is not possible at the stage “%(stage)s”.",
                                  stage=old_state.label(_locale())))) from None
        raise Conflict(" ".join(guards.message(g) for g in exc.failed_guards)) from None

    values = {**(changes or {}), "state": new_state, "version": old_version + 1}
    if new_state != old_state:
        values["stage_entered_at"] = utcnow()
    model = type(entity)
    result = object_session(entity).execute(
        sa.update(model).where(model.id == entity.id, model.state == old_state,
                               model.version == old_version).values(**values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(str(_l("Someone else acted on this item first; reload it and try again.")))
    for key, value in values.items():  # keep the loaded object in step without a reload
        sa.orm.attributes.set_committed_value(entity, key, value)

    rec = audit.record(entity_type=kind.name, entity_id=entity.id, trigger=trigger, actor=actor,
                       role=acting_role(actor, step), from_state=old_state.value,
                       to_state=new_state.value, opinion=opinion, payload=payload)
    enqueue("state_changed", {"entity_type": kind.name, "entity_id": entity.id, "trigger": trigger,
                              "from": old_state.value, "to": new_state.value, "actor_id": actor.id,
                              "audit_id": rec.id})
    return Moved(step, old_state, new_state, rec.id)


def available_steps(entity, actor: User) -> list[Step]:
    """The steps this actor may take now: guards hold *and* the policy allows."""
    kind = kind_of(entity)
    steps = kind.flow.available(entity.state, kind.guards(entity, actor))
    return [s for s in steps if policies.check(s.policy, actor, entity)]


def _locale() -> str:
    from app.i18n import short_locale

    try:
        return short_locale()
    except Exception:  # outside a request/app with babel: Chinese
        return "zh"
