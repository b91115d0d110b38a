"""The one code path that changes a workflow state.

fire(): policy (deny by default, with a reason) → guards → compare-and-set on (state, version),
writing the step's data in the same UPDATE → audit record → outbox row. The caller owns the
transaction; a lost race is a Conflict.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Callable, Sequence

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import object_session

from app import policies
from app.database import Write, write
from app.errors import Conflict, Denied, Invalid
from app.i18n import short_locale
from app.kinds import flow_of, kind_of
from app.models import User
from app.models.base import utcnow
from app.services.engine import proxy, versions  # noqa: F401  (versions: new cases take the current version)
from app.services.engine.guards import GUARDS, Guards, message
from app.services.records import audit
from app.services.time import due
from workflows import NoStep, Step

Changes = dict | Callable[[object], dict]  # columns to write, or a function of the new state giving them


@dataclass(frozen=True)
class Moved:
    step: Step
    from_state: object
    to_state: object
    audit_id: int


def state_changed(kind: str, entity_id: int, trigger: str, from_state: str | None, to_state: str,
                  actor_id: int | None, entered_by_id: int | None = None) -> tuple[str, dict]:
    """The outbox message a change of state leaves, for ``audit.record(message=…)`` (which adds the
    record's id): a step's, and a new case's (``from_state`` None). Its handler notifies those who
    can act next."""
    return "state_changed", {"entity_type": kind, "entity_id": entity_id, "trigger": trigger, "from": from_state,
                             "to": to_state, "actor_id": actor_id,
                             **({"entered_by": entered_by_id} if entered_by_id is not None else {})}


class _Once:
    """A guard that answers from its first evaluation on (``functools.cache`` copies the wrapped
    function's attributes each time it wraps one: some 2 µs a guard, a dozen guards a step)."""

    __slots__ = ("check", "answer")

    def __init__(self, check: Callable[[], bool]):
        self.check, self.answer = check, None

    def __call__(self) -> bool:
        if self.answer is None:
            self.answer = bool(self.check())
        return self.answer


def guards_of(entity, actor: User | None) -> Guards:
    """The entity's named guards, each evaluated at most once however often a flow asks."""
    return {name: _Once(check) for name, check in GUARDS[kind_of(entity).name](entity, actor).items()}


def fire(entity, trigger: str, actor: User, *, opinion: str = "", payload: dict | None = None,
         expected_version: int | None = None, changes: Changes | None = None, along: Sequence[Write] = ()) -> Moved:
    """Move ``entity`` by ``trigger``. ``changes`` are the step's data, written in the same
    compare-and-set UPDATE as the new state (a dict, or a function of the new state when the
    data depends on where the step leads); ``along``, the step's writes to other rows that need
    no answer, made with its audit record (``audit.record``) once the state has moved.

    The case follows the version of its flow it is pinned to (``flow_of``). Inside
    ``proxy.entering(p)`` the step is entered by the proxy ``p`` on ``actor``'s behalf: only a
    step taken in the role "leader" may be, and the audit record names both."""
    kind, flow = kind_of(entity), flow_of(entity)
    try:
        step = flow.step_for(trigger)
    except KeyError:
        raise Invalid({"trigger": str(_l("Unknown action '%(trigger)s'.", trigger=trigger))}) from None
    entered_by = proxy.entered_by()
    if entered_by is not None and step.role != proxy.LEADER_ROLE:
        raise Denied(str(_l("A proxy may enter only a leader's approval steps.")))
    policies.require(step.policy, actor, entity)
    opinion = (opinion or "").strip()
    if step.opinion_required and not opinion:
        raise Invalid({"opinion": str(_l("Please write your opinion (意见)."))})
    if expected_version is not None and entity.version != expected_version:
        raise Conflict(str(_l("Someone else acted on this item first; reload it and try again.")))
    old_state, old_version = entity.state, entity.version
    try:
        new_state = flow.fire(old_state, trigger, guards_of(entity, actor))
    except NoStep as exc:
        if not exc.failed_guards:
            raise Conflict(str(_l("This action is not possible at the stage “%(stage)s”.",
                                  stage=old_state.label(_locale())))) from None
        raise Conflict(" ".join(message(g) for g in exc.failed_guards)) from None

    if type(new_state) is not type(old_state):  # another version's enum: the model's own member
        new_state = type(old_state)(new_state.value)
    data = changes(new_state) if callable(changes) else (changes or {})
    values = {**data, "state": new_state, "version": old_version + 1}
    if new_state != old_state:
        values["stage_entered_at"] = now = utcnow()
        values["due_on"] = due.after(kind.name, entity, new_state, now, actor.id)
    head = write(_compare_and_set(type(entity), tuple(values)),
                 {"_id": entity.id, "_state": old_state, "_version": old_version,
                  **{f"_new_{k}": v for k, v in values.items()}}, object_session(entity)).first()
    if head is None:  # no row matched: another decision moved it first
        raise Conflict(str(_l("Someone else acted on this item first; reload it and try again.")))
    for key, value in values.items():  # keep the loaded object in step without a reload
        sa.orm.attributes.set_committed_value(entity, key, value)

    audit_id = audit.record(entity_type=kind.name, entity_id=entity.id, trigger=trigger, actor=actor,
                            role=step.role, from_state=old_state.value, to_state=new_state.value,
                            opinion=opinion, payload=payload, entered_by=entered_by, head=head, along=along,
                            message=state_changed(kind.name, entity.id, trigger, old_state.value, new_state.value,
                                                  actor.id, entered_by.id if entered_by else None))
    return Moved(step, old_state, new_state, audit_id)


@cache
def _compare_and_set(model, attributes: tuple[str, ...]) -> sa.Update:
    """The compare-and-set UPDATE of ``model``'s table writing ``attributes``, returning the audit
    chain's head, locked (a row only when the item matched): built once per shape, so a step only
    binds its values (building it, and its cache key, each time was about a sixth of an in-process
    decision), and run as Core (``database.write``)."""
    column = sa.inspect(model).columns
    return (column.id.table.update()
            .where(column.id == sa.bindparam("_id"), column.state == sa.bindparam("_state"),
                   column.version == sa.bindparam("_version"))
            .values({column[name].name: sa.bindparam(f"_new_{name}") for name in attributes})
            .returning(*audit.HEAD))


def available_steps(entity, actor: User, waiting: bool = False) -> list[Step]:
    """The steps this actor may take now: the policy allows (checked first: it is cheaper and
    rules most steps out) *and* the guards hold. One step per trigger. ``waiting``: only the
    steps somebody waits for (not ``optional``), whose guards alone are then evaluated — what
    the inbox and "who can act now" ask."""
    flow = flow_of(entity)
    allowed: dict[str, bool] = {}
    candidates = []
    for step in flow.steps_from(entity.state):
        if waiting and step.optional:
            continue
        if step.policy not in allowed:
            allowed[step.policy] = bool(policies.check(step.policy, actor, entity))
        if allowed[step.policy]:
            candidates.append(step)
    if not candidates:
        return []
    guards = guards_of(entity, actor)
    return first_per_trigger(candidates, lambda step: all(guards[g]() for g in step.guards))


def first_per_trigger(steps, holds: Callable[[Step], bool] = lambda _step: True) -> list[Step]:
    """One step per trigger: the first that holds (a trigger's later steps are not asked)."""
    chosen: dict[str, Step] = {}
    for step in steps:
        if step.trigger not in chosen and holds(step):
            chosen[step.trigger] = step
    return list(chosen.values())


def _locale() -> str:
    try:
        return short_locale()
    except Exception:  # outside a request/app with babel: Chinese
        return "zh"
