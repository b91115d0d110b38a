"""Scheduled jobs: each is due once per period (a Beijing hour, day, year…), whoever ticks.

``tick`` runs in every worker every ``SWEEP_SECONDS`` (and from ``flask jobs tick``): for each
job whose period has begun it inserts the period's ``ScheduledRun`` — the unique key lets exactly
one worker win — and an outbox row, whose job calls the service. A period missed while nothing
ran (downtime) is caught up at the next tick: the jobs are about states, not about the days
between, so one run covers every missed day.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Callable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app import clock
from app.database import transaction
from app.extensions import db
from app.models import ScheduledRun
from app.services.commands import openings
from app.services.notify.digest import send_digests
from app.services.records import checkpoints, outbox
from app.services.records.outbox import Message, finishing, handles
from app.services.supervision.reminders import scan


@dataclass(frozen=True)
class Periodic:
    name: str
    label: object  # lazy, translated
    period: Callable[[datetime], str | None]  # the period due at this moment, or None yet
    run: Callable[[datetime], object]  # the service; runs in the job's transaction


def daily(at: time) -> Callable[[datetime], str | None]:
    """Due every Beijing day from ``at`` (Beijing time) on; the period is the date."""
    def period(moment: datetime) -> str | None:
        local = moment.astimezone(clock.BEIJING)
        return local.date().isoformat() if local.time() >= at else None
    return period


def hourly() -> Callable[[datetime], str]:
    """Due every hour of Beijing time; the period is the date and hour ("2026-12-08T14")."""
    def period(moment: datetime) -> str:
        return moment.astimezone(clock.BEIJING).strftime("%Y-%m-%dT%H")
    return period


PERIODIC: dict[str, Periodic] = {}


def register(job: Periodic) -> None:
    if job.name in PERIODIC:
        raise RuntimeError(f"two scheduled jobs named {job.name!r}")
    PERIODIC[job.name] = job


def tick(now: datetime | None = None) -> list[str]:
    """Start every scheduled job whose period has begun and has no run yet; returns
    "name period" for each started here."""
    now = now or clock.now()
    due = {job.name: period for job in PERIODIC.values() if (period := job.period(now)) is not None}
    if not due:
        return []
    with transaction():  # one read for all (workers tick every few seconds): which periods ran
        ran = set(db.session.execute(sa.select(ScheduledRun.name, ScheduledRun.period).where(
            sa.tuple_(ScheduledRun.name, ScheduledRun.period).in_(list(due.items())))).all())
    started = []
    for name, period in due.items():
        if (name, period) in ran:
            continue
        try:
            with transaction():
                outbox_id = outbox.enqueue("scheduled", {"name": name, "period": period, "at": now.isoformat()})
                db.session.add(ScheduledRun(name=name, period=period, started_at=now, outbox_id=outbox_id))
        except IntegrityError:  # another worker started this period first
            continue
        started.append(f"{name} {period}")
    return started


def last_runs() -> dict[str, ScheduledRun]:
    """Each scheduled job's latest run (for ``flask jobs status`` and the admin page)."""
    latest = sa.select(sa.func.max(ScheduledRun.id)).group_by(ScheduledRun.name)
    return {r.name: r for r in db.session.scalars(sa.select(ScheduledRun).where(ScheduledRun.id.in_(latest)))}


# The day's time-limit scan runs before the digest, so the digest carries its reminders.
register(Periodic("time_limits", _l("Time-limit reminders and escalations"), daily(time(7, 30)), scan))
register(Periodic("mail_digest", _l("Daily mail digest"), daily(time(8, 0)), send_digests))
# The scheduled openings, as the system (no actor): the year's mid-term checks from their day on,
# and each accepted project's next evaluation period when its cadence comes round.
register(Periodic("midterm_checks", _l("Opening the year's mid-term checks"), openings.midterm_period,
                  openings.open_midterm_checks))
register(Periodic("evaluation_periods", _l("Opening due evaluation periods"), daily(time(7, 0)),
                  openings.open_due_evaluations))

# The audit trail's hourly checkpoint, signed by the Office seal and copied outside the database.
register(Periodic("audit_checkpoint", _l("Audit trail checkpoint"), hourly(), checkpoints.scheduled))


@handles("scheduled")
def scheduled(msg: Message) -> None:
    job = PERIODIC.get(msg.payload["name"])
    if job is None:
        raise LookupError(f"no scheduled job named {msg.payload['name']!r}")
    with transaction(), finishing(msg):
        job.run(datetime.fromisoformat(msg.payload["at"]))

