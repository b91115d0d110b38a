"""Delegation (代理): a leader designates a proxy for a period and may revoke it; an admin may
revoke any. Who may be a proxy: an active member of the Office's staff who reviews (role
office_reviewer) and is not a leader — they already see every item, and a leader's approval
is recorded by the Office's own secretariat. One proxy holds at most one delegation at any
date, so the leader a proxy acts for is never in doubt. Designating and revoking are audited
(entity type "delegation"); what the proxy may do is ``app.services.engine.proxy``'s."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import policies
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.models import AuditRecord, Delegation, Role, User, UserRole
from app.models.base import utcnow
from app.schemas import DelegationSchema, load
from app.services.reads.paging import Page, paginate
from app.services.records import audit
from app.services.time import calendar

ENTITY = "delegation"  # the audit records' entity type


def proxy_candidates() -> list[User]:
    """Who may be designated: active Office reviewers who are not leaders."""
    leaders = sa.select(UserRole.user_id).where(UserRole.role == Role.LEADER)
    return list(db.session.scalars(
        sa.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.OFFICE_REVIEWER, User.active.is_(True), User.id.not_in(leaders))
        .order_by(User.display_name, User.id)).unique())


def designate(actor: User, data: dict) -> Delegation:
    """A leader names a proxy for a period of Beijing dates (both included, not in the past)."""
    policies.require("leader", actor)
    fields = load(DelegationSchema(), data)
    proxy = db.session.scalar(sa.select(User).where(User.username == fields["proxy"]))
    if proxy is None or proxy.id not in {u.id for u in proxy_candidates()}:
        raise Invalid({"proxy": str(_l("Choose an active Office reviewer who is not a leader."))})
    overlapping = db.session.scalar(sa.select(Delegation).where(
        Delegation.proxy_id == proxy.id, Delegation.revoked_at.is_(None),
        Delegation.starts_on <= fields["ends_on"], Delegation.ends_on >= fields["starts_on"]).limit(1))
    if overlapping is not None:
        raise Conflict(str(_l("%(proxy)s is already the proxy of %(leader)s from %(start)s to %(end)s; one proxy "
                              "acts for one leader at a time.", proxy=proxy.display_name,
                              leader=overlapping.leader.display_name, start=overlapping.starts_on.isoformat(),
                              end=overlapping.ends_on.isoformat())))
    d = Delegation(leader_id=actor.id, proxy_id=proxy.id, starts_on=fields["starts_on"], ends_on=fields["ends_on"],
                   created_by_id=actor.id)
    db.session.add(d)
    db.session.flush()
    audit.record(entity_type=ENTITY, entity_id=d.id, trigger="designate", actor=actor, role="leader",
                 payload={"leader": actor.id, "proxy": proxy.id, "proxy_name": proxy.display_name,
                          "starts_on": d.starts_on, "ends_on": d.ends_on})
    return d


def _visible(actor: User, delegation_id: int) -> Delegation:
    """A delegation its leader, its proxy or an admin may see; anyone else gets 404."""
    d = db.session.get(Delegation, delegation_id)
    if d is None or not actor.active or not (actor.has_role(Role.ADMIN) or actor.id in (d.leader_id, d.proxy_id)):
        raise NotFound(str(_l("No such delegation.")))
    return d


def revoke(actor: User, delegation_id: int, expected_version: int | None = None) -> Delegation:
    """End a delegation now (the leader who gave it, or an admin): compare-and-set, audited."""
    d = _visible(actor, delegation_id)
    policies.require("delegation_manager", actor, d)
    if d.revoked_at is not None:
        raise Conflict(str(_l("This delegation has already been revoked.")))
    if expected_version is not None and d.version != expected_version:
        raise Conflict(str(_l("Someone else acted on this item first; reload it and try again.")))
    now = utcnow()
    result = db.session.execute(sa.update(Delegation).where(
        Delegation.id == d.id, Delegation.version == d.version, Delegation.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by_id=actor.id, version=d.version + 1)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(str(_l("Someone else acted on this item first; reload it and try again.")))
    db.session.refresh(d)
    audit.record(entity_type=ENTITY, entity_id=d.id, trigger="revoke", actor=actor,
                 role="admin" if actor.id != d.leader_id else "leader",
                 payload={"leader": d.leader_id, "proxy": d.proxy_id})
    return d


@dataclass(frozen=True)
class DelegationRow:
    delegation: Delegation
    status: str  # "in_force", "future", "ended", "revoked"


def status_of(d: Delegation) -> str:
    today = calendar.today()
    if d.revoked_at is not None:
        return "revoked"
    if d.ends_on < today:
        return "ended"
    return "in_force" if d.starts_on <= today else "future"


def delegations_for(actor: User) -> list[DelegationRow]:
    """The delegations the actor gave (a leader) or holds (a proxy); an admin sees all."""
    query = sa.select(Delegation)
    if not actor.has_role(Role.ADMIN):
        query = query.where(sa.or_(Delegation.leader_id == actor.id, Delegation.proxy_id == actor.id))
    rows = db.session.scalars(query.order_by(Delegation.starts_on.desc(), Delegation.id.desc())).all()
    return [DelegationRow(d, status_of(d)) for d in rows]


def entered_on_behalf(actor: User, page: int = 1, per_page: int = 20) -> Page[AuditRecord]:
    """Everything entered on the actor's behalf by a proxy, newest first (the leader's page)."""
    return paginate(sa.select(AuditRecord).where(AuditRecord.actor_id == actor.id,
                                                 AuditRecord.entered_by_id.is_not(None)),
                    (AuditRecord.id.desc(),), page, per_page)
