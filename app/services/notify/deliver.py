"""Notifications: the in-app row for each recipient, and its mail when they want mail at once.

Every notification is written here (decisions, reminders, escalations, 催办); a recipient whose
preference is "immediate" and who has an address gets a "mail" outbox row per notification,
sent by its own job outside any transaction (``app.services.notify.mail``). Digest readers get
theirs in the daily digest (``digest``); "none" means in-app only.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from app.extensions import db
from app.kinds import MODEL_OF
from app.models import MailPreference, Notification, Role, User, UserRole
from app.policies import owner_organisation_id
from app.services.notify.audience import handlers
from app.services.records import outbox

# What a notification says, by its kind (params["trigger"] names the decision for the first two).
TASK, DECISION, REMINDER, ESCALATION, URGE = "task", "state_changed", "reminder", "escalation", "urge"
ON_BEHALF = "entered_on_behalf"  # a proxy entered the leader's step: the leader hears of it
NOTICE = "public_notice"  # the agency's project is on a demonstration list under public notice (公示)


def notify(users: Iterable[User], kind: str, entity_type: str, entity_id: int, params: dict) -> list[Notification]:
    """One in-app notification per user (in the caller's transaction), and a mail row for each
    recipient who wants mail at once."""
    rows = [Notification(user_id=u.id, kind=kind, entity_type=entity_type, entity_id=entity_id, params=params)
            for u in users]
    if not rows:
        return []
    db.session.add_all(rows)
    db.session.flush()
    wanting = {u.id for u in users if wants_mail_now(u)}
    for row in rows:
        if row.user_id in wanting:
            outbox.enqueue("mail", {"notification_id": row.id})
    return rows


def wants_mail_now(user: User) -> bool:
    return bool(user.email) and user.mail_preference == MailPreference.IMMEDIATE


def applicants_of(entity) -> list[User]:
    """The applicant agency's staff: they hear of every decision on their items."""
    org = owner_organisation_id(entity)
    if org is None:
        return []
    return list(db.session.scalars(
        sa.select(User).where(User.organisation_id == org, User.active, User.id.in_(
            sa.select(UserRole.user_id).where(UserRole.role == Role.APPLICANT))).order_by(User.id)))


def _told_this_stage(entity_type: str, entity) -> set[int]:
    """Who already got a task notification for the item since it reached its stage (a joint
    reviewer is not told again when another gives an opinion; the next office up is)."""
    return set(db.session.scalars(sa.select(Notification.user_id).where(
        Notification.entity_type == entity_type, Notification.entity_id == entity.id, Notification.kind == TASK,
        Notification.created_at >= entity.stage_entered_at)))


def notify_decision(payload: dict) -> int:
    """After a decision (the outbox's "state_changed" row): those who can act now and were not
    told yet get "awaits you"; the applicant agency hears of the decision; the actor hears of
    nothing they did themselves. Returns how many notifications were written."""
    entity_type, actor_id = payload["entity_type"], payload.get("actor_id")
    model = MODEL_OF.get(entity_type)
    entity = db.session.get(model, payload["entity_id"]) if model else None
    if entity is None:
        return 0
    told = _told_this_stage(entity_type, entity) if entity.stage_entered_at else set()
    tasks = [h.user for h in handlers(entity_type, entity) if h.user.id != actor_id and h.user.id not in told]
    task_ids = {u.id for u in tasks}
    informed = [u for u in applicants_of(entity) if u.id != actor_id and u.id not in task_ids]
    leader = db.session.get(User, actor_id) if payload.get("entered_by") and actor_id else None
    return len(notify(tasks, TASK, entity_type, entity.id, payload)) + \
        len(notify(informed, DECISION, entity_type, entity.id, payload)) + \
        len(notify([leader] if leader is not None else [], ON_BEHALF, entity_type, entity.id, payload))
