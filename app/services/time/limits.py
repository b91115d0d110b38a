"""Time limits (时限): when an item's current stage is due, and how close that is.

A waiting step's limit is in working days on the official calendar (``calendar``): the step
record's default (``Step.days``) unless the Office has set its own for the stage
(``StepLimit``, entered in ``step_limits``). It is counted from the day the item reached its
stage and ends at midnight Beijing time.

停表: the clock of the people who must act runs only while the item waits on them. While an
application, a change request or a funding request is returned to its agency (a ``PAUSES``
state), the reviewer's clock stands; on resubmission it resumes with the working days already
used (it does not restart). The clock is
derived from the item's state-changing audit records (``state_changes``); records that change no
state (催办, escalation, a joint opinion) are ignored. ``status`` is the one answer every list,
page, reminder, escalation and the supervision board asks for; lists load the history of a page
of items in one query (``state_changes(kind, ids)``) and pass it in.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

import sqlalchemy as sa
from flask import current_app

from app import clock
from app.extensions import db
from app.kinds import KINDS
from app.models import AuditRecord, StepLimit
from app.models.base import as_utc
from app.services.time import calendar
from workflows import registry
from workflows.application import RETURNED
from workflows.change_request import ChangeRequestState
from workflows.engine import LabelledEnum
from workflows.funding_request import FundingRequestState

FILTER_LEVELS = ("on_time", "due_soon", "overdue")  # the levels a list may be filtered by
DUE_SOON_DAYS = 2  # default for the DUE_SOON_WORKING_DAYS setting
# The states in which an item waits on its applicant's revision: the reviewer's clock stands.
# A change or funding request returned to its agency stops the Office's clock the same way.
PAUSES: dict[str, frozenset[str]] = {"application": frozenset(s.value for s in RETURNED),
                                     "change_request": frozenset({ChangeRequestState.RETURNED.value}),
                                     "funding_request": frozenset({FundingRequestState.RETURNED.value})}
# Stages whose deadline is a day somebody set rather than a limit, and the column holding it: a
# rectification's own day; a project under construction is due for acceptance when its
# construction period ends (``ends_on``, which an approved extension moves).
SET_DEADLINES: dict[str, dict[str, str]] = {"midterm_check": {"rectifying": "rectification_deadline"},
                                            "project": {"under_construction": "ends_on"}}
_MEMO_KEY = "pilotflow.step_limits"
_CHUNK = 500  # ids per IN (…) when loading histories


class Level(LabelledEnum):
    """How an item stands against its time limit (the 黄牌/红牌 of electronic supervision)."""

    NONE = ("none", "无时限", "No time limit", "draft")
    ON_TIME = ("on_time", "正常", "On time", "done")
    DUE_SOON = ("due_soon", "即将到期（黄牌）", "Due soon (yellow card)", "attention")
    OVERDUE = ("overdue", "已超期（红牌）", "Overdue (red card)", "stopped")


@dataclass(frozen=True)
class Limit:
    deadline: datetime | None
    level: Level
    days_left: int | None  # working days from today to the deadline day; negative when overdue
    days: int | None = None  # the stage's limit in working days
    used: int = 0  # working days the people who must act have used in this stage (clock stopped excluded)
    revision_days: int = 0  # working days the applicant has spent revising, over the item's whole history

    @property
    def overdue(self) -> bool:
        return self.level is Level.OVERDUE


@dataclass(frozen=True)
class StateChange:
    at: datetime
    from_state: str | None
    to_state: str
    actor_id: int | None = None


@dataclass
class Episode:
    """One stay in a stage: the spans in which its clock ran (more than one when the item was
    returned to the applicant and resubmitted in between), the change that ended it (None while
    it lasts) and whether it stands paused (the item is with the applicant now)."""

    state: str
    spans: list[list]  # [start, end or None]
    ended_by: StateChange | None = None
    paused: bool = False

    @property
    def started(self) -> datetime:
        return self.spans[0][0]

    def used(self, now: datetime) -> int:
        """Working days the clock has run in this stay (up to ``now`` while it runs)."""
        return sum(calendar.working_days_between(_day(a), _day(b or now)) for a, b in self.spans)


@dataclass
class _Memo:
    transaction: object = None
    overrides: dict[tuple[str, str], int] | None = field(default=None)


# --- the limits: default, the Office's override, effective -------------------------------------
def default_days(kind: str, state, flow_version: int | None = None) -> int | None:
    """The step record's limit for a stage (the shortest of its waiting steps) in the flow's
    version ``flow_version`` (a case's pinned one; the kind's own flow when not given)."""
    flow = registry.flow_version(kind, flow_version) if flow_version else KINDS[kind].flow
    return flow.time_limit(KINDS[kind].flow.states(str(state)))


def _memo() -> _Memo:
    session = db.session()
    memo, current = session.info.get(_MEMO_KEY), session.get_transaction()
    if memo is None or current is None or memo.transaction is not current:
        memo = session.info[_MEMO_KEY] = _Memo(current)
    return memo


def forget() -> None:
    """Drop this transaction's memo of the overrides (the admin's edits call it)."""
    db.session().info.pop(_MEMO_KEY, None)


def overrides() -> dict[tuple[str, str], int]:
    """(kind, state) → the Office's limit, read once per transaction."""
    memo = _memo()
    if memo.overrides is None:
        memo.overrides = {(r.kind, r.state): r.days for r in db.session.scalars(sa.select(StepLimit))}
    return memo.overrides


