"""The stored deadline day (``due_on``) of every case's present stage, so that a list or an
inbox counts its overdue and due-soon items in SQL, however many there are.

``limits`` stays the one rule of a deadline; this module keeps its answer on the row:
- ``fire`` writes the new stage's day in the same compare-and-set UPDATE as the state (``after``);
- a case created in a timed stage gets its day before it is inserted (the flush hook below);
- whatever moves deadlines of cases that stay where they are (the Office's own limit for a stage,
  a calendar edit, a case moved to another version of its flow, an upgrade) calls ``refresh``.
A stage whose deadline is a day somebody set (``limits.SET_DEADLINES``) is read from that column
instead (``day_column``), so moving it (an approved extension) needs nothing here.

Reading: an item is overdue once its day has ended in Beijing (``thresholds``), due soon while
at most ``DUE_SOON_WORKING_DAYS`` working days separate today from its day — the same levels as
``limits.level_at``, as two date comparisons.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import clock
from app.extensions import db
from app.kinds import KIND_OF_MODEL, KINDS
from app.services.time import calendar, limits

_BATCH = 500


def day_of(kind: str, case, changes: list[limits.StateChange] | None = None) -> date | None:
    """The deadline day of a case's present stage when it comes from a time limit (None when
    the stage has none, or its day is one somebody set). ``changes``: its history, read here
    when not given and its clock can stop."""
    if str(case.state) in limits.SET_DEADLINES.get(kind, {}):
        return None
    days = limits.limit_days(kind, case.state, getattr(case, "flow_version", None))
    if days is None:
        return None
    if changes is None and kind in limits.PAUSES:
        changes = limits.state_changes(kind, [case.id])[case.id]
    episode = limits.current_episode(kind, case, changes)
    return None if episode is None else limits.deadline_within(episode.spans, days).date()


def after(kind: str, entity, new_state, now: datetime, actor_id: int | None) -> date | None:
    """The day of the stage ``entity`` enters now from its present one (for ``fire``). The
    history is read only when the step resumes a paused stay (停表: a resubmission)."""
    old = str(entity.state)
    case = SimpleNamespace(id=entity.id, state=new_state, stage_entered_at=now,
                           flow_version=getattr(entity, "flow_version", None))
    changes: list = []
    if old in limits.PAUSES.get(kind, ()) and limits.limit_days(kind, new_state, case.flow_version) is not None:
        changes = [*limits.state_changes(kind, [entity.id])[entity.id],
                   limits.StateChange(now, old, str(new_state), actor_id)]
    return day_of(kind, case, changes)


def refresh(kinds: Iterable[str] | None = None, state: str | None = None) -> int:
    """Recompute the stored day of every case in a timed stage (of ``kinds``, of one ``state``):
    after the Office changes a stage's limit or its calendar. Returns how many rows changed."""
    changed = 0
    for kind in kinds or KINDS:
        model = KINDS[kind].model
        states = [s for s in limits.timed_states(kind) if s not in limits.SET_DEADLINES.get(kind, {})]
        if state is not None:
            states = [s for s in states if s == state]
        clear = model.state.not_in(states) if states else sa.true()  # stages that lost their limit
        if state is not None:
            clear = sa.and_(model.state == state, clear)
        cleared = db.session.execute(sa.update(model).where(model.due_on.is_not(None), clear).values(due_on=None)
                                     .execution_options(synchronize_session=False))
        changed += cleared.rowcount or 0
        if not states:
            continue
        rows = db.session.execute(sa.select(model.id, model.state, model.stage_entered_at, model.flow_version,
                                            model.due_on).where(model.state.in_(states)).order_by(model.id)).all()
        stored = {row.id: row.due_on for row in rows}
        for row_id, day in days_of(kind, rows).items():
            if day != stored[row_id]:
                db.session.execute(sa.update(model).where(model.id == row_id).values(due_on=day)
                                   .execution_options(synchronize_session=False))
                changed += 1
    return changed


def days_of(kind: str, rows: list) -> dict[int, date | None]:
    """The day of each row (id, state, stage_entered_at, flow_version) of one kind, the
    histories of those whose clock can stop read in one query per batch."""
    out: dict[int, date | None] = {}
    for start in range(0, len(rows), _BATCH):
        batch = rows[start:start + _BATCH]
        history = limits.state_changes(kind, [r.id for r in batch]) if kind in limits.PAUSES else {}
        out.update((row.id, day_of(kind, row, history.get(row.id, []))) for row in batch)
    return out


def day_column(kind: str, model) -> sa.ColumnElement:
    """The SQL expression of a case's deadline day: its set day in a stage that has one, else
    the stored ``due_on``."""
    set_days = limits.SET_DEADLINES.get(kind, {})
    if not set_days:
        return model.due_on
    return sa.case(*((model.state == state, getattr(model, column)) for state, column in set_days.items()),
                   else_=model.due_on)


def thresholds(now: datetime | None = None) -> tuple[date, date]:
    """(overdue before, due soon up to): an item whose day is before the first is overdue; one
    whose day is from the first up to the second is due soon."""
    now = now or clock.now()
    today = now.astimezone(clock.BEIJING).date()
    overdue_before = today + timedelta(days=1) if limits.end_of_day(today) < now else today
    soon_until = calendar.add_working_days(today, limits.due_soon_days() + 1) - timedelta(days=1)
    return overdue_before, soon_until


@event.listens_for(Session, "before_flush")
def _date_new_cases(session, _context, _instances) -> None:
    """A case created in a timed stage (a check opened, a request filed) carries its day; its
    state and entry are the columns' defaults when the code creating it left them out."""
    for obj in session.new:
        kind = KIND_OF_MODEL.get(type(obj))
        if kind is None or obj.due_on is not None:
            continue
        if obj.state is None:
            obj.state = type(obj).__table__.c.state.default.arg
        if obj.stage_entered_at is None:
            obj.stage_entered_at = clock.now()
        obj.due_on = day_of(kind, obj, [])


def day_value(kind: str, case) -> date | None:
    """``day_column`` of a loaded case."""
    column = limits.SET_DEADLINES.get(kind, {}).get(str(case.state))
    return getattr(case, column) if column else case.due_on


def listed(kind: str, cases: Iterable, now: datetime | None = None) -> dict[int, limits.Limit]:
    """A list row's time limit, from its stored day: the deadline and its level, what a list
    shows, without reading any history. (The stage's limit and the working days used are on the
    item's own page: ``limits.status``.)"""
    now = now or clock.now()
    by_day: dict[date | None, limits.Limit] = {}  # rows due the same day share one (frozen) Limit
    out = {}
    for case in cases:
        day = day_value(kind, case)
        limit = by_day.get(day)
        if limit is None:
            deadline = None if day is None else limits.end_of_day(day)
            limit = by_day[day] = limits.Limit(deadline, *limits.level_at(deadline, now))
        out[case.id] = limit
    return out
