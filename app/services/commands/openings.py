"""Scheduled openings (run by ``app.jobs.periodic`` as the system: no actor, role "system").

- **Mid-term checks**: each year's checks open on ``MIDTERM_OPENS_ON`` ("MM-DD", Beijing; 29
  February means 28 February in other years). The period is the year: due once today ≥ that day,
  so a tick weeks late (downtime) still opens the year's checks, once.
- **Evaluations**: every ``EVALUATION_EVERY_MONTHS`` months after acceptance. A daily scan opens
  the next period of each accepted project (``EVALUATED_STATES``) whose last evaluation period
  opened — else whose acceptance passed (it entered 绩效评估期) — that many months ago or more.
  The period is named after the day it opens: the year ("2027") when the cadence is whole years,
  the half ("2027H1"/"2027H2") for 6 months, the quarter ("2027Q3") for 3, else year and month
  ("2027-05"). A project that already has that period open is skipped, and the new period is
  the next run's starting point: running twice opens nothing new.
"""
from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import AuditRecord, Evaluation, MidtermCheck, Project
from app.services.commands.checks import open_checks_as_system
from app.services.commands.evaluation import (
    EVALUATED_STATES,
    open_evaluations_as_system,
)
from app.services.time import calendar
from workflows.project import ProjectState


def _local(moment: datetime) -> date:
    """The Beijing day of a moment (stored moments without a zone are UTC)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(calendar.BEIJING).date()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


# --- mid-term checks ---------------------------------------------------------------------------
def midterm_opening(year: int) -> date:
    """The day the year's mid-term checks open (``MIDTERM_OPENS_ON``)."""
    month, day = (int(p) for p in current_app.config["MIDTERM_OPENS_ON"].split("-"))
    return date(year, month, min(day, monthrange(year, month)[1]))


def midterm_period(moment: datetime) -> str | None:
    """The scheduled job's period: the year, once its opening day has come (Beijing)."""
    today = _local(moment)
    return str(today.year) if today >= midterm_opening(today.year) else None


def open_midterm_checks(moment: datetime) -> list[MidtermCheck]:
    """Open the year's checks for every project under construction that has none (idempotent)."""
    return open_checks_as_system(_local(moment).year)


# --- evaluations ---------------------------------------------------------------------------------
def period_name(day: date, months: int) -> str:
    """The name of an evaluation period opening on ``day`` with the given cadence."""
    if months % 12 == 0:
        return str(day.year)
    if months == 6:
        return f"{day.year}H{1 if day.month <= 6 else 2}"
    if months == 3:
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def due_evaluations(moment: datetime) -> dict[str, list[int]]:
    """period name → the accepted projects whose next evaluation period is due at ``moment``."""
    months, today = current_app.config["EVALUATION_EVERY_MONTHS"], _local(moment)
    projects = list(db.session.execute(sa.select(Project.id, Project.stage_entered_at)
                                       .where(Project.state.in_(EVALUATED_STATES))))
    ids = [pid for pid, _entered in projects]
    if not ids:
        return {}
    last_opened = dict(db.session.execute(
        sa.select(Evaluation.project_id, sa.func.max(Evaluation.opened_at))
        .where(Evaluation.project_id.in_(ids)).group_by(Evaluation.project_id)).all())
    accepted = dict(db.session.execute(
        sa.select(AuditRecord.entity_id, sa.func.min(AuditRecord.created_at))
        .where(AuditRecord.entity_type == "project", AuditRecord.entity_id.in_(ids),
               AuditRecord.to_state == ProjectState.EVALUATION.value).group_by(AuditRecord.entity_id)).all())
    due: dict[str, list[int]] = defaultdict(list)
    for pid, entered in projects:
        since = last_opened.get(pid) or accepted.get(pid) or entered
        if add_months(_local(since), months) <= today:
            due[period_name(today, months)].append(pid)
    return dict(due)


def open_due_evaluations(moment: datetime) -> list[Evaluation]:
    """Open every due evaluation period (projects already holding that period are skipped)."""
    return [ev for period, ids in due_evaluations(moment).items() for ev in open_evaluations_as_system(period, ids)]