def limit_days(kind: str, state, flow_version: int | None = None) -> int | None:
    """The effective limit of a stage: the Office's override, else the step record's default.
    A stage without a default has no limit (nobody's clock runs there)."""
    default = default_days(kind, state, flow_version)
    if default is None:
        return None
    return overrides().get((kind, str(state)), default)


def limited_stages() -> list[tuple[str, LabelledEnum, int]]:
    """Every stage somebody waits in with a time limit: (kind, state, default days), in flow order."""
    return [(kind, st, days) for kind, k in KINDS.items() for st in k.flow.states
            if (days := k.flow.time_limit(st)) is not None]


def timed_states(kind: str) -> list[str]:
    """The stages of a kind in which an item can have a deadline (a limit or a set day): the
    only rows a list filtered by warning level needs to read."""
    return sorted({str(st) for k, st, _days in limited_stages() if k == kind} | set(SET_DEADLINES.get(kind, {})))


# --- the history a clock is read from ---------------------------------------------------------
def _day(moment: datetime) -> date:
    return as_utc(moment).astimezone(calendar.BEIJING).date()


def state_changes(kind: str, ids: Iterable[int]) -> dict[int, list[StateChange]]:
    """The state-changing audit records of many items, oldest first, in one query per 500 ids."""
    ids = sorted(set(ids))
    out: dict[int, list[StateChange]] = {i: [] for i in ids}
    for start in range(0, len(ids), _CHUNK):
        rows = db.session.execute(
            sa.select(AuditRecord.entity_id, AuditRecord.created_at, AuditRecord.from_state,
                      AuditRecord.to_state, AuditRecord.actor_id)
            .where(AuditRecord.entity_type == kind, AuditRecord.entity_id.in_(ids[start:start + _CHUNK]),
                   AuditRecord.to_state.is_not(None),
                   sa.or_(AuditRecord.from_state.is_(None), AuditRecord.from_state != AuditRecord.to_state))
            .order_by(AuditRecord.id))
        for entity_id, at, from_state, to_state, actor_id in rows:
            out[entity_id].append(StateChange(as_utc(at), from_state, to_state, actor_id))
    return out


def episodes(kind: str, changes: list[StateChange]) -> list[Episode]:
    """The item's stays in each stage, oldest first. A return to the applicant and the
    resubmission back to the same stage pause a stay instead of ending it (停表); the revision
    in between is a stay of its own (the applicant's)."""
    pauses = PAUSES.get(kind, frozenset())
    out: list[Episode] = []
    current: Episode | None = None
    suspended: Episode | None = None
    for ch in changes:
        if current is not None:
            current.spans[-1][1] = ch.at
        if current is not None and ch.to_state in pauses and suspended is None:
            current.ended_by, current.paused = ch, True
            suspended, current = current, Episode(ch.to_state, [[ch.at, None]])
        elif suspended is not None and ch.from_state in pauses and ch.to_state == suspended.state:
            current.ended_by = ch
            out.append(current)
            suspended.spans.append([ch.at, None])
            suspended.ended_by, suspended.paused = None, False
            current, suspended = suspended, None
        else:
            if suspended is not None:  # returned and never resubmitted: the stay ended at the return
                suspended.paused = False
                out.append(suspended)
                suspended = None
            if current is not None:
                current.ended_by = ch
                out.append(current)
            current = Episode(ch.to_state, [[ch.at, None]])
    out.extend(e for e in (suspended, current) if e is not None)
    return sorted(out, key=lambda e: e.started)


