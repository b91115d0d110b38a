"""The engine: labelled state enums, declarative steps, and one shared machine per flow."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Callable, Iterable, Mapping

from transitions import Machine

# How a state looks wherever it is shown (badges, lists, charts): the same five tones everywhere.
TONES = ("draft", "active", "attention", "done", "stopped")
# The roles a step can be taken in; the application layer maps each to its Role.
ROLES = ("applicant", "endorser", "office_reviewer", "leader", "joint_reviewer", "expert", "admin")


class LabelledEnum(str, Enum):
    """A string enum whose members carry a Chinese and an English label, and a tone.

    Members are declared as ``NAME = ("value", "中文", "English"[, "tone"])``; the stored value
    is the first element, so databases and URLs see plain ASCII. The tone (one of ``TONES``,
    default "active") is how the state looks on every page.
    """

    def __new__(cls, value: str, zh: str, en: str, tone: str = "active"):
        if tone not in TONES:
            raise ValueError(f"{cls.__name__}.{value}: unknown tone {tone!r}")
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh = zh
        member.en = en
        member.tone = tone
        return member

    def label(self, locale: str = "zh") -> str:
        return self.en if locale.startswith("en") else self.zh

    def __str__(self) -> str:  # f-strings and templates show the value, not Class.NAME
        return self.value


@dataclass(frozen=True)
class Step:
    """One way a trigger moves an entity: from any of ``sources`` to ``dest`` — everything
    known about a workflow step, declared once.

    Several steps may share a trigger; the first whose guards all hold is taken. ``policy``
    names who may fire it (checked by the application layer), ``role`` the role it is taken
    in (written into the history, and whose inbox it fills), ``guards`` name conditions on the
    entity. ``optional`` steps may be taken but nobody waits for them (withdraw, terminate…),
    so they make no inbox task and have no time limit; a step somebody waits for may have
    ``days``, its default time limit in working days from the moment the item reached its
    source state (a draft waits on nobody's clock, a rectification on its own deadline).
    ``confirm`` marks a destructive step (withdraw, refuse, reject, terminate): the pages ask
    the person to confirm it, saying what it touches, before it is taken.
    The extra input a step takes is declared with its verb (app.services.engine.actions).
    """

    trigger: str
    sources: tuple[Enum, ...]
    dest: Enum
    policy: str
    zh: str
    en: str
    role: str = ""
    guards: tuple[str, ...] = ()
    opinion_required: bool = True
    optional: bool = False
    days: int | None = None
    style: str = "primary"  # how a button for it looks: primary, secondary, danger
    confirm: bool = False  # destructive: the pages ask for a confirmation first

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"step {self.trigger!r}: role must be one of {ROLES}, not {self.role!r}")
        if self.optional and self.days is not None:
            raise ValueError(f"step {self.trigger!r}: an optional step has no time limit")
        if self.days is not None and self.days <= 0:
            raise ValueError(f"step {self.trigger!r}: a time limit is at least one working day")

    def label(self, locale: str = "zh") -> str:
        return self.en if locale.startswith("en") else self.zh


class NoStep(Exception):
    """The trigger cannot move an entity in this state (or its guards do not hold)."""

    def __init__(self, flow: str, trigger: str, state: Enum, failed_guards: Iterable[str] = ()):
        self.flow, self.trigger, self.state = flow, trigger, state
        self.failed_guards = tuple(failed_guards)
        super().__init__(f"{flow}: '{trigger}' is not possible from '{state.value}'"
                         + (f" (guards failed: {', '.join(self.failed_guards)})" if self.failed_guards else ""))


class _Token:
    """The stand-in model a shared machine moves; guards are looked up by name."""

    __slots__ = ("state", "_guards")

    def __init__(self, state: str, guards: Mapping[str, Callable[[], bool]]):
        self.state = state
        self._guards = guards

    def __getattr__(self, name: str):
        guards = object.__getattribute__(self, "_guards")
        if name in guards:
            return guards[name]
        raise AttributeError(name)


@dataclass
class Flow:
    """A declarative workflow: states, an initial state, terminal states and steps."""

    name: str
    states: type[LabelledEnum]
    initial: LabelledEnum
    steps: tuple[Step, ...]
    zh: str = ""
    en: str = ""
    # The definition's version: a changed flow is a new version, and every case keeps the
    # version it started under (its ``flow_version``), so old definitions stay loadable.
    version: int = 1
    _machine: Machine = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.version < 1:
            raise ValueError(f"flow {self.name!r}: a version is a positive number")
        self._machine = Machine(
            model=None,
            states=[s.value for s in self.states],
            initial=self.initial.value,
            transitions=[
                {"trigger": s.trigger, "source": [x.value for x in s.sources],
                 "dest": s.dest.value, "conditions": list(s.guards)}
                for s in self.steps
            ],
            auto_transitions=False,
            ignore_invalid_triggers=False,
            send_event=False,
        )

    # --- reading the definition -----------------------------------------------------------
    @property
    def triggers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.trigger for s in self.steps))

    @property
    def terminal_states(self) -> tuple[LabelledEnum, ...]:
        exits = {src for s in self.steps for src in s.sources if s.dest != src}
        return tuple(st for st in self.states if st not in exits)

    @cached_property
    def used_states(self) -> frozenset[str]:
        """The values of the states this version uses: its initial state and every state a step
        leaves or reaches (a state of the enum no step touches is not part of this version)."""
        return frozenset({self.initial.value, *(x.value for s in self.steps for x in (*s.sources, s.dest))})

    def has_state(self, state: Enum | str) -> bool:
        return getattr(state, "value", state) in self.used_states  # a flow never changes: read once

    def steps_from(self, state: Enum) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if state in s.sources)  # str enums: equal by value

    def step_for(self, trigger: str) -> Step:
        """The first step of a trigger: its policy, labels and fields are shared by all of them."""
        for s in self.steps:
            if s.trigger == trigger:
                return s
        raise KeyError(f"{self.name} has no trigger '{trigger}'")

    def label(self, locale: str = "zh") -> str:
        return self.en if locale.startswith("en") else self.zh

    def waiting_steps(self, state: Enum) -> tuple[Step, ...]:
        """The steps somebody is expected to take from ``state`` (not the optional ones)."""
        return tuple(s for s in self.steps_from(state) if not s.optional)

    def time_limit(self, state: Enum) -> int | None:
        """Working days an item may wait in ``state``: the shortest limit of its waiting steps."""
        limits = [s.days for s in self.waiting_steps(state) if s.days is not None]
        return min(limits) if limits else None

    # --- moving -----------------------------------------------------------------------------
    def resolve(self, state: Enum, trigger: str, guards: Mapping[str, Callable[[], bool]]) -> Step:
        """The step ``trigger`` takes from ``state`` given the guards, or raise NoStep."""
        candidates = [s for s in self.steps if s.trigger == trigger and state in s.sources]
        if not candidates:
            raise NoStep(self.name, trigger, state)
        failing: list[list[str]] = []
        for s in candidates:
            bad = [g for g in s.guards if not guards[g]()]
            if not bad:
                return s
            failing.append(bad)
        # The guards failing in every candidate are the real reason; the others only route.
        common = [g for g in failing[0] if all(g in f for f in failing)]
        raise NoStep(self.name, trigger, state, common or dict.fromkeys(g for f in failing for g in f))

    def fire(self, state: Enum, trigger: str,
             guards: Mapping[str, Callable[[], bool]] | None = None) -> LabelledEnum:
        """Run ``trigger`` on the shared machine and return the destination state."""
        guards = guards or {}
        if trigger not in self._machine.events:
            raise KeyError(f"{self.name} has no trigger '{trigger}'")
        token = _Token(state.value, guards)
        try:
            moved = self._machine.events[trigger].trigger(token)
        except Exception as exc:  # transitions.MachineError: no transition from this state
            if exc.__class__.__name__ == "MachineError":
                raise NoStep(self.name, trigger, state) from None
            raise
        if not moved:
            self.resolve(state, trigger, guards)  # raises NoStep naming the failed guards
        return self.states(token.state)

    def available(self, state: Enum, guards: Mapping[str, Callable[[], bool]]) -> tuple[Step, ...]:
        """Steps that could fire now, one per trigger (guards evaluated, policies not)."""
        seen: dict[str, Step] = {}
        for s in self.steps_from(state):
            if s.trigger not in seen and all(guards[g]() for g in s.guards):
                seen[s.trigger] = s
        return tuple(seen.values())

    @property
    def guard_names(self) -> frozenset[str]:
        return frozenset(g for s in self.steps for g in s.guards)

    @property
    def policy_names(self) -> frozenset[str]:
        return frozenset(s.policy for s in self.steps)
