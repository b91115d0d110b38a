"""Which items await an actor, asked of the database: the WHERE clause selecting the items of a
kind in one stage on which the actor may take a waiting step now.

It is ``available_steps(entity, actor, waiting=True)`` over many rows at once: a step's policy
and guards, each in its SQL form (``policies.SQL_RULES``, ``guards.SQL_GUARDS``). When a step's
rule or guard has no SQL form the stage has no clause (None) and the caller asks item by item.
Steps of one policy of which one has no guards need no guard at all: the policy decides.
``step_clauses`` gives each step's own clause, so that a page of items learns which steps await
each of them in the query that loads them.
"""
from __future__ import annotations

import sqlalchemy as sa

from app import policies
from app.kinds import KINDS
from app.models import Role, User
from app.services.engine.guards import SQL_GUARDS
from workflows import Step
from workflows.registry import VERSIONS

Clause = sa.ColumnElement[bool] | bool


def _and(*parts: Clause) -> Clause:
    if any(p is False for p in parts):
        return False
    rest = [p for p in parts if p is not True]
    return True if not rest else rest[0] if len(rest) == 1 else sa.and_(*rest)


def _or(*parts: Clause) -> Clause:
    if any(p is True for p in parts):
        return True
    rest = [p for p in parts if p is not False]
    return False if not rest else rest[0] if len(rest) == 1 else sa.or_(*rest)


def _steps_clause(kind: str, model, steps, actor: User) -> Clause | None:
    by_policy: dict[str, list] = {}
    for step in steps:
        by_policy.setdefault(step.policy, []).append(step)
    sql_guards = SQL_GUARDS.get(kind, {})
    terms: list[Clause] = []
    unknown = False  # a step only an item can answer
    for policy, with_it in by_policy.items():
        rule = policies.SQL_RULES.get(policy)
        if any(not s.guards for s in with_it):
            guarded: Clause = True
        elif all(g in sql_guards for s in with_it for g in s.guards):
            guarded = _or(*(_and(*(sql_guards[g](model) for g in guards))  # each set of guards once
                            for guards in dict.fromkeys(tuple(s.guards) for s in with_it)))
        else:
            guarded = None
        if rule is None or guarded is None:
            unknown = True
        else:
            terms.append(_and(rule(actor, model), guarded))
    found = _or(*terms)
    return found if found is True or not unknown else None


def _held(flow, state, actor: User, roles: tuple[str, ...] | None) -> list[Step]:
    """The waiting steps of ``state`` in ``flow`` that the actor holds (of ``roles``, when given)."""
    if not flow.has_state(state):
        return []
    return [s for s in flow.waiting_steps(state)
            if actor.has_role(Role(s.role)) and (roles is None or s.role in roles)]


def _versions(kind: str) -> dict:
    return VERSIONS.get(kind) or {None: KINDS[kind].flow}


def _in_version(model, number, versions: dict, found: Clause) -> Clause:
    """``found`` for the cases pinned to version ``number`` (all of them when there is one)."""
    return found if len(versions) == 1 else _and(model.flow_version == number, found)


def clause(kind: str, state, actor: User, roles: tuple[str, ...] | None = None) -> Clause | None:
    """The items of ``kind`` in ``state`` on which ``actor`` may take a waiting step (of one of
    ``roles``, when given): True for all of them, False for none, a WHERE clause, or None when
    it can only be asked item by item. Visibility is the caller's (``visible_to``)."""
    if actor is None or not actor.active:
        return False
    model, versions = KINDS[kind].model, _versions(kind)
    parts: list[Clause] = []
    for number, flow in versions.items():
        found = _steps_clause(kind, model, _held(flow, state, actor, roles), actor)
        if found is None:
            return None
        parts.append(_in_version(model, number, versions, found))
    return _or(*parts)


def step_clauses(kind: str, state, actor: User, roles: tuple[str, ...] | None = None
                 ) -> list[tuple[Step, Clause]] | None:
    """Each waiting step of ``state`` the actor holds (of ``roles``, when given), in its flow's
    order, with the clause of the items on which they may take it now (True: all of them); None
    when one of them can only be asked item by item. Steps that no item allows are left out."""
    if actor is None or not actor.active:
        return []
    model, versions = KINDS[kind].model, _versions(kind)
    out: list[tuple[Step, Clause]] = []
    for number, flow in versions.items():
        for step in _held(flow, state, actor, roles):
            found = _steps_clause(kind, model, [step], actor)
            if found is None:
                return None
            if found is not False:
                out.append((step, _in_version(model, number, versions, found)))
    return out
