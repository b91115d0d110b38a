"""The daily time-limit scan (电子监察): a stage due soon reminds those who can act; an overdue
stage escalates to the supervising level and is recorded in the item's history.

Each happens once per *stage episode* (the item's stage and the moment it reached it — and, in
逐级上报, the office whose endorsement is awaited): the ``Alert`` row's unique key makes a second
scan, or a scan after downtime, send nothing new. Run by the scheduled job "time_limits"
(``app.jobs.periodic``) in its transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.extensions import db
from app.kinds import KINDS
from app.models import Alert
from app.models.base import as_utc
from app.services.notify.audience import handlers, supervisors
from app.services.notify.deliver import ESCALATION, REMINDER, notify
from app.services.records import audit
from app.services.time.limits import Level, status

DUE_SOON, OVERDUE = "due_soon", "overdue"


@dataclass
class ScanResult:
    reminded: int = 0  # items whose handlers were reminded
    escalated: int = 0  # items escalated


def episode(entity) -> str:
    """The stage episode of an item: its stage, when it got there, and whose level it waits on."""
    entered = int(as_utc(entity.stage_entered_at).timestamp()) if entity.stage_entered_at else 0
    level = getattr(entity, "endorsement_level", None)
    return f"{entity.state.value}@{entered}" + (f"#{level}" if level is not None else "")


def _first_time(kind: str, alert: str, entity) -> bool:
    """Record the alert for this episode; False if it was sent already."""
    key = episode(entity)
    if db.session.scalar(sa.select(Alert.id).where(Alert.kind == alert, Alert.entity_type == kind,
                                                   Alert.entity_id == entity.id, Alert.episode == key)):
        return False
    db.session.add(Alert(kind=alert, entity_type=kind, entity_id=entity.id, episode=key))
    db.session.flush()
    return True


def escalate(kind: str, entity, deadline: datetime) -> bool:
    """Tell the supervising level and record it in the item's history (no state change)."""
    targets = supervisors(kind, entity)
    if not targets or not _first_time(kind, OVERDUE, entity):
        return False
    state = entity.state.value
    audit_id = audit.record(entity_type=kind, entity_id=entity.id, trigger="escalate", actor=None, role="system",
                            from_state=state, to_state=state, payload={
                                "deadline": deadline.isoformat(), "escalated_to": [u.display_name for u in targets]})
    notify(targets, ESCALATION, kind, entity.id, {"trigger": "escalate", "to": state, "audit_id": audit_id,
                                                  "deadline": deadline.isoformat()})
    return True


def remind(kind: str, entity, deadline: datetime) -> bool:
    """Remind those who can act that the stage is due soon."""
    people = [h.user for h in handlers(kind, entity)]
    if not people or not _first_time(kind, DUE_SOON, entity):
        return False
    notify(people, REMINDER, kind, entity.id, {"trigger": "remind", "to": entity.state.value,
                                              "deadline": deadline.isoformat()})
    return True


def scan(now: datetime) -> ScanResult:
    """Every waiting item against its time limit at ``now``."""
    result = ScanResult()
    for kind, k in KINDS.items():
        waiting = [st for st in k.flow.states if k.flow.waiting_steps(st)]
        for entity in db.session.scalars(sa.select(k.model).where(k.model.state.in_(waiting))
                                         .order_by(k.model.id)):
            limit = status(kind, entity, now)
            if limit.level is Level.OVERDUE:
                result.escalated += escalate(kind, entity, limit.deadline)
            elif limit.level is Level.DUE_SOON:
                result.reminded += remind(kind, entity, limit.deadline)
    return result
