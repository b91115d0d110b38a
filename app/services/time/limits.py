"""Time limits (时限): when an item's current stage is due, and how close that is.

A waiting step's limit is in working days on the official calendar (``calendar``), counted from
the day the item reached its stage, and ends at midnight Beijing time. ``status`` is the one
answer every list, page, reminder and escalation asks for.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from flask import current_app

from app import clock
from app.kinds import KINDS
from app.services.time import calendar
from workflows.engine import LabelledEnum

DUE_SOON_DAYS = 2  # default for the DUE_SOON_WORKING_DAYS setting


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

    @property
    def overdue(self) -> bool:
        return self.level is Level.OVERDUE


def end_of_day(day: date) -> datetime:
    """A deadline day ends at midnight in Beijing, whatever the server's zone."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=calendar.BEIJING)


def deadline_of(kind: str, entity) -> datetime | None:
    """When the item's stage is due: the step record's time limit in working days on the
    official calendar from the day the item reached the stage (Beijing time); a rectification
    is due on the day the office set."""
    if kind == "midterm_check" and entity.rectification_deadline and entity.state.value == "rectifying":
        return end_of_day(entity.rectification_deadline)
    days = KINDS[kind].flow.time_limit(entity.state)
    entered = entity.stage_entered_at
    if days is None or entered is None:
        return None
    if entered.tzinfo is None:
        entered = entered.replace(tzinfo=timezone.utc)
    return end_of_day(calendar.add_working_days(entered.astimezone(calendar.BEIJING).date(), days))


def due_soon_days() -> int:
    return int(current_app.config.get("DUE_SOON_WORKING_DAYS", DUE_SOON_DAYS))


def status(kind: str, entity, now: datetime | None = None) -> Limit:
    """The item's deadline and warning level at ``now`` (the product's clock by default)."""
    now = now or clock.now()
    deadline = deadline_of(kind, entity)
    if deadline is None:
        return Limit(None, Level.NONE, None)
    today, due = now.astimezone(calendar.BEIJING).date(), deadline.date()
    if deadline < now:
        return Limit(deadline, Level.OVERDUE, -calendar.working_days_between(due, today))
    left = calendar.working_days_between(today, due)
    return Limit(deadline, Level.DUE_SOON if left <= due_soon_days() else Level.ON_TIME, left)
