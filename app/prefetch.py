"""Facts about many items at once: a rule or a guard that needs a query asks ``fact(name, item,
compute)``, where ``compute(items) -> {id: value}`` is the rule's one query over a list of items.

Alone, an item is its own list (one query, as before). Inside ``with over(items):`` — a read
that judges many items, such as the inbox or "who can act now" — the first item that asks
computes the fact for every item of its type in the list, and the others read the answer: one
query per fact whatever the number of items. The scope holds answers only while the read runs,
so a write never sees an answer older than its own transaction's reads.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

Compute = Callable[[list], dict]


@dataclass
class _Scope:
    items: dict[type, dict[int, object]]  # type → id → item
    answers: dict[tuple[type, str], dict] = field(default_factory=dict)


_SCOPE: ContextVar[_Scope | None] = ContextVar("prefetch_scope", default=None)


@contextmanager
def over(items: Iterable):
    """Within the block, facts about any of ``items`` are computed for all of them at once."""
    by_type: dict[type, dict[int, object]] = {}
    for item in items:
        by_type.setdefault(type(item), {})[item.id] = item
    token = _SCOPE.set(_Scope(by_type))
    try:
        yield
    finally:
        _SCOPE.reset(token)


def fact(name: str, item, compute: Compute):
    """The fact ``name`` about ``item`` (None when ``compute`` has no answer for it)."""
    scope = _SCOPE.get()
    members = scope.items.get(type(item), {}) if scope is not None else {}
    if members.get(item.id) is not item:
        return compute([item]).get(item.id)
    key = (type(item), name)
    if key not in scope.answers:
        scope.answers[key] = compute(list(members.values()))
    return scope.answers[key].get(item.id)