def deadline_within(spans: list[list], days: int) -> datetime:
    """The day the clock reaches ``days`` working days, counting only inside the spans."""
    used = 0
    for start, end in spans:
        first = _day(start)
        took = None if end is None else calendar.working_days_between(first, _day(end))
        if took is None or used + took >= days:
            return end_of_day(calendar.add_working_days(first, days - used))
        used += took
    return end_of_day(calendar.add_working_days(_day(spans[-1][1]), days - used))


def end_of_day(day: date) -> datetime:
    """A deadline day ends at midnight in Beijing, whatever the server's zone."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=calendar.BEIJING)


def current_episode(kind: str, entity, changes: list[StateChange] | None) -> Episode | None:
    """The item's running stay in its present stage: earlier spans (before a return to the
    applicant) from its history, the running one from ``stage_entered_at``."""
    state = str(entity.state)
    found = next((e for e in reversed(episodes(kind, changes or [])) if e.state == state and e.ended_by is None
                  and not e.paused), None)
    if entity.stage_entered_at is None:
        return found
    entered = as_utc(entity.stage_entered_at)  # written with the state: it starts the running span
    if found is None:
        return Episode(state, [[entered, None]])
    return Episode(state, [*found.spans[:-1], [entered, None]])


def revision_days(kind: str, changes: list[StateChange], now: datetime) -> int:
    """Working days the applicant has spent revising returned versions, over the whole history."""
    pauses = PAUSES.get(kind, frozenset())
    return sum(e.used(now) for e in episodes(kind, changes) if e.state in pauses)


def deadline_of(kind: str, entity, changes: list[StateChange] | None = None) -> datetime | None:
    """When the item's stage is due: the effective limit in working days, counted while the
    clock runs (see the module's note on 停表); a rectification is due on the day the office set."""
    return _assess(kind, entity, changes, clock.now())[0]


def _assess(kind: str, entity, changes, now: datetime) -> tuple[datetime | None, int | None, int]:
    """(deadline, limit, working days used) of the item's present stage."""
    column = SET_DEADLINES.get(kind, {}).get(str(entity.state))
    if column and getattr(entity, column):
        return end_of_day(getattr(entity, column)), None, 0
    days = limit_days(kind, entity.state, getattr(entity, "flow_version", None))
    if days is None:
        return None, None, 0
    if changes is None and kind in PAUSES:
        changes = state_changes(kind, [entity.id])[entity.id]
    episode = current_episode(kind, entity, changes)
    if episode is None:
        return None, days, 0
    return deadline_within(episode.spans, days), days, episode.used(now)


def due_soon_days() -> int:
    return int(current_app.config.get("DUE_SOON_WORKING_DAYS", DUE_SOON_DAYS))


def level_at(deadline: datetime | None, now: datetime) -> tuple[Level, int | None]:
    """The warning level and working days left of a deadline at ``now``."""
    if deadline is None:
        return Level.NONE, None
    today, due = now.astimezone(calendar.BEIJING).date(), deadline.astimezone(calendar.BEIJING).date()
    if deadline < now:
        return Level.OVERDUE, -calendar.working_days_between(due, today)
    left = calendar.working_days_between(today, due)
    return (Level.DUE_SOON if left <= due_soon_days() else Level.ON_TIME), left


def status(kind: str, entity, now: datetime | None = None, changes: list[StateChange] | None = None) -> Limit:
    """The item's deadline and warning level at ``now`` (the product's clock by default).
    ``changes`` is the item's history when the caller batch-loaded it (``state_changes``);
    without it the history is read for the items whose clock can stop."""
    now = now or clock.now()
    if changes is None and kind in PAUSES:
        changes = state_changes(kind, [entity.id])[entity.id]
    deadline, days, used = _assess(kind, entity, changes, now)
    level, left = level_at(deadline, now)
    revised = revision_days(kind, changes, now) if changes else 0
    return Limit(deadline, level, left, days, used, revised)


def statuses(kind: str, entities: Iterable, now: datetime | None = None) -> dict[int, Limit]:
    """``status`` of many items of one kind, their histories read in one query."""
    entities = list(entities)
    now = now or clock.now()
    history = state_changes(kind, [e.id for e in entities]) if entities else {}
    return {e.id: status(kind, e, now, history.get(e.id, [])) for e in entities}


def attach_statuses(kind: str, entities: list, now: datetime | None = None) -> None:
    """Give each loaded item its ``time_limit`` (a Limit) for lists, pages and the API."""
    found = statuses(kind, entities, now)
    for entity in entities:
        entity.time_limit = found[entity.id]
