"""The action registry: for every workflow step, the verb that runs it, its input schema and
its form widgets — declared once, next to the verb, with ``@verb``.

A step that needs only an opinion has no entry: the one generic verb ``decide`` runs it. The
web's action form, the API's one operation per step and ``flask workflow act`` all go through
``perform``; ``actions_for`` lists what an actor may do now (the buttons). Import the verbs
through ``app.services.commands``, which registers every one of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import wraps
from typing import Callable

from flask_babel import lazy_gettext as _l
from marshmallow import Schema

from app import prefetch
from app.errors import Invalid
from app.extensions import db
from app.kinds import KINDS, MODEL_OF, flows_of
from app.models import User
from app.schemas import OpinionSchema, load, window_of
from app.services.engine import proxy
from app.services.engine.fire import available_steps, fire
from app.services.engine.loading import load_visible
from workflows import Step

Verb = Callable[..., object]  # (actor, entity_id, data=None, expected_version=None) -> the entity or what it created


Prepare = Callable[..., object]  # (actor, entity_id, fields) -> a plan whose make() the verb gets as ``prepared``


@dataclass(frozen=True)
class Registered:
    verb: Verb
    schema: type[Schema]
    prepare: Prepare | None = None


_REGISTRY: dict[tuple[str, str], Registered] = {}


def verb(kind: str, *triggers: str, schema: type[Schema] = OpinionSchema, prepare: Prepare | None = None):
    """Register the decorated function as the verb of ``kind``'s ``triggers``. The data it gets
    is already validated by ``schema`` (so every caller — page, API, CLI, test — is checked
    alike, before anything is loaded).

    ``prepare`` reads what slow work the verb needs (an expert's signature) and returns a plan
    whose ``make()`` does that work without the database. The adapters call ``prepare_step``
    before the deciding transaction and pass the result in; a caller that did not (a test, the
    demo) gets it made here, inside its own transaction."""
    validator = schema()  # (a schema holds no state of a load: one instance serves every call)

    def register(fn: Callable) -> Verb:
        @wraps(fn)
        def run(actor: User, entity_id: int, data: dict | None = None, expected_version: int | None = None,
                prepared: object = None):
            fields = load(validator, data or {})
            if prepare is None:
                return fn(actor, entity_id, fields, expected_version)
            if prepared is None:
                prepared = prepare(actor, entity_id, fields).make()
            return fn(actor, entity_id, fields, expected_version, prepared=prepared)

        for trigger in triggers:
            if (kind, trigger) in _REGISTRY:
                raise RuntimeError(f"two verbs for {kind}.{trigger}")
            _REGISTRY[(kind, trigger)] = Registered(run, schema, prepare)
        return run
    return register


_OPINION = OpinionSchema()


def decide(kind: str, trigger: str, actor: User, entity_id: int, data: dict | None = None,
           expected_version: int | None = None):
    """The generic verb: take a step that records nothing but the written opinion."""
    fields = load(_OPINION, data or {})
    entity = load_visible(MODEL_OF[kind], entity_id, actor)
    fire(entity, trigger, actor, opinion=fields["opinion"], expected_version=expected_version)
    return entity


@dataclass(frozen=True)
class Action:
    """A step as the adapters see it: the flow's record plus its verb, schema and widgets."""

    kind: str
    step: Step
    schema: type[Schema]
    run: Verb = field(repr=False)
    generic: bool = False  # taken by the generic verb: the step records nothing but an opinion
    prepare: Prepare | None = field(default=None, repr=False)
    on_behalf: User | None = None  # a proxy's button: the leader whose step it enters (代录)

    # the step's own record
    trigger = property(lambda self: self.step.trigger)
    zh = property(lambda self: self.step.zh)
    en = property(lambda self: self.step.en)
    role = property(lambda self: self.step.role)
    policy = property(lambda self: self.step.policy)
    opinion_required = property(lambda self: self.step.opinion_required)
    optional = property(lambda self: self.step.optional)
    style = property(lambda self: self.step.style)
    confirm = property(lambda self: self.step.confirm)

    def label(self, locale: str = "zh") -> str:
        return self.step.label(locale)

    @property
    def fields(self) -> tuple[str, ...]:
        """The input besides the opinion, in the schema's order."""
        return tuple(name for name, f in self.schema().fields.items() if name != "opinion" and not f.dump_only)

    @property
    def multipart(self) -> bool:
        """The step takes files (``schemas.Materials``): its form and API body are multipart."""
        return any(spec.get("type") == "materials" for _name, spec in self.widgets)

    @property
    def widgets(self) -> list[tuple[str, dict]]:
        """(name, how the form asks for it) for each field: the schema field's ``widget`` metadata."""
        declared = self.schema().fields
        return [(name, {"label": name, "type": "text", "required": declared[name].required,
                        **declared[name].metadata.get("widget", {}), **_bounds(declared[name])})
                for name in self.fields]


def _bounds(field) -> dict:
    """A date field's window as its input's ``min`` and ``max`` (as of today)."""
    window = window_of(field)
    return window.bounds() if window is not None else {}


def triggers_of(kind: str) -> tuple[str, ...]:
    """Every trigger of a kind's flow in any loadable version (a case pinned to an older version
    may still take a step the current one dropped), the current version's first."""
    return tuple(dict.fromkeys(t for f in flows_of(kind) for t in f.triggers))


def action(kind: str, trigger: str) -> Action:
    """The registered verb of a step, or the generic one; an unknown step is Invalid. The step's
    record is the newest version's that has the trigger."""
    flow = next((f for f in flows_of(kind) if trigger in f.triggers), None) if kind in KINDS else None
    if flow is None:
        raise Invalid({"trigger": str(_l("Unknown action '%(trigger)s'.", trigger=trigger))})
    found = _REGISTRY.get((kind, trigger))
    if found is None:
        return Action(kind, flow.step_for(trigger), OpinionSchema,
                      lambda actor, i, data=None, v=None: decide(kind, trigger, actor, i, data, v), generic=True)
    return Action(kind, flow.step_for(trigger), found.schema, found.verb, prepare=found.prepare)


def all_actions() -> list[Action]:
    """Every step of every flow as an action, in the flows' order."""
    return [action(kind, trigger) for kind in KINDS for trigger in triggers_of(kind)]


def unknown_registrations() -> list[str]:
    """Registry entries naming a kind or step that does not exist (empty when all is well)."""
    return sorted(f"{kind}.{trigger}" for kind, trigger in _REGISTRY
                  if kind not in KINDS or trigger not in triggers_of(kind))


def prepare_step(actor: User, kind: str, entity_id: int, trigger: str, data: dict | None = None) -> object:
    """Before the deciding transaction: the step's slow preparation (an expert's signature),
    or None when it has none. It reads in a short transaction of its own and ends it."""
    found = action(kind, trigger)
    if found.prepare is None:
        return None
    plan = found.prepare(actor, entity_id, load(found.schema(), data or {}))
    db.session.rollback()  # end the reads: no transaction stays open while the work is done
    return plan.make()


def perform(actor: User, kind: str, entity_id: int, trigger: str, data: dict | None = None,
            expected_version: int | None = None, prepared: object = None):
    """Run the verb behind ``trigger`` on the ``kind`` item ``entity_id`` (with what
    ``prepare_step`` made, if the step has a preparation). A proxy whose delegation is in force
    takes a leader's step as the leader, the record naming them as the one who entered it
    (``proxy.acting_as``); outside the period they are refused with the dates."""
    found = action(kind, trigger)
    acting, entered_by = proxy.acting_as(actor, found.step)
    with proxy.entering(entered_by):
        if found.prepare is None:
            return found.run(acting, entity_id, data or {}, expected_version)
        return found.run(acting, entity_id, data or {}, expected_version, prepared)


def actions_for(actor: User, kind: str, entity_id: int) -> tuple[object, list[Action]]:
    """(entity, the actions this actor may take on it now) — what the buttons and the API show."""
    if kind not in MODEL_OF:
        raise Invalid({"kind": str(_l("Unknown kind of item."))})
    entity = load_visible(MODEL_OF[kind], entity_id, actor)
    return entity, _buttons(kind, available_steps(entity, actor)) + delegated_actions(actor, kind, entity)


def delegated_actions(actor: User, kind: str, entity, delegation=None) -> list[Action]:
    """A proxy's buttons on an item: the leader's steps on it (role "leader") the leader could
    take now, while the delegation is in force, each marked with the leader (代录)."""
    delegation = delegation or proxy.in_force(actor)
    if delegation is None:
        return []
    steps = [s for s in available_steps(entity, delegation.leader) if s.role == proxy.LEADER_ROLE]
    return [replace(a, on_behalf=delegation.leader) for a in _buttons(kind, steps)]


def _buttons(kind: str, steps) -> list[Action]:
    """The way forward first: a destructive step (撤回, 终止 …) never stands above the step that
    carries the item on (a returned application's 重新提交 above its 撤回). Each button carries
    the step of the item's own flow version."""
    return [replace(action(kind, s.trigger), step=s) for s in sorted(steps, key=lambda s: s.style == "danger")]


def actions_on(actor: User, kind: str, entities: list) -> dict[int, list[Action]]:
    """The actions on each of ``entities`` (already loaded, visible to the actor) — a list's
    buttons: each step's policy before its guards, each guard's query once for them all; a
    proxy's list also offers the leader's steps (代录), as the item's own page does."""
    delegation = proxy.in_force(actor)  # (one query for the whole list)
    with prefetch.over(entities):
        return {e.id: _buttons(kind, available_steps(e, actor))
                + (delegated_actions(actor, kind, e, delegation) if delegation is not None else [])
                for e in entities}
